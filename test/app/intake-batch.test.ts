import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntakeBatcher, withBatchedIntake } from '../../src/app/intake-batch.js';
import { openStore } from '../../src/store/open-store.js';
import type { IntakeRecord, JobStore } from '../../src/store/store.js';

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

describe('IntakeBatcher', () => {
  it('writes the records of concurrent handlers in one transaction, in order, and resolves each', async () => {
    const store = await sqliteStore();
    const batches: number[] = [];
    const counting: JobStore = Object.assign(Object.create(store) as JobStore, {
      recordIntakes: async (records: IntakeRecord[]) => {
        batches.push(records.length);
        await store.recordIntakes?.(records);
      },
    });
    const batched = withBatchedIntake(counting, new IntakeBatcher(counting));
    await Promise.all(Array.from({ length: 30 }, (_, n) => batched.recordIntake(record(n))));
    expect(batches).toEqual([30]);
    const stored = await store.listIntake();
    expect(stored.map((r) => r.messageId)).toEqual(Array.from({ length: 30 }, (_, n) => `m-${n}`));
    expect(stored[7]).toMatchObject({ outcome: 'skipped', reason: 'reason 7', source: 'bus' });
  });

  it('counts a message as seen while its record waits in the batch, but not a skipped or rejected one', async () => {
    const store = await sqliteStore();
    const batched = withBatchedIntake(store, new IntakeBatcher(store));
    const writes = [
      batched.recordIntake(record(1, 'accepted')),
      batched.recordIntake(record(2, 'rejected')),
      batched.recordIntake(record(3, 'skipped')),
    ];
    // Asked before the batch is written: the answer comes from the batch itself.
    const answers = Promise.all([
      batched.hasMessage('m-1'),
      batched.hasMessage('m-2'),
      batched.hasMessage('m-3'),
    ]);
    expect(await answers).toEqual([true, false, false]);
    // A skip or a rejection waiting in the batch is found too: it is written once per message.
    expect(await batched.hasIntake({ messageId: 'm-3' }, ['skipped'])).toBe(true);
    expect(await batched.hasIntake({ messageId: 'm-2' }, ['rejected'])).toBe(true);
    await Promise.all(writes);
    expect(await store.hasMessage('m-1')).toBe(true);
    expect(await store.hasIntake({ messageId: 'm-3' }, ['skipped'])).toBe(true);
  });

  it('answers the dedupe lookups of one window with one query', async () => {
    const store = await sqliteStore();
    await store.recordIntake(record(1, 'accepted'));
    await store.recordIntake(record(2, 'rejected'));
    let queries = 0;
    const counting: JobStore = Object.assign(Object.create(store) as JobStore, {
      seenMessages: async (ids: string[]) => {
        queries += 1;
        return store.seenMessages?.(ids);
      },
    });
    const batched = withBatchedIntake(counting, new IntakeBatcher(counting));
    const answers = await Promise.all(['m-1', 'm-2', 'm-3'].map((id) => batched.hasMessage(id)));
    expect(answers).toEqual([true, false, false]);
    expect(queries).toBe(1);
  });

  it('rejects every record of a batch the store could not write, so their messages are requeued', async () => {
    const store = await sqliteStore();
    const failing: JobStore = Object.assign(Object.create(store) as JobStore, {
      recordIntakes: async () => {
        throw new Error('disk full');
      },
    });
    const batched = withBatchedIntake(failing, new IntakeBatcher(failing));
    const results = await Promise.allSettled([
      batched.recordIntake(record(1)),
      batched.recordIntake(record(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await store.listIntake()).toEqual([]);
  });
});
