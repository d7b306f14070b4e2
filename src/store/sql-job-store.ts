import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ImageRequest } from '../core/model/image-request.js';
import {
  isTerminal,
  terminalStates,
  type Job,
  type JobData,
  type JobEvent,
  type JobState,
  type Stage,
} from '../core/model/job.js';
import { migrateToLatest, schemaIsCurrent } from './migrations.js';
import type { Database, IntakeTable, JobsTable, StoreDialect } from './schema.js';
import { StaleJobError } from './store.js';
import type { IntakeRecord, IntakeRef, JobFilter, JobStore, StoreSummary } from './store.js';
import type { WriteLock } from './write-lock.js';

/**
 * Outcomes that mean "this message became a job". A skip is not final (a later run may admit what policy
 * skipped, e.g. with --include-prerelease) and a rejected message may come back fixed.
 */
const seenOutcomes: IntakeRecord['outcome'][] = ['accepted', 'duplicate'];

export interface SqlJobStoreOptions {
  dialect: StoreDialect;
  /** Serializes this store's writes with other stores on the same SQLite file (see write-lock.ts). */
  writeLock?: WriteLock;
  /** Makes a write durable against power loss before it returns (intake writes precede bus acks). */
  durable?: <T>(write: () => Promise<T>) => Promise<T>;
}

/**
 * JobStore over any Kysely dialect. Dates are stored as epoch milliseconds and JSON as text, so the
 * same queries run unchanged on SQLite and PostgreSQL.
 */
export class SqlJobStore implements JobStore {
  private readonly dialect: StoreDialect;
  private readonly writeLock: WriteLock;
  private readonly durable: <T>(write: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly db: Kysely<Database>,
    options: SqlJobStoreOptions,
  ) {
    this.dialect = options.dialect;
    this.writeLock = options.writeLock ?? ((fn) => fn());
    this.durable = options.durable ?? ((write) => write());
  }

  async migrate(): Promise<void> {
    await this.writeLock(() => migrateToLatest(this.db, this.dialect));
  }

  async schemaIsCurrent(): Promise<boolean> {
    return schemaIsCurrent(this.db, this.dialect);
  }

  async createJob(job: Job, event: Omit<JobEvent, 'jobId'>): Promise<{ job: Job; created: boolean }> {
    return this.writeLock(() =>
      this.durable(() =>
        this.db.transaction().execute(async (trx) => {
          // Insert-or-nothing keeps concurrent announcements of one image down to one job.
          const inserted = await trx
            .insertInto('jobs')
            .values(jobRow(job))
            .onConflict((oc) => oc.column('key').doNothing())
            .returning('id')
            .executeTakeFirst();
          if (inserted !== undefined) await insertEvents(trx, job.id, [event]);
          const stored = await trx
            .selectFrom('jobs')
            .selectAll()
            .where('key', '=', job.key)
            .executeTakeFirstOrThrow();
          return { job: jobFromRow(stored), created: inserted !== undefined };
        }),
      ),
    );
  }

  async saveJob(job: Job, events: Array<Omit<JobEvent, 'jobId'>> = []): Promise<Job> {
    const saved: Job = { ...job, version: job.version + 1 };
    const row = jobRow(saved);
    await this.writeLock(() =>
      this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('jobs')
          .set({
            state: row.state,
            release: row.release,
            arch: row.arch,
            request: row.request,
            data: row.data,
            reason: row.reason,
            next_run_at: row.next_run_at,
            stage_started_at: row.stage_started_at,
            attempts: row.attempts,
            version: row.version,
            updated_at: row.updated_at,
          })
          .where('id', '=', job.id)
          .where('version', '=', job.version)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw new StaleJobError(job.id, job.version);
        await insertEvents(trx, job.id, events);
      }),
    );
    return saved;
  }

  async getJob(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && jobFromRow(row);
  }

  async findJobByKey(key: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('key', '=', key).executeTakeFirst();
    return row && jobFromRow(row);
  }

  async listJobs(filter: JobFilter = {}): Promise<Job[]> {
    if (filter.states?.length === 0 || filter.ids?.length === 0) return [];
    let query = this.db.selectFrom('jobs').selectAll();
    if (filter.states) query = query.where('state', 'in', filter.states);
    if (filter.ids) query = query.where('id', 'in', filter.ids);
    if (filter.release !== undefined) query = query.where('release', '=', filter.release);
    if (filter.arch !== undefined) query = query.where('arch', '=', filter.arch);
    const after = filter.after;
    if (after) {
      const at = after.createdAt.getTime();
      query = query.where((eb) =>
        eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('id', '>', after.id)])]),
      );
    }
    query = query.orderBy('created_at').orderBy('id');
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return (await query.execute()).map(jobFromRow);
  }

  async recentJobs(limit: number): Promise<Job[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(jobFromRow);
  }

  async summarize(): Promise<StoreSummary> {
    // Two grouped reads over indexes; no job row is parsed.
    const states = await this.db
      .selectFrom('jobs')
      .select((eb) => ['state', eb.fn.countAll().as('count'), eb.fn.min('stage_started_at').as('oldest')])
      .groupBy('state')
      .execute();
    const quarantine = await this.db
      .selectFrom('intake')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('outcome', '=', 'rejected')
      .executeTakeFirst();
    const summary: StoreSummary = {
      jobs: {},
      oldestInStage: {},
      quarantined: Number(quarantine?.count ?? 0),
    };
    for (const row of states) {
      const state = row.state as JobState;
      summary.jobs[state] = Number(row.count);
      if (!isTerminal(state) && row.oldest !== null)
        summary.oldestInStage[state as Stage] = new Date(Number(row.oldest));
    }
    return summary;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async dueJobs(now: Date, limit: number, exclude?: string[]): Promise<Job[]> {
    if (limit <= 0) return [];
    let query = this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', 'not in', terminalStates)
      .where('next_run_at', '<=', now.getTime());
    if (exclude && exclude.length > 0) query = query.where('id', 'not in', exclude);
    const rows = await query
      .orderBy('next_run_at')
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(jobFromRow);
  }

  async nextWakeAt(ids?: string[], exclude?: string[]): Promise<Date | undefined> {
    if (ids?.length === 0) return undefined;
    let query = this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('next_run_at').as('at'))
      .where('state', 'not in', terminalStates);
    if (ids) query = query.where('id', 'in', ids);
    if (exclude && exclude.length > 0) query = query.where('id', 'not in', exclude);
    const row = await query.executeTakeFirst();
    return row?.at === null || row?.at === undefined ? undefined : new Date(Number(row.at));
  }

  async events(jobId: string): Promise<JobEvent[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      jobId: r.job_id,
      at: new Date(Number(r.at)),
      stage: r.stage as JobState,
      kind: r.kind as JobEvent['kind'],
      message: r.message,
    }));
  }

  // `do nothing`: a second quarantine row for the same input meets a unique index and is dropped.
  async recordIntake(record: IntakeRecord): Promise<void> {
    await this.writeLock(() =>
      this.durable(() =>
        this.db
          .insertInto('intake')
          .values(intakeRow(record))
          .onConflict((oc) => oc.doNothing())
          .execute(),
      ),
    );
  }

  async recordIntakes(records: IntakeRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One multi-row INSERT is one transaction; chunks stay below SQLite's bound-parameter limit.
    await this.writeLock(() =>
      this.durable(() =>
        this.db.transaction().execute(async (trx) => {
          for (let i = 0; i < records.length; i += 100) {
            await trx
              .insertInto('intake')
              .values(records.slice(i, i + 100).map(intakeRow))
              .onConflict((oc) => oc.doNothing())
              .execute();
          }
        }),
      ),
    );
  }

  async listIntake(
    filter: { outcomes?: IntakeRecord['outcome'][]; limit?: number } = {},
  ): Promise<IntakeRecord[]> {
    if (filter.outcomes?.length === 0) return [];
    // Newest first so that `limit` keeps the most recent records; reversed below into log order.
    let query = this.db.selectFrom('intake').selectAll().orderBy('id', 'desc');
    if (filter.outcomes) query = query.where('outcome', 'in', filter.outcomes);
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return (await query.execute()).reverse().map(intakeFromRow);
  }

  async hasMessage(messageId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('intake')
      .select('id')
      .where('message_id', '=', messageId)
      .where('outcome', 'in', seenOutcomes)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async hasIntake(ref: IntakeRef, outcomes: IntakeRecord['outcome'][]): Promise<boolean> {
    if (outcomes.length === 0 || (ref.messageId === undefined && ref.digest === undefined)) return false;
    let query = this.db.selectFrom('intake').select('id').where('outcome', 'in', outcomes);
    query =
      ref.messageId !== undefined
        ? query.where('message_id', '=', ref.messageId)
        : query.where('digest', '=', ref.digest as string);
    return (await query.limit(1).executeTakeFirst()) !== undefined;
  }

  async seenMessages(messageIds: string[]): Promise<Set<string>> {
    const seen = new Set<string>();
    for (let i = 0; i < messageIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('intake')
        .select('message_id')
        .where('message_id', 'in', messageIds.slice(i, i + 500))
        .where('outcome', 'in', seenOutcomes)
        .execute();
      for (const row of rows) if (row.message_id !== null) seen.add(row.message_id);
    }
    return seen;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function intakeRow(record: IntakeRecord): Insertable<IntakeTable> {
  return {
    at: record.at.getTime(),
    source: record.source,
    outcome: record.outcome,
    reason: record.reason ?? null,
    message_id: record.messageId ?? null,
    topic: record.topic ?? null,
    job_id: record.jobId ?? null,
    payload: record.payload ?? null,
    digest: record.digest ?? null,
  };
}

async function insertEvents(
  trx: Transaction<Database>,
  jobId: string,
  events: Array<Omit<JobEvent, 'jobId'>>,
): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('job_events')
    .values(
      events.map((e) => ({
        job_id: jobId,
        at: e.at.getTime(),
        stage: e.stage,
        kind: e.kind,
        message: e.message,
      })),
    )
    .execute();
}

function jobRow(job: Job): Insertable<JobsTable> {
  return {
    id: job.id,
    key: job.key,
    state: job.state,
    release: job.request.release,
    arch: job.request.arch,
    request: JSON.stringify(job.request),
    data: JSON.stringify(job.data),
    reason: job.reason ?? null,
    next_run_at: job.nextRunAt.getTime(),
    stage_started_at: job.data.stageStartedAt ? Date.parse(job.data.stageStartedAt) : job.createdAt.getTime(),
    attempts: job.attempts,
    version: job.version,
    created_at: job.createdAt.getTime(),
    updated_at: job.updatedAt.getTime(),
  };
}

function jobFromRow(row: Selectable<JobsTable>): Job {
  const job: Job = {
    id: row.id,
    key: row.key,
    state: row.state as JobState,
    request: JSON.parse(row.request) as ImageRequest,
    data: JSON.parse(row.data) as JobData,
    nextRunAt: new Date(Number(row.next_run_at)),
    attempts: Number(row.attempts),
    version: Number(row.version),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
  if (row.reason !== null) job.reason = row.reason;
  return job;
}

function intakeFromRow(row: Selectable<IntakeTable>): IntakeRecord {
  const record: IntakeRecord = {
    at: new Date(Number(row.at)),
    source: row.source,
    outcome: row.outcome as IntakeRecord['outcome'],
  };
  if (row.reason !== null) record.reason = row.reason;
  if (row.message_id !== null) record.messageId = row.message_id;
  if (row.topic !== null) record.topic = row.topic;
  if (row.job_id !== null) record.jobId = row.job_id;
  if (row.payload !== null) record.payload = row.payload;
  if (row.digest !== null) record.digest = row.digest;
  return record;
}
