import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { cleanupCandidates, deleteCandidates } from '../../src/manage/cleanup.js';
import { applyAll } from '../../src/manage/apply.js';
import type { Harness } from '../pipeline/harness.js';
import { desiredOf, manageDeps, publishedHarness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const keepTwo = (input: ConfigInput) => {
  (input.products as Record<string, { keepVersions?: number }>)['Cloud_Base']!.keepVersions = 2;
};

describe('cleanup of mirrored AMIs', () => {
  it('offers only retired images past the grace period, and deletes images then snapshots', async () => {
    h = await publishedHarness([{ label: '1.1' }, { label: '1.2' }, { label: '1.3' }], keepTwo);
    const deps = manageDeps(h);
    const regions = ['us-east-1', 'us-east-2', 'eu-west-1'];
    const now = () => ({ ec2: deps.ec2, catalog: deps.catalog, now: h!.clock.now() });
    const jobs = (await h.store.listJobs()).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());

    // Nothing is retired yet: every version is Public.
    h.clock.advance(60 * 86_400_000);
    expect(await cleanupCandidates(now(), jobs, regions, 30)).toEqual([]);

    await applyAll(deps, await desiredOf(h));
    expect(await cleanupCandidates(now(), jobs, regions, 30)).toEqual([]); // deprecated just now
    h.clock.advance(31 * 86_400_000);
    const candidates = await cleanupCandidates(now(), jobs, regions, 30);
    const oldest = jobs[0]!;
    expect(candidates.map((c) => c.imageId).sort()).toEqual(Object.values(oldest.data.mirroredAmis).sort());
    expect(candidates.every((c) => c.job === oldest.id && c.snapshotIds.length === 1)).toBe(true);

    await deleteCandidates(deps.ec2, candidates);
    const world = h.sim.state();
    const left = new Set(world.images.map((i) => i.id));
    for (const c of candidates) expect(left.has(c.imageId)).toBe(false);
    for (const job of jobs.slice(1))
      for (const ami of Object.values(job.data.mirroredAmis)) expect(left.has(ami)).toBe(true);
    // The snapshots are gone too: deleting one again is refused as unknown.
    for (const c of candidates)
      await expect(deps.ec2.deleteSnapshot(c.region, c.snapshotIds[0]!)).rejects.toThrow(
        /NotFound|does not exist/,
      );
    expect(await cleanupCandidates(now(), jobs, regions, 30)).toEqual([]);
  });
});
