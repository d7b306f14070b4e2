import { describe, expect, it } from 'vitest';
import { countingStore } from '../../src/bench/counting-store.js';
import type { JobStore } from '../../src/store/store.js';

describe('countingStore', () => {
  it('counts each method call by name and passes results through', async () => {
    const inner = {
      outlook: async () => ({ dueAt: new Date(5) }),
      claimDue: async () => [],
    } as unknown as JobStore;
    const counts: Record<string, number> = {};
    const store = countingStore(inner, counts);
    expect(await store.outlook()).toEqual({ dueAt: new Date(5) });
    await store.claimDue('w', new Date(0), 1000);
    await store.claimDue('w', new Date(0), 1000);
    expect(counts).toEqual({ outlook: 1, claimDue: 2 });
  });
});
