import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { InternalError } from '../core/errors.js';
import type { Database, StoreDialect } from './schema.js';

/**
 * Schema changes, oldest first. Names sort in order (Migrator applies them alphabetically) and must
 * never change once released; add a new step instead of editing one.
 */
function migrations(dialect: StoreDialect): Record<string, Migration> {
  // SQLite wants INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL has no AUTOINCREMENT keyword.
  const autoId = dialect === 'postgres' ? 'bigserial' : 'integer';
  const autoIncrement = dialect === 'sqlite';

  return {
    '0001-initial': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('key', 'text', (c) => c.notNull().unique())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('release', 'integer', (c) => c.notNull())
          .addColumn('request', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('next_run_at', 'bigint', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('jobs_state_next_run_at')
          .on('jobs')
          .columns(['state', 'next_run_at'])
          .execute();

        await db.schema
          .createTable('job_events')
          .addColumn('id', autoId, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('job_events_job_id').on('job_events').columns(['job_id', 'id']).execute();

        // No unique index on message_id: the same message may legitimately be logged twice (duplicate).
        await db.schema
          .createTable('intake')
          .addColumn('id', autoId, (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('message_id', 'text')
          .addColumn('topic', 'text')
          .addColumn('job_id', 'text')
          .addColumn('payload', 'text')
          .execute();
        await db.schema.createIndex('intake_message_id').on('intake').column('message_id').execute();
      },
    },
    // Rejected input is quarantined once: per message id, or per digest of the raw bytes when it has no
    // id. Redeliveries used to add a row each; the first one is kept.
    '0002-quarantine-once': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('intake').addColumn('digest', 'text').execute();
        await sql`delete from intake where outcome = 'rejected' and message_id is not null and id not in
          (select min(id) from intake where outcome = 'rejected' and message_id is not null group by message_id)`.execute(
          db,
        );
        await sql`create unique index intake_quarantine_message on intake (message_id)
          where outcome = 'rejected' and message_id is not null`.execute(db);
        await sql`create unique index intake_quarantine_digest on intake (digest)
          where outcome = 'rejected' and message_id is null`.execute(db);
        await db.schema.createIndex('intake_digest').on('intake').column('digest').execute();
      },
    },
    // The HTTP API filters by architecture and pages in creation order; the metrics read, per stage, how
    // long its oldest job has waited and how large the quarantine is, at every scrape.
    '0003-operator-queries': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('jobs').addColumn('arch', 'text').execute();
        await db.schema.alterTable('jobs').addColumn('stage_started_at', 'bigint').execute();
        await backfillOperatorColumns(db as Kysely<Database>);
        await db.schema.createIndex('jobs_created_at_id').on('jobs').columns(['created_at', 'id']).execute();
        await db.schema
          .createIndex('jobs_state_stage_started_at')
          .on('jobs')
          .columns(['state', 'stage_started_at'])
          .execute();
        await db.schema.createIndex('intake_outcome').on('intake').column('outcome').execute();
      },
    },
    '0004-leases-locks-applies': {
      async up(db: Kysely<unknown>): Promise<void> {
        // A job is held by at most one worker at a time; jobs written before leases have no holder.
        await db.schema.alterTable('jobs').addColumn('lease_owner', 'text').execute();
        await db.schema.alterTable('jobs').addColumn('lease_until', 'bigint').execute();
        await db.schema
          .createTable('locks')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('until', 'bigint', (c) => c.notNull())
          .execute();
        // apply's progress per product: the change set it follows and when it looks again.
        await db.schema
          .createTable('applies')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('next_run_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Visibility and offer are facts about a product, shared by every job of it.
    '0005-products': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('products')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addColumn('offer_id', 'text')
          .addColumn('visibility', 'text')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // A job parked until its product is Public (the SSM check) is found by product when it becomes so.
    '0006-jobs-awaits-public': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.alterTable('jobs').addColumn('awaits_public', 'text').execute();
        await db.schema.createIndex('jobs_awaits_public').on('jobs').column('awaits_public').execute();
      },
    },
    // The scheduler claims due jobs and asks when the next one is due at every step. Those columns come
    // after the jobs' JSON in the row, so each look at a row followed its overflow pages; this index
    // holds every column the two queries read, so they never touch the rows they do not take.
    '0007-jobs-due-index': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createIndex('jobs_due')
          .on('jobs')
          .columns(['state', 'next_run_at', 'lease_until', 'created_at', 'id'])
          .execute();
      },
    },
    // AWS events end waits early: an event names an image or a change set, and finds the jobs waiting for
    // it through this table's index, never by reading every job.
    '0008-job-waits': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('job_waits')
          .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
          .addColumn('awaited', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('job_waits_pk', ['awaited', 'job_id'])
          .execute();
        await db.schema.createIndex('job_waits_job_id').on('job_waits').column('job_id').execute();
        await db.schema.alterTable('jobs').addColumn('woken_at', 'bigint').execute();
      },
    },
    // No query reads the intake log by digest except the quarantine's own unique index (0002); the plain
    // index on it only cost every intake row, skips included, one more index entry to write.
    '0009-drop-intake-digest-index': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropIndex('intake_digest').ifExists().execute();
      },
    },
    // Lookups by message id serve redeliveries: a job's record says "seen", a quarantined id has its own
    // unique index (0002), and a skip is found among the latest records (sql-job-store's recentSkips).
    // Indexing every skip's random UUID cost each commit dozens of page writes for reads that never come.
    '0010-index-job-messages-only': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropIndex('intake_message_id').ifExists().execute();
        await sql`create index intake_job_message on intake (message_id)
          where outcome in ('accepted', 'duplicate')`.execute(db);
      },
    },
  };
}

/** True when every migration has run (a read-only store cannot be migrated, only checked). */
export async function schemaIsCurrent(db: Kysely<Database>, dialect: StoreDialect): Promise<boolean> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const all = await new Migrator({ db, provider }).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}

/** Reads each existing job's JSON once, in pages, and copies the new columns out of it. */
async function backfillOperatorColumns(db: Kysely<Database>): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('jobs')
      .select(['id', 'request', 'data', 'created_at'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute();
    if (rows.length === 0) return;
    for (const row of rows) {
      const { arch } = JSON.parse(row.request) as { arch: string };
      const { stageStartedAt } = JSON.parse(row.data) as { stageStartedAt?: string };
      await db
        .updateTable('jobs')
        .set({
          arch,
          stage_started_at: stageStartedAt ? Date.parse(stageStartedAt) : Number(row.created_at),
        })
        .where('id', '=', row.id)
        .execute();
    }
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * Applies every pending migration; a no-op when the schema is current. With `upTo`, stops after that
 * migration (tests: a database as an older release left it).
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: StoreDialect,
  upTo?: string,
): Promise<void> {
  if (dialect === 'postgres') return migrate(db, dialect, { inTransaction: false, upTo });
  // Kysely's migration lock does nothing on SQLite (it assumes one process). Two processes opening a new
  // state directory at once would both create the tables, so the whole migration holds the write lock.
  await db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      await migrate(connection, dialect, { inTransaction: true, upTo });
      await sql`commit`.execute(connection);
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

async function migrate(
  db: Kysely<Database>,
  dialect: StoreDialect,
  options: { inTransaction: boolean; upTo: string | undefined },
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  // Kysely looks for its bookkeeping table in every schema unless told which; with PostgreSQL that
  // would mistake another schema's table for ours, so pin it to the schema the connection writes to.
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
    ...(options.inTransaction ? { disableTransactions: true } : {}),
  });
  const run = () => (options.upTo ? migrator.migrateTo(options.upTo) : migrator.migrateToLatest());
  let { error, results } = await run();
  // Kysely's setup reads the catalog of every schema in the database; another schema dropped meanwhile
  // (another tenant, a parallel test) fails that read although ours is fine. The setup is safe to repeat.
  for (let again = 0; again < 2 && error !== undefined && isSetupRace(error, results); again++) {
    ({ error, results } = await run());
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new InternalError(
      `store migration ${failed ?? '(setup)'} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        field: 'store',
        rule: 'the database schema must migrate to the latest version',
        hint: 'check that the database is writable and was not changed by hand',
      },
      { cause: error },
    );
  }
}

function isSetupRace(error: unknown, results: readonly { status: string }[] | undefined): boolean {
  return (
    !results?.some((r) => r.status === 'Error') &&
    error instanceof Error &&
    /schema .* does not exist/.test(error.message)
  );
}
