import { productKey } from '../core/model/image-request.js';
import type { Job, JobEvent } from '../core/model/job.js';
import { isParked, isTerminal } from '../core/model/job.js';
import { visibilityInWords } from '../listing/lifecycle.js';
import type { JobStore, ProductRecord } from '../store/store.js';

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
  /** Draft, Limited, Public or Restricted: where the product stands (only Public is listed for buyers). */
  productVisibility?: string;
  /** The product's public offer. */
  offerId?: string;
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

/** The job as JSON, with what the store records of its product (visibility, offer). */
export function jobView(job: Job, product?: ProductRecord): JobView {
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
    productVisibility: product?.visibility,
    offerId: product?.offerId ?? d.offerId,
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
    nextCheckAt: isTerminal(job.state) || isParked(job) ? undefined : job.nextRunAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  });
}

/** The recorded products, by product key (`productKey`), to join with jobs. */
export async function productsByKey(
  store: Pick<JobStore, 'listProducts'>,
): Promise<Map<string, ProductRecord>> {
  return new Map((await store.listProducts()).map((p) => [p.key, p]));
}

export function productOf(products: Map<string, ProductRecord>, job: Job): ProductRecord | undefined {
  return products.get(productKey(job.request));
}

/** Stages after which the job's version is on the product. */
const versionLiveStates = new Set(['release', 'visibility', 'ssm', 'published']);

/**
 * Where the job's version stands for buyers, in words: "listed for buyers" only once the product is
 * Public; until then what the product's visibility means. Undefined before the version is on a product.
 */
export function versionInWords(job: Job, product: ProductRecord | undefined): string | undefined {
  if (!versionLiveStates.has(job.state) || !job.data.productId) return undefined;
  const visibility = product?.visibility;
  const version = `version "${job.data.versionTitle ?? '?'}" is live on ${job.data.productId}`;
  if (visibility === 'Public') return `${version}, which is ${visibilityInWords(visibility)}`;
  if (visibility === 'Restricted') return `${version}, but the product is ${visibilityInWords(visibility)}`;
  return `${version}, but the product is not Public yet: ${visibilityInWords(visibility)}`;
}

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A job with its history: `status JOB --json` and `GET /api/v1/jobs/{id}` print this. */
export type JobDetail = JobView & { events: JobEvent[] };

export async function jobDetail(
  store: Pick<JobStore, 'events' | 'getProduct'>,
  job: Job,
): Promise<JobDetail> {
  return {
    ...jobView(job, await store.getProduct(productKey(job.request))),
    events: await store.events(job.id),
  };
}

/** Jobs as JSON, each with what the store records of its product. */
export async function jobViews(store: Pick<JobStore, 'listProducts'>, jobs: Job[]): Promise<JobView[]> {
  const products = await productsByKey(store);
  return jobs.map((job) => jobView(job, productOf(products, job)));
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
