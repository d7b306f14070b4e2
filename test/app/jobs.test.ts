import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptRequests } from '../../src/app/jobs.js';
import { ManualClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store.js';
import { request } from '../store/fixtures.js';

const stores: JobStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** The store, counting its commitIntake calls (each one durable transaction). */
async function countingStore(): Promise<{ store: JobStore; commits: number[] }> {
  const store = await openStore({ driver: 'sqlite', stateDir: mkdtempSync(join(tmpdir(), 'fm-accept-')) });
  stores.push(store);
  const commits: number[] = [];
  const counting = Object.assign(Object.create(store) as JobStore, {
    commitIntake: (entries: Parameters<JobStore['commitIntake']>[0]) => {
      commits.push(entries.length);
      return store.commitIntake(entries);
    },
  });
  return { store: counting, commits };
}

describe('acceptRequests', () => {
  it('stores every request in one durable transaction, one job per image, duplicates returning it', async () => {
    const { store, commits } = await countingStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const f41 = request({ composeId: 'Fedora-41-accept.1' });
    const f41arm = request({ composeId: 'Fedora-41-accept.1', arch: 'arm64', imageName: 'arm' });
    const said: string[] = [];
    const jobs = await acceptRequests({ store, clock }, [f41, f41arm, f41], 'file', (l) => said.push(l));
    expect(commits).toEqual([3]);
    expect(jobs.map((j) => j.request.arch)).toEqual(['x86_64', 'arm64']);
    expect(said[2]).toBe(`job ${jobs[0]?.id}: already known (verify); not created again`);
    const again = await acceptRequests({ store, clock }, [f41arm], 'file', () => undefined);
    expect(again.map((j) => j.id)).toEqual([jobs[1]?.id]);
    expect((await store.listIntake()).map((r) => r.outcome)).toEqual([
      'accepted',
      'accepted',
      'duplicate',
      'duplicate',
    ]);
  });
});
