import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntakeBatcher, withBatchedIntake } from '../../src/app/intake-batch.js';
import { openStore } from '../../src/store/open-store.js';
import type { IntakeRecord, JobStore } from '../../src/store/store.js';
import { event, job, request } from '../store/fixtures.js';

const stores: JobStore[] = [];

async function sqliteStore(): Promise<JobStore> {
  const store = await openStore({ driver: 'sqlite', stateDir: mkdtempSync(join(tmpdir(), 'fm-batch-')) });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const record = (n: number, outcome: IntakeRecord['outcome'] = 'skipped'): IntakeRecord => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  source: 'bus',
  outcome,
  messageId: `m-${n}`,
  reason: `reason ${n}`,
});

const newJob = (n: number, messageId: string) => ({
  job: job({ request: request({ composeId: `Fedora-41-batch.${n}` }) }),
  event: event('created', `job ${n}`),
  record: { at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)), source: 'bus', messageId },
});

/** `store` with its commitIntake replaced, every other method its own. */
function replacingCommit(store: JobStore, commitIntake: JobStore['commitIntake']): JobStore {
  return Object.assign(Object.create(store) as JobStore, { commitIntake });
}

describe('IntakeBatcher', () => {
  it('writes the decisions of concurrent handlers, new jobs included, in one transaction, in order, and resolves each', async () => {
    const store = await sqliteStore();
    const batches: number[] = [];
    const counting = replacingCommit(store, async (entries) => {
      batches.push(entries.length);
      return store.commitIntake(entries);
    });
    const batched = withBatchedIntake(counting, new IntakeBatcher(counting));
    const [jobs] = await Promise.all([
      batched.commitIntake([newJob(100, 'j-1'), newJob(100, 'j-2')]),
      ...Array.from({ length: 30 }, (_, n) => batched.recordIntake(record(n))),
    ]);
    expect(batches).toEqual([32]);
    expect(jobs.map((r) => r?.created)).toEqual([true, false]);
    const stored = await store.listIntake();
    expect(stored.map((r) => r.messageId)).toEqual([
      'j-1',
      'j-2',
      ...Array.from({ length: 30 }, (_, n) => `m-${n}`),
    ]);
    expect(stored[9]).toMatchObject({ outcome: 'skipped', reason: 'reason 7', source: 'bus' });
    expect(await store.listJobs()).toHaveLength(1);
  });

  it('answers what waits in the window: a new job counts as taken in, a skip and a rejection as recorded', async () => {
    const store = await sqliteStore();
    const batched = withBatchedIntake(store, new IntakeBatcher(store));
    // Asked first, answered before the window is written: the answer comes from the window itself.
    const lookup = batched.intakeOutcomes(['m-1', 'm-2', 'm-3', 'm-4']);
    const writes = [
      batched.commitIntake([newJob(1, 'm-1')]),
      batched.recordIntake(record(2, 'rejected')),
      batched.recordIntake(record(3, 'skipped')),
    ];
    const waiting = await lookup;
    expect(await store.listIntake()).toEqual([]);
    expect([...waiting].map(([id, found]) => [id, [...found]])).toEqual([
      ['m-1', ['duplicate']],
      ['m-2', ['rejected']],
      ['m-3', ['skipped']],
    ]);
    await Promise.all(writes);
    expect(await store.hasMessage('m-1')).toBe(true);
  });

  it('still counts a window while the store commits it (PostgreSQL commits, SQLite syncs its WAL)', async () => {
    const store = await sqliteStore();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = replacingCommit(store, async (entries) => {
      await held;
      return store.commitIntake(entries);
    });
    const batched = withBatchedIntake(slow, new IntakeBatcher(slow));
    const writes = [batched.commitIntake([newJob(1, 'm-1')]), batched.recordIntake(record(2, 'skipped'))];
    // Let the window reach the store, then ask: it is neither waiting nor stored yet.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.listIntake()).toEqual([]);
    const during = await batched.intakeOutcomes(['m-1', 'm-2']);
    expect([...during].map(([id, found]) => [id, [...found]])).toEqual([
      ['m-1', ['duplicate']],
      ['m-2', ['skipped']],
    ]);
    release();
    await Promise.all(writes);
  });

  it('answers the lookups of one window with one query', async () => {
    const store = await sqliteStore();
    await store.recordIntake(record(1, 'accepted'));
    await store.recordIntake(record(2, 'rejected'));
    let queries = 0;
    const counting: JobStore = Object.assign(Object.create(store) as JobStore, {
      intakeOutcomes: async (ids: string[]) => {
        queries += 1;
        return store.intakeOutcomes(ids);
      },
    });
    const batched = withBatchedIntake(counting, new IntakeBatcher(counting));
    const answers = await Promise.all(['m-1', 'm-2', 'm-3'].map((id) => batched.intakeOutcomes([id])));
    expect(answers.map((found) => [...found.values()].map((o) => [...o]))).toEqual([
      [['accepted']],
      [['rejected']],
      [],
    ]);
    expect(queries).toBe(1);
  });

  it('fails every decision of a window the store could not commit, so all of its deliveries are requeued', async () => {
    const store = await sqliteStore();
    const failing = replacingCommit(store, async () => {
      throw new Error('disk full');
    });
    const batched = withBatchedIntake(failing, new IntakeBatcher(failing));
    const results = await Promise.allSettled([
      batched.commitIntake([newJob(1, 'j-1')]),
      batched.recordIntake(record(1)),
      batched.recordIntake(record(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await store.listIntake()).toEqual([]);
    expect(await store.listJobs()).toEqual([]);
  });
});
