import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { redactUrl } from '../core/redact.js';
import { ConfigError } from '../core/errors.js';
import type { Database, StoreDialect } from './schema.js';
import { SqlJobStore } from './sql-job-store.js';
import type { JobStore } from './store.js';
import { writeLockFor } from './write-lock.js';

export const sqliteFileName = 'fedora-marketplace.db';

export interface OpenStoreOptions {
  driver: StoreDialect;
  /** Directory for the SQLite file; created when missing. */
  stateDir: string;
  /** PostgreSQL connection string (driver `postgres`). */
  url?: string;
}

/**
 * Opens the configured store and brings its schema up to date, so callers get a ready store.
 * Database drivers are imported on demand: commands that never touch the store start without them.
 */
export async function openStore(opts: OpenStoreOptions): Promise<JobStore> {
  const store = opts.driver === 'postgres' ? await openPostgres(opts.url) : await openSqlite(opts.stateDir);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    if (opts.driver === 'postgres') {
      throw new ConfigError(`cannot use the PostgreSQL store: ${errorMessage(error)}`, [
        {
          field: 'store.url',
          value: redactUrl(opts.url ?? ''),
          rule: 'must reach a PostgreSQL server where this user may create tables',
          hint: 'check the URL, that the server is running, and the role privileges',
        },
      ]);
    }
    throw error;
  }
  return store;
}

async function openSqlite(stateDir: string): Promise<JobStore> {
  const file = resolve(join(stateDir, sqliteFileName));
  const { default: SqliteDatabase } = await import('better-sqlite3');
  let database: InstanceType<typeof SqliteDatabase>;
  try {
    mkdirSync(stateDir, { recursive: true });
    database = new SqliteDatabase(file);
  } catch (error) {
    throw new ConfigError(`cannot open the SQLite store: ${errorMessage(error)}`, [
      {
        field: 'stateDir',
        value: stateDir,
        rule: 'must be a writable directory',
        hint: 'choose another state directory or fix its permissions',
      },
    ]);
  }
  configureSqlite(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return new SqlJobStore(db, {
    dialect: 'sqlite',
    writeLock: writeLockFor(file),
    durable: durableSqliteWrite(database),
  });
}

/**
 * Runs intake writes with synchronous=FULL (DESIGN invariant 3, ack after persist): the WAL is fsynced
 * at their commit, which also makes every earlier NORMAL commit durable. Callers hold the write lock,
 * so no other write on this connection sees the switch.
 */
export function durableSqliteWrite(database: { pragma(source: string): unknown }) {
  return async <T>(write: () => Promise<T>): Promise<T> => {
    database.pragma('synchronous = FULL');
    try {
      return await write();
    } finally {
      database.pragma('synchronous = NORMAL');
    }
  };
}

/** The connection settings the store relies on; exported so tests can read them back. */
export function configureSqlite(database: { pragma(source: string): unknown }): void {
  database.pragma('journal_mode = WAL');
  // In WAL mode NORMAL commits survive a crash of the process (SIGKILL) but the last few may roll back on
  // power loss. That is safe for job progress, because every stage re-runs idempotently. Intake writes,
  // which precede a bus acknowledgement, are made durable with FULL (durableSqliteWrite).
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
}

async function openPostgres(url: string | undefined): Promise<JobStore> {
  if (!url) {
    throw new ConfigError('the PostgreSQL store needs a connection URL', [
      { field: 'store.url', rule: 'required when store.driver is postgres', hint: 'set store.url' },
    ]);
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url });
  // An idle client losing its connection must not crash the process; the pool replaces it and the
  // next query reports any lasting failure.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new SqlJobStore(db, { dialect: 'postgres' });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
