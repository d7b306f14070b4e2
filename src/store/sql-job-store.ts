import {
  sql,
  type CompiledQuery,
  type Insertable,
  type RawBuilder,
  type Kysely,
  type Selectable,
  type Transaction,
} from 'kysely';
import { systemClock, type Clock } from '../core/clock.js';
import { productKey, type ImageRequest } from '../core/model/image-request.js';
import {
  isParked,
  isTerminal,
  parkedUntil,
  terminalStates,
  type Job,
  type JobData,
  type JobEvent,
  type JobState,
  type Stage,
} from '../core/model/job.js';
import { awaitedKeys } from '../core/model/awaited.js';
import { migrateToLatest, schemaIsCurrent } from './migrations.js';
import type { Database, IntakeTable, JobsTable, ProductsTable, StoreDialect } from './schema.js';
import { becameJob, StaleJobError } from './store.js';
import { PreparedQueries, type Slots } from './prepared-query.js';
import type {
  ApplyRecord,
  IntakeEntry,
  IntakeRecord,
  JobIntakeResult,
  JobFilter,
  JobStore,
  ProductRecord,
  StoreSummary,
  WorkOutlook,
} from './store.js';
import type { WriteLock } from './write-lock.js';
import type { CommitSync } from './wal-sync.js';

export type RunSync = (query: CompiledQuery) => void;

export interface SqlJobStoreOptions {
  dialect: StoreDialect;
  /** Serializes this store's writes with other stores on the same SQLite file (see write-lock.ts). */
  writeLock?: WriteLock;
  /**
   * Makes every commit so far durable against power loss; intake writes wait for it before they return
   * (they precede bus acks). Without it a commit is durable by itself (PostgreSQL).
   */
  syncCommits?: CommitSync;
  /**
   * Runs a write on the connection that holds the open transaction, synchronously (SQLite, in process):
   * the intake's many small INSERTs then cost no promise each.
   */
  runSync?: RunSync;
  /** Wall-clock time for leases and locks; tests pass a manual one. Default: the system clock. */
  wallClock?: Clock;
  /**
   * Every holder of a lease or lock runs on this machine (SQLite), so releaseGoneHolders may end the
   * leases of processes that no longer exist.
   */
  localHolders?: boolean;
}

/**
 * JobStore over any Kysely dialect. Dates are stored as epoch milliseconds and JSON as text, so the
 * same queries run unchanged on SQLite and PostgreSQL.
 */
export class SqlJobStore implements JobStore {
  private readonly dialect: StoreDialect;
  private readonly writeLock: WriteLock;
  private readonly syncCommits: CommitSync | undefined;
  private readonly runSync: RunSync | undefined;
  private readonly wallClock: Clock;
  private readonly localHolders: boolean;
  private readonly prepared = new PreparedQueries();

  constructor(
    private readonly db: Kysely<Database>,
    options: SqlJobStoreOptions,
  ) {
    this.dialect = options.dialect;
    this.writeLock = options.writeLock ?? ((fn) => fn());
    this.syncCommits = options.syncCommits;
    this.runSync = options.runSync;
    this.wallClock = options.wallClock ?? systemClock;
    this.localHolders = options.localHolders === true;
  }

  async migrate(): Promise<void> {
    await this.writeLock(() => migrateToLatest(this.db, this.dialect));
  }

  async schemaIsCurrent(): Promise<boolean> {
    return schemaIsCurrent(this.db, this.dialect);
  }

  async createJob(job: Job, event: Omit<JobEvent, 'jobId'>): Promise<JobIntakeResult> {
    return this.durableTransaction((trx) => insertJob(trx, this.prepared, job, event));
  }

  /**
   * A write transaction that returns once durable (intake writes precede bus acks). The disk sync waits
   * outside the write lock: other writes go on meanwhile, and commits made in that time share the sync.
   */
  private async durableTransaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const result = await this.writeLock(() => this.transaction(work));
    await this.syncCommits?.sync();
    return result;
  }

  /**
   * A transaction that fails with the error that stopped it. SQLite rolls a transaction back by itself
   * on some errors (SQLITE_FULL); Kysely's own ROLLBACK then fails and its error would hide the cause.
   */
  private async transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    let cause: unknown;
    try {
      return await this.db.transaction().execute(async (trx) => {
        try {
          return await work(trx);
        } catch (error) {
          cause = error;
          throw error;
        }
      });
    } catch (error) {
      throw cause ?? error;
    }
  }

  async saveJob(
    job: Job,
    events: Array<Omit<JobEvent, 'jobId'>> = [],
    options: { releaseFrom?: string } = {},
  ): Promise<Job> {
    const { releaseFrom } = options;
    const saved: Job = { ...job, version: job.version + 1 };
    const row = jobRow(saved);
    const next = Number(row.next_run_at);
    const stored = await this.writeLock(() =>
      this.transaction(async (trx) => {
        if (row.awaits_public && this.dialect === 'postgres') {
          // A saveProduct making the product Public commits either before this (then the look below
          // sees it) or after (then its wake-up sees this parked row): never in between.
          await trx
            .selectFrom('products')
            .select('key')
            .where('key', '=', row.awaits_public)
            .forShare()
            .execute();
        }
        const parked = row.awaits_public !== null && row.awaits_public !== undefined;
        const shape = `save:${parked ? 'parked' : 'due'}:${releaseFrom === undefined ? 'kept' : 'released'}`;
        const { rows: updatedRows } = await trx.executeQuery(
          this.prepared.bind(
            shape,
            (p) =>
              trx
                .updateTable('jobs')
                .set({
                  state: p.one('state'),
                  release: p.one('release'),
                  arch: p.one('arch'),
                  request: p.one('request'),
                  data: p.one('data'),
                  reason: p.one('reason'),
                  next_run_at: wokenOr(
                    parked
                      ? dueUnlessPublic(p.one('awaits_public'), p.one('updated_at'), p.one('next'))
                      : p.one('next'),
                  ),
                  woken_at: null,
                  stage_started_at: p.one('stage_started_at'),
                  attempts: p.one('attempts'),
                  version: p.one('version'),
                  updated_at: p.one('updated_at'),
                  awaits_public: p.one('awaits_public'),
                  ...(releaseFrom === undefined
                    ? {}
                    : {
                        lease_owner: sql<
                          string | null
                        >`case when lease_owner = ${p.one('releaseFrom')} then null else lease_owner end`,
                        lease_until: sql<
                          number | null
                        >`case when lease_owner = ${p.one('releaseFrom')} then null else lease_until end`,
                      }),
                })
                .where('id', '=', p.one<string>('id'))
                .where('version', '=', p.one<number>('expectedVersion'))
                .returning('next_run_at'),
            {
              ...row,
              reason: row.reason ?? null,
              awaits_public: row.awaits_public ?? null,
              next,
              releaseFrom,
              expectedVersion: job.version,
            },
          ),
        );
        const updated = updatedRows[0];
        if (updated === undefined) throw new StaleJobError(job.id, job.version);
        await replaceWaits(trx, this.prepared, saved);
        await insertEvents(trx, this.prepared, job.id, events);
        return Number(updated.next_run_at);
      }),
    );
    // A parked job's stored wake-up is its own business (dueUnlessPublic); a woken one runs again now.
    return stored === next || row.awaits_public ? saved : { ...saved, nextRunAt: new Date(stored) };
  }

  async wakeAwaiting(awaited: string, now: Date): Promise<number> {
    const values = { awaited, at: now.getTime(), wallNow: this.wallClock.now().getTime() };
    const result = await this.writeLock(() =>
      this.db.executeQuery(
        this.prepared.bind(
          'wake',
          (p) => {
            const at = p.one<number>('at');
            return (
              this.db
                .updateTable('jobs')
                .set({
                  next_run_at: sql<number>`case when next_run_at > ${at} then ${at} else next_run_at end`,
                  woken_at: at,
                })
                .where('id', 'in', (eb) =>
                  eb.selectFrom('job_waits').select('job_id').where('awaited', '=', p.one<string>('awaited')),
                )
                .where('state', 'not in', terminalStates)
                // A free job already due needs nothing; a held one is marked for its holder's save.
                .where((eb) =>
                  eb.or([eb('next_run_at', '>', at), eb('lease_until', '>', p.one<number>('wallNow'))]),
                )
            );
          },
          values,
        ),
      ),
    );
    return Number(result.numAffectedRows ?? 0);
  }

  async getJob(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && jobFromRow(row);
  }

  async findJobByKey(key: string): Promise<Job | undefined> {
    const { rows } = await this.db.executeQuery(
      this.prepared.bind(
        'job-by-key',
        (p) => this.db.selectFrom('jobs').selectAll().where('key', '=', p.one<string>('key')),
        { key },
      ),
    );
    const row = rows[0];
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

  async claimDue(worker: string, now: Date, leaseMs: number, limit = 1): Promise<Job[]> {
    if (limit <= 0) return [];
    const wallNow = this.wallClock.now().getTime();
    const values = { now: now.getTime(), wallNow, limit, worker, until: wallNow + leaseMs };
    // SQLite: an UPDATE takes the write lock and costs about ten times this read even when nothing is due,
    // which is most of the time; the UPDATE below still decides, so a job taken meanwhile is not taken twice.
    if (this.dialect === 'sqlite') {
      const due = await this.db.executeQuery(
        this.prepared.bind('claimable', (p) => this.claimable(p), values),
      );
      if (due.rows.length === 0) return [];
    }
    const { rows } = await this.writeLock(() =>
      this.db.executeQuery(
        this.prepared.bind(
          'claim',
          (p) =>
            this.db
              .updateTable('jobs')
              // What woke the job before this claim is what this run will look at.
              .set({ lease_owner: p.one('worker'), lease_until: p.one('until'), woken_at: null })
              .where('id', 'in', this.claimable(p))
              .returningAll(),
          values,
        ),
      ),
    );
    return rows.map(jobFromRow).sort(byDueThenAge);
  }

  /** The ids of the jobs a claim takes: due, not held, oldest due first. */
  private claimable(p: Slots) {
    const claimable = this.db
      .selectFrom('jobs')
      .select('id')
      .where('state', 'not in', terminalStates)
      .where('next_run_at', '<=', p.one<number>('now'))
      .where((eb) =>
        eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', p.one<number>('wallNow'))]),
      )
      .orderBy('next_run_at')
      .orderBy('created_at')
      .orderBy('id')
      .limit(p.one<number>('limit'));
    // PostgreSQL: rows another claimer has locked are skipped, not waited for, and the rest are locked until
    // this statement commits. SQLite: the statement runs under the database's single write lock.
    return this.dialect === 'postgres' ? claimable.forUpdate().skipLocked() : claimable;
  }

  async renewLeases(worker: string, ids: string[], leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const until = this.wallClock.now().getTime() + leaseMs;
    const rows = await this.writeLock(() =>
      this.db
        .updateTable('jobs')
        .set({ lease_until: until })
        .where('lease_owner', '=', worker)
        .where('id', 'in', ids)
        .returning('id')
        .execute(),
    );
    return rows.map((r) => r.id);
  }

  async releaseJob(worker: string, id: string): Promise<void> {
    await this.writeLock(() =>
      this.db
        .updateTable('jobs')
        .set({ lease_owner: null, lease_until: null })
        .where('id', '=', id)
        .where('lease_owner', '=', worker)
        .execute(),
    );
  }

  async outlook(ids?: string[], exclude?: string[]): Promise<WorkOutlook> {
    const selectedIds = ids && ids.length === 0 ? [''] : ids;
    const excluded = exclude ?? [];
    const values = { wallNow: this.wallClock.now().getTime(), ids: selectedIds, exclude: excluded };
    const shape = `outlook:${selectedIds?.length ?? 'all'}:${excluded.length}`;
    const query = this.prepared.bind(
      shape,
      (p) => {
        const wallNow = p.one<number>('wallNow');
        let query = this.db
          .selectFrom('jobs')
          .select((eb) => {
            const held = eb('lease_until', '>', wallNow);
            const free = eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', wallNow)]);
            const selected = selectedIds
              ? eb('id', 'in', p.list<string>('ids', selectedIds.length))
              : eb.lit(true);
            return [
              eb.fn
                .min(
                  eb
                    .case()
                    .when(eb.and([selected, free, eb('next_run_at', '<', parkedUntil.getTime())]))
                    .then(eb.ref('next_run_at'))
                    .end(),
                )
                .as('due_at'),
              eb.fn
                .min(
                  eb
                    .case()
                    .when(eb.and([selected, held]))
                    .then(eb.ref('lease_until'))
                    .end(),
                )
                .as('held_until'),
              eb.fn.min(eb.case().when(held).then(eb.ref('lease_until')).end()).as('busy_until'),
              eb
                .selectFrom('locks')
                .select((l) => l.fn.min('until').as('until'))
                .where('until', '>', wallNow)
                .as('locked_until'),
            ];
          })
          .where('state', 'not in', terminalStates);
        if (excluded.length > 0)
          query = query.where('id', 'not in', p.list<string>('exclude', excluded.length));
        return query;
      },
      values,
    );
    const row = (await this.db.executeQuery(query)).rows[0];
    const outlook: WorkOutlook = {};
    if (row?.due_at != null) outlook.dueAt = new Date(Number(row.due_at));
    if (row?.held_until != null) outlook.heldUntil = new Date(Number(row.held_until));
    const busy = [row?.busy_until, row?.locked_until].filter((t) => t != null).map(Number);
    if (busy.length > 0) outlook.busyUntil = new Date(Math.min(...busy));
    return outlook;
  }

  async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const wallNow = this.wallClock.now().getTime();
    const values = { name, owner, until: wallNow + ttlMs, wallNow };
    // Insert, or take over a lock that expired (or that this owner already holds): never one that is live.
    const { rows } = await this.writeLock(() =>
      this.db.executeQuery(
        this.prepared.bind(
          'lock',
          (p) =>
            this.db
              .insertInto('locks')
              .values({ name: p.one('name'), owner: p.one('owner'), until: p.one('until') })
              .onConflict((oc) =>
                oc
                  .column('name')
                  .doUpdateSet((eb) => ({ owner: eb.ref('excluded.owner'), until: eb.ref('excluded.until') }))
                  .where((eb) =>
                    eb.or([
                      eb('locks.until', '<=', p.one<number>('wallNow')),
                      eb('locks.owner', '=', p.one<string>('owner')),
                    ]),
                  ),
              )
              .returning('owner'),
          values,
        ),
      ),
    );
    return rows.length > 0;
  }

  async unlock(name: string, owner: string): Promise<void> {
    await this.writeLock(() =>
      this.db.executeQuery(
        this.prepared.bind(
          'unlock',
          (p) =>
            this.db
              .deleteFrom('locks')
              .where('name', '=', p.one<string>('name'))
              .where('owner', '=', p.one<string>('owner')),
          { name, owner },
        ),
      ),
    );
  }

  async releaseGoneHolders(isGone: (holder: string) => boolean): Promise<number> {
    if (!this.localHolders) return 0;
    const wallNow = this.wallClock.now().getTime();
    const leased = await this.db
      .selectFrom('jobs')
      .select('lease_owner as holder')
      .distinct()
      .where('lease_until', '>', wallNow)
      .execute();
    const locked = await this.db.selectFrom('locks').select('owner as holder').distinct().execute();
    const gone = [...new Set([...leased, ...locked].map((r) => r.holder))].filter(
      (holder): holder is string => holder !== null && isGone(holder),
    );
    if (gone.length === 0) return 0;
    return this.writeLock(() =>
      this.transaction(async (trx) => {
        const jobs = await trx
          .updateTable('jobs')
          .set({ lease_owner: null, lease_until: null })
          .where('lease_owner', 'in', gone)
          .executeTakeFirst();
        const locks = await trx.deleteFrom('locks').where('owner', 'in', gone).executeTakeFirst();
        return Number(jobs.numUpdatedRows) + Number(locks.numDeletedRows);
      }),
    );
  }

  async listApplies(keys: string[]): Promise<ApplyRecord[]> {
    if (keys.length === 0) return [];
    const rows = await this.db.selectFrom('applies').selectAll().where('key', 'in', keys).execute();
    return rows.map((r) => ({
      key: r.key,
      data: JSON.parse(r.data) as unknown,
      nextRunAt: new Date(Number(r.next_run_at)),
      updatedAt: new Date(Number(r.updated_at)),
    }));
  }

  async saveApply(record: ApplyRecord): Promise<void> {
    const row = {
      key: record.key,
      data: JSON.stringify(record.data),
      next_run_at: record.nextRunAt.getTime(),
      updated_at: record.updatedAt.getTime(),
    };
    await this.writeLock(() =>
      this.db
        .insertInto('applies')
        .values(row)
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            data: row.data,
            next_run_at: row.next_run_at,
            updated_at: row.updated_at,
          }),
        )
        .execute(),
    );
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

  async recordIntake(record: IntakeRecord): Promise<void> {
    await this.commitIntake([{ record }]);
  }

  async commitIntake(entries: IntakeEntry[]): Promise<Array<JobIntakeResult | undefined>> {
    if (entries.length === 0) return [];
    return this.durableTransaction(async (trx) => {
      const results: Array<JobIntakeResult | undefined> = [];
      // Runs of plain records are written together (insertIntakeRows).
      let records: IntakeRecord[] = [];
      const writeRecords = async () => {
        await insertIntakeRows(trx, this.prepared, records, this.runSync);
        records = [];
      };
      for (const entry of entries) {
        if (entry.job === undefined) {
          records.push(entry.record);
          results.push(undefined);
          continue;
        }
        // A job entry reads what the records before it wrote (an earlier entry for the same image).
        await writeRecords();
        const result = await insertJob(trx, this.prepared, entry.job, entry.event);
        const outcome = result.created ? 'accepted' : 'duplicate';
        records.push({ ...entry.record, outcome, jobId: result.job.id });
        results.push(result);
      }
      await writeRecords();
      return results;
    });
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
    return becameJob((await this.intakeOutcomes([messageId])).get(messageId));
  }

  // Three indexed reads, one per kind of record: the jobs' and the quarantine's own partial indexes on
  // the id, and the latest skips through the outcome index (see recentSkips). The outcome terms are
  // literals: SQLite uses a partial index only when the query states its condition.
  // The bus asks once per redelivered window, so the list is built once per padded length (see lookupShape).
  async intakeOutcomes(messageIds: string[]): Promise<Map<string, Set<IntakeRecord['outcome']>>> {
    const found = new Map<string, Set<IntakeRecord['outcome']>>();
    for (let i = 0; i < messageIds.length; i += maxLookup) {
      const ids = lookupShape(messageIds.slice(i, i + maxLookup));
      const { rows } = await this.db.executeQuery(
        this.prepared.bind(
          `intake-outcomes:${ids.length}`,
          (p) => {
            const list = p.list<string>('ids', ids.length);
            const records = () => this.db.selectFrom('intake').select(['message_id', 'outcome']);
            return records()
              .where('message_id', 'in', list)
              .where(sql<boolean>`outcome in ('accepted', 'duplicate')`)
              .unionAll(
                records()
                  .where('message_id', 'in', list)
                  .where(sql<boolean>`outcome = 'rejected' and message_id is not null`),
              )
              .unionAll(
                records()
                  .where(sql<boolean>`outcome = 'skipped'`)
                  .where('id', '>', (eb) =>
                    eb
                      .selectFrom('intake')
                      .select(sql<number>`max(id) - ${sql.lit(recentSkips)}`.as('floor')),
                  )
                  .where('message_id', 'in', list),
              );
          },
          { ids },
        ),
      );
      for (const { message_id: id, outcome } of rows) {
        if (id === null) continue;
        const outcomes = found.get(id) ?? new Set();
        outcomes.add(outcome as IntakeRecord['outcome']);
        found.set(id, outcomes);
      }
    }
    return found;
  }

  async saveProduct(record: ProductRecord): Promise<void> {
    const at = record.updatedAt.getTime();
    await this.writeLock(() =>
      this.transaction(async (trx) => {
        await this.upsertProduct(trx, record, at);
        // The jobs parked until this product is Public are due now: one statement, whoever parked them.
        if (record.visibility === 'Public')
          await trx.executeQuery(
            this.prepared.bind(
              'unpark',
              (p) =>
                trx
                  .updateTable('jobs')
                  .set((eb) => ({
                    next_run_at: p.one('at'),
                    awaits_public: null,
                    version: eb('version', '+', 1),
                  }))
                  .where('awaits_public', '=', p.one<string>('key')),
              { at, key: record.key },
            ),
          );
      }),
    );
  }

  private async upsertProduct(trx: Transaction<Database>, record: ProductRecord, at: number): Promise<void> {
    const values = {
      key: record.key,
      productId: record.productId,
      offerId: record.offerId ?? null,
      visibility: record.visibility ?? null,
      at,
    };
    await trx.executeQuery(
      this.prepared.bind(
        'product',
        (p) =>
          trx
            .insertInto('products')
            .values({
              key: p.one('key'),
              product_id: p.one('productId'),
              offer_id: p.one('offerId'),
              visibility: p.one('visibility'),
              updated_at: p.one('at'),
            })
            .onConflict((oc) =>
              oc
                .column('key')
                .doUpdateSet({
                  product_id: sql<string>`excluded.product_id`,
                  offer_id: sql<string | null>`coalesce(excluded.offer_id, products.offer_id)`,
                  visibility: sql<string | null>`coalesce(excluded.visibility, products.visibility)`,
                  updated_at: sql<number>`excluded.updated_at`,
                })
                .where('products.updated_at', '<=', p.one<number>('at')),
            ),
        values,
      ),
    );
  }

  async getProduct(key: string): Promise<ProductRecord | undefined> {
    const row = await this.db.selectFrom('products').selectAll().where('key', '=', key).executeTakeFirst();
    return row && productFromRow(row);
  }

  async listProducts(): Promise<ProductRecord[]> {
    return (await this.db.selectFrom('products').selectAll().orderBy('key').execute()).map(productFromRow);
  }

  async close(): Promise<void> {
    await this.syncCommits?.close();
    await this.db.destroy();
  }
}

function byDueThenAge(a: Job, b: Job): number {
  return (
    a.nextRunAt.getTime() - b.nextRunAt.getTime() ||
    a.createdAt.getTime() - b.createdAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function productFromRow(row: Selectable<ProductsTable>): ProductRecord {
  return {
    key: row.key,
    productId: row.product_id,
    ...(row.offer_id !== null ? { offerId: row.offer_id } : {}),
    ...(row.visibility !== null ? { visibility: row.visibility } : {}),
    updatedAt: new Date(Number(row.updated_at)),
  };
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

/** Insert-or-nothing keeps concurrent announcements of one image down to one job. */
async function insertJob(
  trx: Transaction<Database>,
  prepared: PreparedQueries,
  job: Job,
  event: Omit<JobEvent, 'jobId'>,
): Promise<JobIntakeResult> {
  const inserted = await trx
    .insertInto('jobs')
    .values(jobRow(job))
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted !== undefined) await insertEvents(trx, prepared, job.id, [event]);
  const stored = await trx
    .selectFrom('jobs')
    .selectAll()
    .where('key', '=', job.key)
    .executeTakeFirstOrThrow();
  return { job: jobFromRow(stored), created: inserted !== undefined };
}

async function insertEvents(
  trx: Transaction<Database>,
  prepared: PreparedQueries,
  jobId: string,
  events: Array<Omit<JobEvent, 'jobId'>>,
): Promise<void> {
  if (events.length === 0) return;
  const values = Object.fromEntries(
    events.flatMap((e, i) => [
      [`at${i}`, e.at.getTime()],
      [`stage${i}`, e.stage],
      [`kind${i}`, e.kind],
      [`message${i}`, e.message],
    ]),
  );
  await trx.executeQuery(
    prepared.bind(
      `events:${events.length}`,
      (p) =>
        trx.insertInto('job_events').values(
          events.map((_, i) => ({
            job_id: p.one<string>('jobId'),
            at: p.one<number>(`at${i}`),
            stage: p.one<string>(`stage${i}`),
            kind: p.one<string>(`kind${i}`),
            message: p.one<string>(`message${i}`),
          })),
        ),
      { ...values, jobId },
    ),
  );
}

/** Row counts of the intake INSERT shapes: a run of rows goes out in chunks of these, largest first. */
const intakeChunks = [64, 16, 4, 1];

/** Ids per intake-log lookup: a prefetch window of 500 is one query. */
const maxLookup = 512;

/**
 * How far back a redelivered message's skip is looked for, in intake records. Skips have no index on
 * the message id (most messages are skips; a random-keyed index cost every commit dozens of page writes).
 * The broker redelivers a window taken back from a dead consumer ahead of the rest of the queue, so its
 * first decisions lie at most a few prefetch windows back; past this, a skip is only recorded again.
 */
export const recentSkips = 10_000;

/**
 * `ids` padded to the next power of two by repeating the last one (an `in` list means the same with
 * repeats), so that lookups of any window size share ten query shapes.
 */
function lookupShape(ids: string[]): string[] {
  let length = 1;
  while (length < ids.length) length *= 2;
  const last = ids.at(-1);
  return last === undefined || length === ids.length
    ? ids
    : [...ids, ...Array<string>(length - ids.length).fill(last)];
}

const intakeColumns = [
  'at',
  'source',
  'outcome',
  'reason',
  'message_id',
  'topic',
  'job_id',
  'payload',
  'digest',
] as const satisfies ReadonlyArray<keyof IntakeTable>;

/**
 * Writes intake rows. Over a network (PostgreSQL) in multi-row INSERTs of a few fixed sizes: every window
 * has another row count, and a shape per count meant compiling (in Kysely and in the database) up to a
 * hundred statements of up to 900 parameters; the values are bound per column, not per named cell. In
 * process (SQLite, `runSync`) one prepared single-row INSERT per record: SQLite runs those about twice
 * as fast as multi-row VALUES, and run synchronously they cost no promise each. Either way a second
 * quarantine row for the same input meets a unique index and is dropped.
 */
async function insertIntakeRows(
  trx: Transaction<Database>,
  prepared: PreparedQueries,
  records: IntakeRecord[],
  runSync: RunSync | undefined,
): Promise<void> {
  if (runSync) {
    for (const record of records)
      runSync(
        prepared.bind(
          'intake:row',
          (p) => insertIntake(trx, [Object.fromEntries(intakeColumns.map((c) => [c, p.one(c)]))]),
          intakeRow(record),
        ),
      );
    return;
  }
  let start = 0;
  for (const size of intakeChunks) {
    for (; records.length - start >= size; start += size) {
      const rows = records.slice(start, start + size).map(intakeRow);
      const values = Object.fromEntries(intakeColumns.map((c) => [c, rows.map((row) => row[c])]));
      await trx.executeQuery(
        prepared.bind(
          `intake:${size}`,
          (p) => {
            const columns = intakeColumns.map((c) => p.list(c, size));
            return insertIntake(
              trx,
              Array.from({ length: size }, (_, i) =>
                Object.fromEntries(intakeColumns.map((c, j) => [c, columns[j]?.[i]])),
              ),
            );
          },
          values,
        ),
      );
    }
  }
}

/** The INSERT of intake rows whose cells are a prepared query's slots; a conflicting row is dropped. */
function insertIntake(trx: Transaction<Database>, slotRows: Array<Record<string, unknown>>) {
  return trx
    .insertInto('intake')
    .values(slotRows as Array<Insertable<IntakeTable>>)
    .onConflict((oc) => oc.doNothing());
}

/** A parked job's wake-up: now (its updated_at) if the product is already recorded Public, else never. */
function dueUnlessPublic(productKey: string, updatedAt: number, next: number) {
  return sql<number>`case when exists (select 1 from products where products.key = ${productKey} and products.visibility = 'Public') then cast(${updatedAt} as bigint) else cast(${next} as bigint) end`;
}

/** An AWS event that ended the wait while the job was held keeps it due then (see wakeAwaiting). */
function wokenOr(next: number | RawBuilder<number>) {
  return sql<number>`case when woken_at is not null and woken_at < ${next} then woken_at else ${next} end`;
}

/** The job's awaited keys, replacing what it waited for before; a job that ended waits for nothing. */
async function replaceWaits(trx: Transaction<Database>, prepared: PreparedQueries, job: Job): Promise<void> {
  const jobId = job.id;
  await trx.executeQuery(
    prepared.bind(
      'waits:delete',
      (p) => trx.deleteFrom('job_waits').where('job_id', '=', p.one<string>('jobId')),
      { jobId },
    ),
  );
  const keys = isTerminal(job.state) ? [] : awaitedKeys(job.data.awaiting);
  if (keys.length > 0)
    await trx.executeQuery(
      prepared.bind(
        `waits:insert:${keys.length}`,
        (p) =>
          trx
            .insertInto('job_waits')
            .values(
              keys.map((_, i) => ({ job_id: p.one<string>('jobId'), awaited: p.one<string>(`key${i}`) })),
            ),
        { jobId, ...Object.fromEntries(keys.map((key, i) => [`key${i}`, key])) },
      ),
    );
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
    awaits_public: isParked(job) ? productKey(job.request) : null,
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
