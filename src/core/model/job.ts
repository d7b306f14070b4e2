import { shortHash } from '../ids.js';
import { imageKey, type ImageRequest } from './image-request.js';
import type { ProductListing } from './listing.js';
import type { Awaiting } from './awaited.js';

/**
 * Stages in the order they run (DESIGN "The job, end to end"): `release` takes a new product from Draft
 * to Limited, `visibility` asks for Public and waits for AWS's review.
 */
export const stages = [
  'verify',
  'mirror',
  'share',
  'describe',
  'submit',
  'await',
  'release',
  'visibility',
  'ssm',
] as const;
export type Stage = (typeof stages)[number];

export const terminalStates = ['published', 'failed', 'skipped'] as const;
export type TerminalState = (typeof terminalStates)[number];
export type JobState = Stage | TerminalState;
/** Every state, in the order a job passes them. */
export const jobStates: readonly JobState[] = [...stages, ...terminalStates];

/**
 * The nextRunAt of a job parked until the store wakes it (JobStore.saveProduct wakes the jobs waiting for
 * their product to become Public): never due by time, so a parked job costs no looks at all meanwhile.
 */
export const parkedUntil = new Date(8_640_000_000_000_000);

export function isParked(job: Pick<Job, 'nextRunAt'>): boolean {
  return job.nextRunAt.getTime() >= parkedUntil.getTime();
}

export function isTerminal(state: JobState): state is TerminalState {
  return state === 'published' || state === 'failed' || state === 'skipped';
}

/** What the stages learn and record as they go; every field is optional until its stage ran. */
export interface JobData {
  /** Source image facts read back from EC2 at verify. */
  source?: {
    imageId: string;
    region: string;
    name: string;
    snapshotIds: string[];
    creationDate?: string;
    bootMode?: 'legacy-bios' | 'uefi' | 'uefi-preferred';
  };
  /** region -> mirrored AMI id in the internal account (per partition key `partition:region`). */
  mirroredAmis: Record<string, string>;
  /** mirrored AMI id -> its snapshot ids. */
  mirroredSnapshots: Record<string, string[]>;
  /** Regions whose mirror is available (not polled again). */
  mirrorsReady?: string[];
  /** region -> copies started so far; a failed copy is deregistered and retried with a fresh token. */
  copyAttempts?: Record<string, number>;
  /** region -> looks at a fresh copy that EC2 did not know yet (eventual consistency), bounded. */
  notFoundLooks?: Record<string, number>;
  /** Accounts the base image and its snapshots were shared with, as read back. */
  sharedWith?: string[];
  productId?: string;
  productTitle?: string;
  versionTitle?: string;
  /** Set when the product did not exist and this job's change set creates it. */
  createsProduct?: boolean;
  /** The listing built at describe: exported as load form, then submitted unchanged. */
  listing?: ProductListing;
  /** Bumped when a change set must be submitted again (SERVER_FAULT, `resume --retry-failed`). */
  submitAttempt?: number;
  /** Which of the listing's ordered change sets is being submitted (1 unless it needs more than 20 changes). */
  submitPart?: number;
  /** The product's public offer. */
  offerId?: string;
  /** The change set that released the product (Draft -> Limited), and the one asking for Public. */
  releaseChangeSetId?: string;
  visibilityChangeSetId?: string;
  /** Bumped when a release or visibility request is made again (SERVER_FAULT, `resume --retry-failed`). */
  lifecycleAttempt?: number;
  changeSetId?: string;
  changeSetName?: string;
  changeSetStatus?: string;
  changeSetErrors?: Array<{ code: string; message: string }>;
  loadFormPath?: string;
  changeSetPath?: string;
  /** True when the version already existed on the product, so nothing was submitted. */
  versionExisted?: boolean;
  /** The version's Marketplace SSM alias, `/aws/service/marketplace/prod-.../<version>`. */
  ssmAlias?: string;
  /** Per sampled region: the alias resolves and `.../latest` agrees (ok), does not resolve (missing), or `latest` differs. */
  ssmCheck?: Record<string, SsmCheckResult>;
  /** Looks at the SSM alias so far (bounded by pipeline.ssmCheckAttempts). */
  ssmAttempts?: number;
  /** When the end of the job was announced on the bus (listen announces what a crash left unannounced). */
  announcedAt?: string;
  /** What the current wait is for: an AWS event naming one of these ends it early (awaited.ts). */
  awaiting?: Awaiting;
  /** When the current stage began: polls back off in proportion to how long it has been waiting. */
  stageStartedAt?: string;
  /** The stage a failed job failed in, so `resume --retry-failed` knows where to start again. */
  failedStage?: Stage;
}

export type SsmCheckResult = 'ok' | 'missing' | 'mismatch';

export interface Job {
  id: string;
  /** `imageKey(request)`: unique, so duplicates coalesce. */
  key: string;
  state: JobState;
  /** Why the job is skipped or failed, or what it is waiting for. */
  reason?: string;
  request: ImageRequest;
  data: JobData;
  /** When the current stage should run next (persisted waits). */
  nextRunAt: Date;
  /** Consecutive transient failures of the current stage. */
  attempts: number;
  /** Optimistic-concurrency version, bumped on every save. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface JobEvent {
  jobId: string;
  at: Date;
  stage: JobState;
  kind: 'created' | 'advanced' | 'waiting' | 'retry' | 'failed' | 'skipped' | 'published' | 'note';
  message: string;
}

export function emptyJobData(): JobData {
  return { mirroredAmis: {}, mirroredSnapshots: {} };
}

/** `f<release>-<arch>-<hash of the image key>`: short, readable, and the same for every announcement. */
export function jobIdFor(request: ImageRequest): string {
  return `f${request.release}-${request.arch}-${shortHash(imageKey(request)).slice(0, 8)}`;
}

/** A job for `request`, due now, at its first stage. */
export function newJob(request: ImageRequest, now: Date): Job {
  return {
    id: jobIdFor(request),
    key: imageKey(request),
    state: 'verify',
    request,
    data: emptyJobData(),
    nextRunAt: now,
    attempts: 0,
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
}
