import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { redactUrl } from '../core/redact.js';
import { ConfigError, InternalError, StateError } from '../core/errors.js';
import { asStateError, stateErrorOf } from '../core/state-errors.js';
import type { Database as SqliteDatabaseHandle } from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import type { Database, StoreDialect } from './schema.js';
import { SqlJobStore, type SqlJobStoreOptions } from './sql-job-store.js';
import { withStatementCache } from './statement-cache.js';
import type { JobStore } from './store.js';
import { writeLockFor } from './write-lock.js';
import { walSync } from './wal-sync.js';

export const sqliteFileName = 'fedora-marketplace.db';

export interface OpenStoreOptions {
  driver: StoreDialect;
  /** Directory for the SQLite file; created when missing. */
  stateDir: string;
  /** PostgreSQL connection string (driver `postgres`). */
  url?: string;
  /**
   * Only reads will follow (status): a SQLite store in a read-only directory is opened from a copy in
   * memory instead of failing, and its schema is checked, not migrated.
   */
  readOnly?: boolean;
  /** Wall-clock time for leases and locks (tests); default the system clock. */
  wallClock?: Clock;
}

/**
 * Opens the configured store and brings its schema up to date, so callers get a ready store.
 * Database drivers are imported on demand: commands that never touch the store start without them.
 */
export async function openStore(opts: OpenStoreOptions): Promise<JobStore> {
  if (opts.driver === 'postgres') return openPostgres(opts.url, opts.wallClock);
  const file = resolve(join(opts.stateDir, sqliteFileName));
  if (opts.readOnly && !writable(opts.stateDir)) return openSqliteReadOnly(file);
  try {
    mkdirSync(opts.stateDir, { recursive: true });
  } catch (error) {
    throw asStateError(error, opts.stateDir);
  }
  return openSqlite(file, opts.wallClock);
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function openPostgres(url: string | undefined, wallClock: Clock | undefined): Promise<JobStore> {
  const store = await connectPostgres(url, wallClock);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new ConfigError(`cannot use the PostgreSQL store: ${errorMessage(error)}`, [
      {
        field: 'store.url',
        value: redactUrl(url ?? ''),
        rule: 'must reach a PostgreSQL server where this user may create tables',
        hint: 'check the URL, that the server is running, and the role privileges',
      },
    ]);
  }
  return store;
}

async function openSqlite(file: string, wallClock: Clock | undefined): Promise<JobStore> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  let database: InstanceType<typeof SqliteDatabase>;
  try {
    database = new SqliteDatabase(file);
    configureSqlite(database);
  } catch (error) {
    throw asStateError(error, file);
  }
  const store = sqliteJobStore(database, file, {
    writeLock: writeLockFor(file),
    syncCommits: walSync(file),
    ...(wallClock ? { wallClock } : {}),
  });
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw stateErrorOf(error instanceof InternalError ? error.cause : error, file) ?? error;
  }
  return store;
}

/**
 * A store in a directory this user cannot write. SQLite in WAL mode needs to create its `-shm` file even
 * to read; where a running writer left one, the file is opened read-only, otherwise a copy of it is read
 * from memory (a writer that closed cleanly left nothing in its WAL, so the copy is complete).
 */
async function openSqliteReadOnly(file: string): Promise<JobStore> {
  if (!existsSync(file)) {
    throw new StateError('missing', `there is no store in ${dirname(file)}`, {
      field: file,
      rule: 'a read-only state directory can only be read, and it holds no store yet',
      hint: 'pass the --state-dir that publish or listen used, or make this one writable',
    });
  }
  const { default: SqliteDatabase } = await import('better-sqlite3');
  let database: InstanceType<typeof SqliteDatabase>;
  try {
    database = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
    database.prepare('select count(*) from sqlite_master').get();
  } catch {
    let image: Buffer;
    try {
      image = readFileSync(file);
    } catch (error) {
      throw asStateError(error, file);
    }
    // Bytes 18 and 19 of the header say "WAL"; a copy in memory has no WAL, so it says "rollback journal".
    if (image.length > 19) image.fill(1, 18, 20);
    try {
      database = new SqliteDatabase(image, { readonly: true });
    } catch (error) {
      throw asStateError(error, file);
    }
  }
  const store = sqliteJobStore(database, file);
  if (!(await store.schemaIsCurrent())) {
    await store.close();
    throw new StateError(
      'outdated',
      `the store ${file} was written by an older version and is read-only here`,
      {
        field: file,
        rule: 'reading a store needs its schema up to date, and upgrading it needs write access',
        hint: 'run any writing command (resume --detach) once as a user who can write the state directory',
      },
    );
  }
  return store;
}

/** A store over an open SQLite database; a write that fails for want of space or permission names `file`. */
export function sqliteJobStore(
  database: SqliteDatabaseHandle,
  file: string,
  options: Pick<SqlJobStoreOptions, 'writeLock' | 'syncCommits' | 'wallClock'> = {},
): SqlJobStore {
  const statements = withStatementCache(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  const lock = options.writeLock ?? ((fn) => fn());
  return new SqlJobStore(db, {
    dialect: 'sqlite',
    // Kysely's SQLite driver runs every query on this one connection, so a statement run here joins the
    // transaction Kysely has open.
    runSync: (query) => void statements.prepare(query.sql).run(query.parameters),
    // A write that fails because the disk is full or the directory read-only says so, with the path.
    writeLock: (fn) => lock(fn).catch((error: unknown) => Promise.reject(asStateError(error, file))),
    ...(options.syncCommits ? { syncCommits: options.syncCommits } : {}),
    ...(options.wallClock ? { wallClock: options.wallClock } : {}),
    // A SQLite file is only shared by processes of this machine.
    localHolders: true,
  });
}

/** The connection settings the store relies on; exported so tests can read them back. */
export function configureSqlite(database: { pragma(source: string): unknown }): void {
  database.pragma('journal_mode = WAL');
  // In WAL mode NORMAL commits survive a crash of the process (SIGKILL) but the last few may roll back on
  // power loss. That is safe for job progress, because every stage re-runs idempotently. Intake writes,
  // which precede a bus acknowledgement, are made durable by an fsync of the WAL after their commit (walSync).
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
}

async function connectPostgres(url: string | undefined, wallClock?: Clock): Promise<SqlJobStore> {
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
  return new SqlJobStore(db, { dialect: 'postgres', ...(wallClock ? { wallClock } : {}) });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
