import type { Job, JobEvent } from '../core/model/job.js';
import { isTerminal } from '../core/model/job.js';
import type { JobStore } from '../store/store.js';

/** The JSON shape of a job in `--json` output (README "JSON output" documents it). */
export interface JobView {
  id: string;
  state: string;
  reason?: string;
  release?: number;
  arch?: string;
  subvariant?: string;
  composeId?: string;
  imageName?: string;
  sourceAmi?: string;
  sourceRegion?: string;
  prerelease?: boolean;
  productId?: string;
  productTitle?: string;
  versionTitle?: string;
  mirroredAmis: Record<string, string>;
  changeSetId?: string;
  changeSetStatus?: string;
  changeSetErrors?: Array<{ code: string; message: string }>;
  loadFormPath?: string;
  changeSetPath?: string;
  versionExisted?: boolean;
  ssmAlias?: string;
  /** region -> ok | missing | mismatch (the version's SSM alias in sampled regions). */
  ssmCheck?: Record<string, string>;
  derived?: Array<{ field: string; value: string; from: string }>;
  messageId?: string;
  topic?: string;
  nextCheckAt?: string;
  createdAt?: string;
  updatedAt?: string;
}

export function jobView(job: Job): JobView {
  const { request: r, data: d } = job;
  return strip({
    id: job.id,
    state: job.state,
    reason: job.reason,
    release: r.release,
    arch: r.arch,
    subvariant: r.subvariant,
    composeId: r.composeId,
    imageName: r.imageName,
    sourceAmi: r.sourceAmi,
    sourceRegion: r.sourceRegion,
    prerelease: r.prerelease,
    productId: d.productId,
    productTitle: d.productTitle,
    versionTitle: d.versionTitle,
    mirroredAmis: d.mirroredAmis,
    changeSetId: d.changeSetId,
    changeSetStatus: d.changeSetStatus,
    changeSetErrors: d.changeSetErrors,
    loadFormPath: d.loadFormPath,
    changeSetPath: d.changeSetPath,
    versionExisted: d.versionExisted,
    ssmAlias: d.ssmAlias,
    ssmCheck: d.ssmCheck,
    derived: r.derived.length > 0 ? r.derived : undefined,
    messageId: r.origin.messageId,
    topic: r.origin.topic,
    nextCheckAt: isTerminal(job.state) ? undefined : job.nextRunAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  });
}

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A job with its history: `status JOB --json` and `GET /api/v1/jobs/{id}` print this. */
export type JobDetail = JobView & { events: JobEvent[] };

export async function jobDetail(store: Pick<JobStore, 'events'>, job: Job): Promise<JobDetail> {
  return { ...jobView(job), events: await store.events(job.id) };
}

/** A message that policy skipped: shown beside jobs, never stored as one. */
export interface SkippedView {
  id: string;
  state: 'skipped';
  reason: string;
  topic: string;
  messageId?: string;
  release?: number;
  arch?: string;
  subvariant?: string;
  composeId?: string;
  imageName?: string;
}
