import { describe, expect, it } from 'vitest';
import { countingStore } from '../../src/bench/counting-store.js';
import type { JobStore } from '../../src/store/store.js';

describe('countingStore', () => {
  it('counts each method call by name and passes results through', async () => {
    const inner = { nextWakeAt: async () => new Date(5), dueJobs: async () => [] } as unknown as JobStore;
    const counts: Record<string, number> = {};
    const store = countingStore(inner, counts);
    expect(await store.nextWakeAt()).toEqual(new Date(5));
    await store.dueJobs(new Date(0), 1);
    await store.dueJobs(new Date(0), 1);
    expect(counts).toEqual({ nextWakeAt: 1, dueJobs: 2 });
  });
});
