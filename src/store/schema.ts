import type { ColumnType, Generated } from 'kysely';

/**
 * Epoch milliseconds. PostgreSQL `bigint` comes back from pg as a string, SQLite `integer` as a number;
 * rows are read through `Number()` so both dialects map to the same values.
 */
export type EpochMs = ColumnType<number | string, number, number>;
/** Epoch milliseconds that may be absent (a job nobody holds). */
export type NullableEpochMs = ColumnType<number | string | null, number | null, number | null>;
/** Auto-incremented row ids; only used for ordering, never exposed. */
export type RowId = Generated<number | string>;

export interface JobsTable {
  id: string;
  /** `imageKey(request)`, unique so duplicate announcements coalesce. */
  key: string;
  state: string;
  /** Copied from the request so jobs can be filtered by release without JSON operators. */
  release: number;
  /** Copied from the request, like release (null only before migration 0002 filled it). */
  arch: string | null;
  /** ImageRequest as JSON text. */
  request: string;
  /** JobData as JSON text. */
  data: string;
  reason: string | null;
  next_run_at: EpochMs;
  /** When the job entered its current state (JobData.stageStartedAt, else its creation). */
  stage_started_at: ColumnType<number | string | null, number, number>;
  attempts: number;
  version: number;
  created_at: EpochMs;
  updated_at: EpochMs;
  /** The worker running the job now, if any (see JobStore.claimDue). */
  lease_owner: string | null;
  /** Wall-clock end of the lease; a worker that stops renewing it loses the job then. */
  lease_until: NullableEpochMs;
  /** A parked job's product key (productKey): the job waits until that product is recorded Public. */
  awaits_public: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * When an AWS event ended the job's wait while a worker held it (migration 0008): that worker's save
   * keeps the job due then instead of storing its own later wait. Cleared by every claim and save.
   */
  woken_at: NullableEpochMs;
}

/** What each waiting job waits for (core/model/awaited.ts keys): how an AWS event finds its jobs. */
export interface JobWaitsTable {
  job_id: string;
  /** `image/ami-…` or `change-set/<id>`. */
  awaited: string;
}

/** Named locks with an expiry, e.g. one per product around "look, then start a change set". */
export interface LocksTable {
  name: string;
  owner: string;
  until: EpochMs;
}

/** apply's stored progress, one row per product (see JobStore.saveApply). */
export interface AppliesTable {
  key: string;
  /** The progress as JSON text; its shape belongs to `manage/apply`. */
  data: string;
  next_run_at: EpochMs;
  updated_at: EpochMs;
}

export interface JobEventsTable {
  id: RowId;
  job_id: string;
  at: EpochMs;
  stage: string;
  kind: string;
  message: string;
}

export interface IntakeTable {
  id: RowId;
  at: EpochMs;
  source: string;
  outcome: string;
  reason: string | null;
  message_id: string | null;
  topic: string | null;
  job_id: string | null;
  payload: string | null;
  digest: string | null;
}

export interface ProductsTable {
  /** `<subvariant>/<release>/<arch>`. */
  key: string;
  product_id: string;
  offer_id: string | null;
  visibility: string | null;
  /** When the visibility was observed; an older observation never overwrites a newer one. */
  updated_at: EpochMs;
}

export interface Database {
  jobs: JobsTable;
  job_events: JobEventsTable;
  intake: IntakeTable;
  locks: LocksTable;
  applies: AppliesTable;
  products: ProductsTable;
  job_waits: JobWaitsTable;
}

export type StoreDialect = 'sqlite' | 'postgres';
