import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { listingPartition } from '../../src/config/partitions.js';
import { applyAll } from '../../src/manage/apply.js';
import { planAll } from '../../src/manage/plan.js';
import { formatPlan } from '../../src/listing/reconcile.js';
import { newProductChanges } from '../../src/listing/change-set.js';
import { createProductChangeSetName } from '../../src/listing/change-set-names.js';
import type { Harness } from '../pipeline/harness.js';
import { makeHarness } from '../pipeline/harness.js';
import { desiredOf, manageDeps, publishedHarness, runUntil } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const keepTwo = (input: ConfigInput) => {
  (input.products as Record<string, { keepVersions?: number }>)['Cloud_Base']!.keepVersions = 2;
};

async function imagesById(harness: Harness) {
  const { partition } = listingPartition(harness.config);
  const ec2 = harness.sim.clients(partition).ec2;
  const images = await ec2.describeImages('us-east-1', { owners: ['self'] });
  return new Map(images.map((i) => [i.imageId, i]));
}

describe('retirement', () => {
  it('keeps the newest keepVersions versions, restricts the older ones and deprecates their AMIs', async () => {
    h = await publishedHarness([{ label: '1.1' }, { label: '1.2' }, { label: '1.3' }], keepTwo);
    const jobs = (await h.store.listJobs()).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    expect(jobs.map((j) => j.state)).toEqual(['published', 'published', 'published']);
    const oldest = jobs[0]!;
    const deps = manageDeps(h);

    const plans = await planAll(deps, await desiredOf(h));
    expect(plans[0]?.changes.map((c) => c.ChangeType)).toEqual(['RestrictDeliveryOptions']);
    expect(plans[0]?.diff).toEqual([
      { kind: 'needs-representative', to: ['us-gov-east-1', 'us-gov-west-1'] },
      expect.objectContaining({ kind: 'version-restricted', field: oldest.data.versionTitle }),
    ]);
    expect(plans[0]?.deprecations.map((d) => d.imageId).sort()).toEqual(
      Object.values(oldest.data.mirroredAmis).sort(),
    );

    const [result] = await applyAll(deps, await desiredOf(h));
    expect(result?.outcome).toBe('done');
    expect(result?.deprecated).toHaveLength(Object.keys(oldest.data.mirroredAmis).length);
    const images = await imagesById(h);
    expect(images.get(oldest.data.mirroredAmis['us-east-1']!)?.deprecationTime).toBeDefined();
    expect(images.get(jobs[2]!.data.mirroredAmis['us-east-1']!)?.deprecationTime).toBeUndefined();

    const entity = await deps.catalog.describeEntity(result!.productId!);
    const visibility = Object.fromEntries(
      (entity.details.Versions ?? []).map((v) => [v.VersionTitle, v.DeliveryOptions?.[0]?.Visibility]),
    );
    expect(visibility).toEqual({
      [oldest.data.versionTitle!]: 'Restricted',
      [jobs[1]!.data.versionTitle!]: 'Public',
      [jobs[2]!.data.versionTitle!]: 'Public',
    });
    const after = await planAll(deps, await desiredOf(h));
    expect(after[0]?.changes).toEqual([]);
    expect(after[0]?.deprecations).toEqual([]);
  });

  it('orders by compose date and respin: five updates published newest first keep the three newest', async () => {
    const dates = ['20250301.0', '20250308.0', '20250308.1', '20250315.0', '20250322.0'];
    // A replay or a backfill publishes the newest first: insertion order is the reverse of age.
    h = await publishedHarness(
      [...dates].reverse().map((label) => ({ label, composeId: `Fedora-Cloud-41-updates-${label}` })),
    );
    const deps = manageDeps(h);
    const jobs = await h.store.listJobs();
    const jobOf = (label: string) => jobs.find((j) => j.request.label === label)!;

    const [plan] = await planAll(deps, await desiredOf(h));
    expect(plan!.retention.map((e) => [e.versionTitle, e.decision])).toEqual([
      ['41.20250322.0', 'keep'],
      ['41.20250315.0', 'keep'],
      ['41.20250308.1', 'keep'],
      ['41.20250308.0', 'restrict'],
      ['41.20250301.0', 'restrict'],
    ]);
    expect(formatPlan([plan!])).toContain('41.20250308.0: restrict now [compose 2025-03-08 respin 0');

    const [result] = await applyAll(deps, await desiredOf(h));
    expect(result?.outcome).toBe('done');
    const entity = await deps.catalog.describeEntity(result!.productId!);
    const visibility = Object.fromEntries(
      (entity.details.Versions ?? []).map((v) => [v.VersionTitle, v.DeliveryOptions?.[0]?.Visibility]),
    );
    expect(visibility).toEqual({
      '41.20250322.0': 'Public',
      '41.20250315.0': 'Public',
      '41.20250308.1': 'Public',
      '41.20250308.0': 'Restricted',
      '41.20250301.0': 'Restricted',
    });
    const deprecated = new Set(result!.deprecated.map((d) => d.imageId));
    const amisOf = (label: string) => Object.values(jobOf(label).data.mirroredAmis);
    expect(deprecated).toEqual(new Set([...amisOf('20250308.0'), ...amisOf('20250301.0')]));
    for (const label of ['20250322.0', '20250315.0', '20250308.1'])
      for (const ami of amisOf(label)) expect(deprecated.has(ami)).toBe(false);
    expect((await planAll(deps, await desiredOf(h)))[0]?.changes).toEqual([]);
  });

  it('restricts the product of a release past its end of life and deprecates every AMI of it', async () => {
    h = await publishedHarness([{ label: '1.1' }]);
    const deps = manageDeps(h);
    const input = structuredClone(h.config) as unknown as ConfigInput;
    input.policy = { ...input.policy, endOfLife: { '41': '2026-01-01' } };
    const { parseConfig } = await import('../../src/config/load.js');
    const eol = parseConfig(input, 'test');
    const plans = await planAll(deps, await desiredOf(h, eol));
    expect(plans[0]?.changes.map((c) => c.ChangeType)).toEqual(['UpdateVisibility']);
    expect(plans[0]?.diff[0]).toMatchObject({ kind: 'visibility', to: 'Restricted' });
    expect(plans[0]?.deprecations.length).toBeGreaterThan(0);

    await applyAll(deps, await desiredOf(h, eol));
    const entity = await deps.catalog.describeEntity(plans[0]!.productId!);
    expect(entity.details.Description?.Visibility).toBe('Restricted');
    const after = await planAll(deps, await desiredOf(h, eol));
    expect(after[0]?.changes).toEqual([]);
    expect(after[0]?.deprecations).toEqual([]);
  });

  it('leaves a draft product of an end-of-life release as it is but deprecates its AMIs', async () => {
    // A version published before the pipeline released products: the product is still a Draft (its
    // creating set, started here as such a run did, has no ReleaseProduct).
    h = await makeHarness();
    const created = await h.createJob(h.request({ label: '1.1' }));
    const submitting = await runUntil(h, created.id, 'submit');
    const listing = submitting.data.listing!;
    const { changeSetId } = await h.sim.clients(listingPartition(h.config).partition).catalog.startChangeSet({
      changes: newProductChanges(listing),
      changeSetName: createProductChangeSetName(listing),
      clientRequestToken: 'draft-only',
      intent: 'APPLY',
    });
    await h.store.saveJob({
      ...submitting,
      state: 'await',
      data: { ...submitting.data, changeSetId, createsProduct: true },
    });
    await h.store.saveJob({ ...(await runUntil(h, created.id, 'release')), state: 'published' });
    const input = structuredClone(h.config) as unknown as ConfigInput;
    input.policy = { ...input.policy, endOfLife: { '41': '2025-12-01' } };
    const { parseConfig } = await import('../../src/config/load.js');
    const plans = await planAll(manageDeps(h), await desiredOf(h, parseConfig(input, 'test')));
    expect(plans[0]?.changes).toEqual([]);
    expect(plans[0]?.deprecations.length).toBeGreaterThan(0);
  });

  it('reports an EC2 without image deprecation (moto) as a warning, not a failure', async () => {
    h = await publishedHarness([{ label: '1.1' }, { label: '1.2' }, { label: '1.3' }], keepTwo);
    const deps = manageDeps(h);
    const { CloudError } = await import('../../src/core/errors.js');
    deps.ec2 = Object.create(deps.ec2, {
      enableImageDeprecation: {
        value: () =>
          Promise.reject(
            new CloudError({
              kind: 'validation',
              awsCode: 'InvalidAction',
              service: 'ec2',
              operation: 'EnableImageDeprecation',
              message: 'not yet implemented',
            }),
          ),
      },
    }) as typeof deps.ec2;
    const [result] = await applyAll(deps, await desiredOf(h));
    expect(result?.outcome).toBe('done');
    expect(result?.deprecated).toEqual([]);
    expect(result?.warnings.join('\n')).toMatch(/could not deprecate .* not yet implemented/);
  });
});
