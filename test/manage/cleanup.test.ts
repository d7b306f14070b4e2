import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { deleteCandidates, planCleanup, type CleanupScope } from '../../src/manage/cleanup.js';
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
const regions = ['us-east-1', 'us-east-2', 'eu-west-1'];
const ids = (images: Array<{ imageId: string }>) => images.map((i) => i.imageId).sort();

describe('cleanup of mirrored AMIs', () => {
  it('offers only retired images past the grace period, and deletes images then snapshots', async () => {
    h = await publishedHarness([{ label: '1.1' }, { label: '1.2' }, { label: '1.3' }], keepTwo);
    const deps = manageDeps(h);
    const jobs = (await h.store.listJobs()).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const plan = () =>
      planCleanup(
        { ec2: deps.ec2, catalog: deps.catalog, now: h!.clock.now() },
        { jobs, regions, productIds: [], graceDays: 30 },
      );

    // Nothing is retired yet: every version is Public, and each image says so.
    h.clock.advance(60 * 86_400_000);
    const before = await plan();
    expect(before.candidates).toEqual([]);
    expect(before.kept).toHaveLength(9);
    expect(before.kept.every((k) => /^version 41\.1\.[123] of prod-\w+ \(.*\) is live$/.test(k.reason))).toBe(
      true,
    );

    await applyAll(deps, await desiredOf(h));
    const justRetired = await plan();
    expect(justRetired.candidates).toEqual([]); // deprecated just now
    expect(justRetired.kept.filter((k) => /grace period/.test(k.reason))).toHaveLength(3);
    h.clock.advance(31 * 86_400_000);
    const { candidates, kept } = await plan();
    const oldest = jobs[0]!;
    expect(ids(candidates)).toEqual(Object.values(oldest.data.mirroredAmis).sort());
    expect(candidates.every((c) => c.job === oldest.id && c.snapshotIds.length === 1)).toBe(true);
    expect(kept).toHaveLength(6);

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
    expect((await plan()).candidates).toEqual([]);
  });

  it('reads what is live from the Marketplace: a store that knows no job keeps every live mirror', async () => {
    h = await publishedHarness([{ label: '1.1' }, { label: '1.2' }, { label: '1.3' }], keepTwo);
    const deps = manageDeps(h);
    const jobs = (await h.store.listJobs()).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    await applyAll(deps, await desiredOf(h));
    h.clock.advance(400 * 86_400_000);

    // A fresh state directory: no job, no product id anywhere but on the Marketplace.
    const fresh: CleanupScope = { jobs: [], regions, productIds: [], graceDays: 30 };
    const { candidates, kept } = await planCleanup(
      { ec2: deps.ec2, catalog: deps.catalog, now: h.clock.now() },
      fresh,
    );
    expect(ids(candidates)).toEqual(Object.values(jobs[0]!.data.mirroredAmis).sort());
    const live = jobs.slice(1).flatMap((j) => Object.values(j.data.mirroredAmis));
    expect(ids(kept)).toEqual(live.sort());
    // Mirrors outside the base region are kept with the version their base-region twin carries.
    for (const k of kept) expect(k.reason, k.imageId).toMatch(/^version 41\.1\.[23] of prod-/);
  });
});
