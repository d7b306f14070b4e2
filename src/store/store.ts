import type { AwsArch } from '../core/arch.js';
import type { Job, JobEvent, JobState, Stage } from '../core/model/job.js';

/** One intake decision, kept for audit: accepted, duplicate, skipped (policy) or rejected (invalid). */
export interface IntakeRecord {
  at: Date;
  /** `file`, `cli`, `bus`, `replay`. */
  source: string;
  outcome: 'accepted' | 'duplicate' | 'skipped' | 'rejected';
  reason?: string;
  messageId?: string;
  topic?: string;
  jobId?: string;
  /** The raw message, kept for rejected (quarantined) input only. */
  payload?: string;
  /** sha256 of the raw input: names a quarantined input that carries no message id. */
  digest?: string;
}

/**
 * Whether a message with these recorded outcomes became a job (accepted or duplicate). A skip is not final
 * (a later run may admit what policy skipped, e.g. with --include-prerelease) and a rejected message may
 * come back fixed.
 */
export function becameJob(outcomes: ReadonlySet<IntakeRecord['outcome']> | undefined): boolean {
  return outcomes !== undefined && (outcomes.has('accepted') || outcomes.has('duplicate'));
}

/** An input that became a job (or named an image that already has one), with its intake record. */
export interface JobIntake {
  job: Job;
  event: Omit<JobEvent, 'jobId'>;
  /** Written with outcome `accepted` when this entry created the job, else `duplicate`, and its job id. */
  record: Omit<IntakeRecord, 'outcome' | 'jobId'>;
}

/** One decision of intake as commitIntake writes it. */
export type IntakeEntry = { record: IntakeRecord; job?: undefined } | JobIntake;

export interface JobIntakeResult {
  job: Job;
  /** False: a job with the same key existed; it is returned unchanged. */
  created: boolean;
}

/** See JobStore.outlook. */
export interface WorkOutlook {
  /** Earliest nextRunAt among the selected jobs no worker holds (parked ones aside): when one is next due. */
  dueAt?: Date;
  /** Earliest lease end among the selected jobs another worker holds: they are not done, and not ours. */
  heldUntil?: Date;
  /**
   * Earliest end of a lease another worker holds on any job, or of any lock: some worker is busy until
   * at least then.
   */
  busyUntil?: Date;
}

/**
 * One product's `apply` in progress: what it follows and when it looks again, stored like a job's wait
 * so that a restarted (or detached) apply continues instead of starting over.
 */
export interface ApplyRecord {
  /** The product key, `Cloud_Base/41/x86_64`. */
  key: string;
  /** The progress itself; `manage/apply` owns its shape. */
  data: unknown;
  nextRunAt: Date;
  updatedAt: Date;
}

/** What the tool knows of one Marketplace product: its ids, and where it stands in its life. */
export interface ProductRecord {
  /** `<subvariant>/<release>/<arch>` (productKey). */
  key: string;
  productId: string;
  /** The product's public offer, once known. */
  offerId?: string;
  /** Draft, Limited, Public or Restricted, as the Catalog last showed it. */
  visibility?: string;
  /** When that was observed. */
  updatedAt: Date;
}

export interface JobFilter {
  states?: JobState[];
  ids?: string[];
  release?: number;
  arch?: AwsArch;
  /** Keyset pagination: only the jobs that come after this one in (createdAt, id) order. */
  after?: { createdAt: Date; id: string };
  limit?: number;
}

/** What an operator's dashboard and the metrics read at every scrape; one cheap pass over the store. */
export interface StoreSummary {
  /** Jobs per state (states without jobs are absent). */
  jobs: Partial<Record<JobState, number>>;
  /** Per stage with unfinished jobs: when the job that has been in it longest entered it. */
  oldestInStage: Partial<Record<Stage, Date>>;
  /** Rejected input kept in the quarantine. */
  quarantined: number;
}

/**
 * Durable state: jobs (with optimistic concurrency), their event history, and the intake log.
 * SQLite by default, PostgreSQL for several workers; both behind this one interface.
 */
export interface JobStore {
  /** Creates the tables if needed; safe to call on every start. */
  migrate(): Promise<void>;

  /**
   * Inserts the job unless one with the same key exists. Returns the stored job and whether it was
   * created by this call (false: a duplicate, the existing job is returned unchanged).
   */
  createJob(job: Job, event: Omit<JobEvent, 'jobId'>): Promise<JobIntakeResult>;

  /**
   * Saves `job` if its stored version is still `job.version`; the stored version becomes
   * `job.version + 1` and the returned job carries it. Throws `StaleJobError` otherwise. With
   * `releaseFrom`, the same statement gives back the lease that worker holds (see releaseJob): a job
   * that now waits or has ended costs no second round trip.
   * What the job waits for (`data.awaiting`) is indexed for wakeAwaiting; an event that woke the job while
   * it was held keeps it due (the returned job's nextRunAt says when it runs next).
   */
  saveJob(
    job: Job,
    events?: Array<Omit<JobEvent, 'jobId'>>,
    options?: { releaseFrom?: string },
  ): Promise<Job>;

  getJob(id: string): Promise<Job | undefined>;
  findJobByKey(key: string): Promise<Job | undefined>;
  /** Matching jobs, oldest (createdAt, then id) first; `limit` keeps the oldest. */
  listJobs(filter?: JobFilter): Promise<Job[]>;
  /** The `limit` most recently created jobs, newest first. */
  recentJobs(limit: number): Promise<Job[]>;
  summarize(): Promise<StoreSummary>;
  /** Resolves when the database answers a trivial query (readiness). */
  ping(): Promise<void>;

  /**
   * Hands up to `limit` due jobs to `worker` and to no other worker: non-terminal, nextRunAt at or before
   * `now`, and not held under a live lease. Each is held for `leaseMs` of wall-clock time (leases measure
   * whether a worker is alive, so they never follow the sandbox's virtual clock). Oldest due first.
   */
  claimDue(worker: string, now: Date, leaseMs: number, limit?: number): Promise<Job[]>;
  /** Extends the leases `worker` still holds among `ids`; returns the ids it still holds. */
  renewLeases(worker: string, ids: string[], leaseMs: number): Promise<string[]>;
  /** Gives a job back: it waits (its nextRunAt says until when), it ended, or another worker changed it. */
  releaseJob(worker: string, id: string): Promise<void>;
  /**
   * What is left to wait for among the non-terminal jobs (optionally among `ids`), leaving out `exclude`
   * (the caller's own running jobs).
   */
  outlook(ids?: string[], exclude?: string[]): Promise<WorkOutlook>;

  /**
   * An AWS event says `awaited` (an awaited.ts key) ended: every non-terminal job waiting for it becomes
   * due at `now`, in one statement. A job a worker holds meanwhile is marked, so that worker's save keeps
   * it due instead of storing its later wait (it, or the next claimer, looks again; never both at once).
   * A job already due and free, or waiting for something else, is left unchanged. Returns how many jobs
   * it changed.
   */
  wakeAwaiting(awaited: string, now: Date): Promise<number>;

  /**
   * Takes the named lock for `owner` for `ttlMs` of wall-clock time, unless another owner holds it
   * unexpired: one statement, so two workers can never both get it. True when `owner` holds it now.
   */
  tryLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `owner` still holds it. */
  unlock(name: string, owner: string): Promise<void>;
  /**
   * Ends at once the leases and locks of holders `isGone` says no longer exist, instead of waiting for
   * them to expire. Only where every worker shares this machine (SQLite); elsewhere it does nothing.
   */
  releaseGoneHolders(isGone: (holder: string) => boolean): Promise<number>;

  /** The stored progress of `apply` for these products (those that have any). */
  listApplies(keys: string[]): Promise<ApplyRecord[]>;
  /** Stores (or replaces) the progress of `apply` for one product. */
  saveApply(record: ApplyRecord): Promise<void>;

  /** The job's events in the order they were written. */
  events(jobId: string): Promise<JobEvent[]>;

  recordIntake(record: IntakeRecord): Promise<void>;
  /**
   * Every entry in one durable transaction, in order: a bus acks its deliveries only after this resolves,
   * so a failure leaves none of them written. A job entry is created unless a job with its key exists,
   * and its record says which (accepted or duplicate, with the job's id). Returns, per entry, the job of
   * a job entry.
   */
  commitIntake(entries: IntakeEntry[]): Promise<Array<JobIntakeResult | undefined>>;
  /** Intake records in the order they were written; `limit` keeps the most recent ones. */
  listIntake(filter?: { outcomes?: IntakeRecord['outcome'][]; limit?: number }): Promise<IntakeRecord[]>;
  /** True when a message with this id already became a job (accepted or duplicate). */
  hasMessage(messageId: string): Promise<boolean>;
  /**
   * The outcomes recorded for each of `messageIds` (ids never seen are absent), in one query: whether a
   * delivery was taken in before, and whether its skip or rejection is already recorded.
   */
  intakeOutcomes(messageIds: string[]): Promise<Map<string, Set<IntakeRecord['outcome']>>>;

  /**
   * Records what was observed of a product. An observation older than the stored one is ignored (two
   * workers may look at different times); an absent offer id or visibility keeps the stored one.
   * Public wakes, in the same transaction, every job parked until this product is Public (saveJob of a
   * job whose nextRunAt is parkedUntil parks it, or leaves it due now if the product is Public already).
   */
  saveProduct(record: ProductRecord): Promise<void>;
  getProduct(key: string): Promise<ProductRecord | undefined>;
  /** Every recorded product, by key. */
  listProducts(): Promise<ProductRecord[]>;

  close(): Promise<void>;
}

export class StaleJobError extends Error {
  constructor(
    readonly jobId: string,
    readonly expectedVersion: number,
  ) {
    super(`job ${jobId} was changed by another worker (expected version ${expectedVersion})`);
    this.name = 'StaleJobError';
  }
}
