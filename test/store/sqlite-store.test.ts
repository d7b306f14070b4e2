import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/clock.js';
import { configureSqlite, openStore, sqliteFileName, sqliteJobStore } from '../../src/store/open-store.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import type { Database as Tables } from '../../src/store/schema.js';
import { StaleJobError } from '../../src/store/store.js';
import type { JobStore } from '../../src/store/store.js';
import { event, job, request, t0 } from './fixtures.js';
import { jobStoreSuite } from './job-store-suite.js';
import { leaseSuite } from './lease-suite.js';

const opened: JobStore[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fm-store-'));
  dirs.push(dir);
  return dir;
}

async function open(stateDir: string, wallClock?: ManualClock): Promise<JobStore> {
  const store = await openStore({ driver: 'sqlite', stateDir, ...(wallClock ? { wallClock } : {}) });
  opened.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite JobStore', () => {
  jobStoreSuite(() => open(tempDir()));
  leaseSuite(
    async (wallClock) => {
      const dir = tempDir();
      return [await open(dir, wallClock), await open(dir, wallClock)];
    },
    { localHolders: true },
  );

  it('creates the state directory and a WAL database holding the store tables', async () => {
    const stateDir = join(tempDir(), 'nested', 'state');
    await open(stateDir);
    const file = join(stateDir, sqliteFileName);
    expect(existsSync(file)).toBe(true);
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .pluck()
        .all();
      expect(tables).toEqual(expect.arrayContaining(['intake', 'job_events', 'jobs']));
    } finally {
      raw.close();
    }
  });

  it('configures connections for durable commits that wait for other writers', () => {
    const raw = new Database(join(tempDir(), 'pragmas.db'));
    try {
      configureSqlite(raw);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      // 1 = NORMAL for job progress (idempotent stages re-run after a power loss).
      expect(raw.pragma('synchronous', { simple: true })).toBe(1);
      expect(raw.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      raw.close();
    }
  });

  it('returns from an intake write only after the commit is followed by a sync of the WAL', async () => {
    const file = join(tempDir(), 'durable.db');
    const raw = new Database(file);
    configureSqlite(raw);
    let release!: () => void;
    const syncs: Array<{ committed: number; synchronous: unknown }> = [];
    const store = sqliteJobStore(raw, file, {
      // The sync sees the rows already committed (another connection reads them) and NORMAL still set:
      // the fsync happens after the commit, off the event loop, not inside it with FULL.
      syncCommits: {
        sync: () => {
          const reader = new Database(file, { readonly: true });
          try {
            const { n } = reader.prepare('select count(*) as n from intake').get() as { n: number };
            syncs.push({ committed: n, synchronous: raw.pragma('synchronous', { simple: true }) });
          } finally {
            reader.close();
          }
          return new Promise<void>((resolve) => (release = resolve));
        },
        close: () => Promise.resolve(),
      },
    });
    opened.push(store);
    await store.migrate();
    let returned = false;
    const write = store
      .recordIntake({ at: new Date(t0), source: 'bus', outcome: 'skipped', reason: 'r', messageId: 'm-1' })
      .then(() => (returned = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(syncs).toEqual([{ committed: 1, synchronous: 1 }]);
    expect(returned).toBe(false);
    release();
    await write;
    expect(returned).toBe(true);
  });

  it('keeps jobs, events and intake across a reopen, and migrating again is harmless', async () => {
    const stateDir = tempDir();
    const first = await open(stateDir);
    const { job: stored } = await first.createJob(job(), event('created', 'c'));
    const saved = await first.saveJob({ ...stored, state: 'share' }, [event('advanced', 'a')]);
    await first.recordIntake({
      at: new Date(1),
      source: 'bus',
      outcome: 'accepted',
      messageId: 'm1',
      jobId: stored.id,
    });
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const second = await open(stateDir);
    await second.migrate();
    expect(await second.getJob(stored.id)).toEqual(saved);
    expect((await second.events(stored.id)).map((e) => e.message)).toEqual(['c', 'a']);
    expect(await second.hasMessage('m1')).toBe(true);
    expect(await second.createJob(job({ request: stored.request }), event('created', 'dup'))).toMatchObject({
      created: false,
    });
  });

  it('fills the architecture and stage-start columns of jobs an older release stored', async () => {
    const stateDir = tempDir();
    const raw = new Database(join(stateDir, sqliteFileName));
    const old = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
    await migrateToLatest(old, 'sqlite', '0001-initial');
    const arm = job({ state: 'mirror', request: request({ arch: 'arm64', composeId: 'Fedora-41-old.1' }) });
    arm.data.stageStartedAt = new Date(t0 + 60_000).toISOString();
    const x86 = job({ state: 'verify', request: request({ composeId: 'Fedora-41-old.2' }) });
    for (const j of [arm, x86]) {
      raw
        .prepare(
          `insert into jobs (id, key, state, release, request, data, reason, next_run_at, attempts, version, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, null, ?, 0, 1, ?, ?)`,
        )
        .run(
          j.id,
          j.key,
          j.state,
          j.request.release,
          JSON.stringify(j.request),
          JSON.stringify(j.data),
          t0,
          t0,
          t0,
        );
    }
    await old.destroy();

    const store = await open(stateDir);
    expect((await store.listJobs({ arch: 'arm64' })).map((j) => j.id)).toEqual([arm.id]);
    expect((await store.summarize()).oldestInStage).toEqual({
      mirror: new Date(t0 + 60_000),
      verify: new Date(t0),
    });
  });

  it('replaces the intake indexes an older release left, and still quarantines an input once', async () => {
    const stateDir = tempDir();
    const file = join(stateDir, sqliteFileName);
    const intakeIndexes = (db: Database.Database) =>
      (
        db
          .prepare("select name from sqlite_master where type = 'index' and tbl_name = 'intake'")
          .all() as Array<{
          name: string;
        }>
      ).map((r) => r.name);
    const raw = new Database(file);
    const old = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
    await migrateToLatest(old, 'sqlite', '0008-job-waits');
    expect(intakeIndexes(raw)).toEqual(expect.arrayContaining(['intake_digest', 'intake_message_id']));
    await old.destroy();

    const store = await open(stateDir);
    const reader = new Database(file, { readonly: true });
    try {
      const names = intakeIndexes(reader);
      expect(names).not.toContain('intake_digest');
      // Only the records that made a job are indexed by message id (0010); skips are not.
      expect(names).not.toContain('intake_message_id');
      expect(names).toEqual(
        expect.arrayContaining([
          'intake_quarantine_digest',
          'intake_quarantine_message',
          'intake_job_message',
        ]),
      );
    } finally {
      reader.close();
    }
    const rejection = {
      at: new Date(t0),
      source: 'bus',
      outcome: 'rejected' as const,
      reason: 'r',
      digest: 'd1',
    };
    await store.recordIntake(rejection);
    await store.recordIntake(rejection);
    expect(await store.listIntake({ outcomes: ['rejected'] })).toHaveLength(1);
  });

  it('lets exactly one of two stores on the same file save the same job version', async () => {
    const stateDir = tempDir();
    const a = await open(stateDir);
    const b = await open(stateDir);
    const { job: stored } = await a.createJob(
      job({ request: request({ composeId: 'two-stores' }) }),
      event('created', 'c'),
    );
    const fromB = await b.getJob(stored.id);
    expect(fromB).toEqual(stored);

    const results = await Promise.allSettled([
      a.saveJob({ ...stored, state: 'mirror' }, [event('advanced', 'by a')]),
      b.saveJob({ ...fromB!, state: 'failed' }, [event('failed', 'by b')]),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(StaleJobError);

    const winner = (won[0] as PromiseFulfilledResult<{ state: string }>).value;
    expect((await b.getJob(stored.id))?.state).toBe(winner.state);
    expect(await a.events(stored.id)).toHaveLength(2);
  });
});
