import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { applyAll } from '../../src/manage/apply.js';
import { productLockName } from '../../src/store/locks.js';
import { planAll } from '../../src/manage/plan.js';
import { formatPlan } from '../../src/listing/reconcile.js';
import type { Harness } from '../pipeline/harness.js';
import { desiredOf, manageDeps, publishedHarness, runUntil } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('plan and apply on the simulated Marketplace', () => {
  it('finds nothing to change right after the pipeline published a version, though AWS rewrote some values', async () => {
    h = await publishedHarness([{ label: '1.4' }]);
    const plans = await planAll(manageDeps(h), await desiredOf(h));
    const shown = (await manageDeps(h).catalog.describeEntity(plans[0]?.productId ?? '')).details;
    expect(shown.PromotionalResources?.LogoUrl).toMatch(/^https:\/\/awsmp-logos\./);
    expect(shown.RegionAvailability?.FutureRegionSupport).toBeNull();
    expect(shown.Compatibility).toBeUndefined();
    expect(shown.Versions?.[0]?.Sources?.[0]?.Compatibility?.AvailableInstanceTypes?.length).toBeGreaterThan(
      0,
    );
    expect(plans).toHaveLength(1);
    expect(plans[0]?.key).toBe('Cloud_Base/41/x86_64');
    expect(plans[0]?.changes, formatPlan(plans)).toEqual([]);
    expect(formatPlan(plans)).toMatch(/up to date/);
  });

  it('applies a configuration change with one change set, after which plan is empty', async () => {
    h = await publishedHarness([{ label: '1.4' }]);
    const input = structuredClone(h.config) as unknown as Record<string, unknown>;
    const products = input['products'] as Record<string, { shortDescription: string }>;
    (products['Cloud_Base'] as { shortDescription: string }).shortDescription = 'A new short description';
    const edited = parseConfig(input, 'test');
    const states = await desiredOf(h, edited);
    const deps = manageDeps(h);

    const before = await planAll(deps, states);
    expect(before[0]?.changes.map((c) => c.ChangeType)).toEqual(['UpdateInformation']);
    expect(before[0]?.diff).toEqual([
      expect.objectContaining({ kind: 'metadata', field: 'ShortDescription', to: 'A new short description' }),
      { kind: 'needs-representative', to: ['us-gov-east-1', 'us-gov-west-1'] },
    ]);

    const results = await applyAll(deps, states);
    expect(results[0]?.outcome).toBe('done');
    expect(results[0]?.changeSets.map((c) => [c.intent, c.status])).toEqual([['APPLY', 'SUCCEEDED']]);
    const after = await planAll(deps, await desiredOf(h, edited));
    expect(after[0]?.changes).toEqual([]);

    // The start is recorded in the store, and a second apply starts nothing.
    const log = await h.store.listIntake();
    expect(log.filter((r) => r.source === 'apply')).toHaveLength(1);
    const again = await applyAll(deps, await desiredOf(h, edited));
    expect(again[0]?.changeSets).toEqual([]);
  });

  it('validates first a set that only adds a version, then applies it', async () => {
    h = await publishedHarness([{ label: '1.4' }]);
    // A version the store has as published but the product lacks (it was never submitted).
    const created = await h.createJob(h.request({ label: '1.5' }));
    const job = await runUntil(h, created.id, 'submit');
    await h.store.saveJob({ ...job, state: 'published' });
    const results = await applyAll(manageDeps(h), await desiredOf(h), { validateFirst: true });
    expect(results[0]?.changeSets.map((c) => [c.intent, c.status, c.changeTypes])).toEqual([
      ['VALIDATE', 'SUCCEEDED', ['AddDeliveryOptions']],
      ['APPLY', 'SUCCEEDED', ['AddDeliveryOptions']],
    ]);
    expect(results[0]?.changeSets[1]?.validation).toEqual({ validated: true });
    expect((await planAll(manageDeps(h), await desiredOf(h)))[0]?.changes).toEqual([]);
  });

  it('applies any other set directly and says it could not be validated', async () => {
    h = await publishedHarness([{ label: '1.4' }]);
    const input = structuredClone(h.config) as unknown as Record<string, unknown>;
    (input['products'] as Record<string, { searchKeywords: string[] }>)['Cloud_Base']!.searchKeywords = [
      'fedora',
      'linux',
    ];
    const edited = parseConfig(input, 'test');
    const results = await applyAll(manageDeps(h), await desiredOf(h, edited), { validateFirst: true });
    expect(results[0]?.changeSets.map((c) => [c.intent, c.status])).toEqual([['APPLY', 'SUCCEEDED']]);
    expect(results[0]?.changeSets[0]?.validation).toEqual({
      validated: false,
      reason:
        'AWS offers VALIDATE only for sets that add versions and nothing else; this set has UpdateInformation',
    });
    expect(h.sim.state().changeSets.filter((c) => c.intent === 'VALIDATE')).toEqual([]);
    expect((await planAll(manageDeps(h), await desiredOf(h, edited)))[0]?.changes).toEqual([]);
  });

  it('with --detach starts and returns; the next apply waits for that set instead of starting another', async () => {
    h = await publishedHarness([{ label: '1.4' }]);
    const input = structuredClone(h.config) as unknown as Record<string, unknown>;
    (input['products'] as Record<string, { longDescription: string }>)['Cloud_Base']!.longDescription =
      'Longer words.';
    const edited = parseConfig(input, 'test');
    const deps = manageDeps(h);
    const starts = () => h!.sim.callCounts()['aws-marketplace:StartChangeSet'] ?? 0;
    const before = starts();

    const [detached] = await applyAll(deps, await desiredOf(h, edited), { detach: true });
    expect(detached?.outcome).toBe('pending');
    expect(detached?.changeSets.map((c) => [c.status, c.adopted])).toEqual([['PREPARING', false]]);
    // The wait is stored, not held: the set to follow and when to look at it again.
    const [stored] = await h.store.listApplies(['Cloud_Base/41/x86_64']);
    expect(stored?.data).toMatchObject({
      phase: 'follow',
      following: { changeSetId: detached!.changeSets[0]!.changeSetId, intent: 'APPLY' },
    });
    expect(stored!.nextRunAt.getTime()).toBeGreaterThan(h.clock.now().getTime());

    // The detached set is stored as the one to follow: the next apply follows it to its end, finds its
    // changes made, and starts nothing.
    const [resumed] = await applyAll(deps, await desiredOf(h, edited));
    expect(resumed?.outcome).toBe('done');
    expect(resumed?.changeSets.map((c) => [c.changeSetId, c.status])).toEqual([
      [detached!.changeSets[0]!.changeSetId, 'SUCCEEDED'],
    ]);
    expect(starts() - before).toBe(1);
    const described = await deps.catalog.describeChangeSet(detached!.changeSets[0]!.changeSetId);
    expect(described.status).toBe('SUCCEEDED');
    expect((await planAll(deps, await desiredOf(h, edited)))[0]?.changes).toEqual([]);
  });

  it('takes the product lock: while another worker holds it, apply starts nothing', async () => {
    h = await publishedHarness([{ label: '1.4' }]);
    const input = structuredClone(h.config) as unknown as Record<string, unknown>;
    (input['products'] as Record<string, { shortDescription: string }>)['Cloud_Base']!.shortDescription =
      'Locked words.';
    const states = await desiredOf(h, parseConfig(input, 'test'));
    const deps = manageDeps(h);
    const starts = () => h!.sim.callCounts()['aws-marketplace:StartChangeSet'] ?? 0;
    const before = starts();
    const lock = productLockName(states[0]!.desired.metadata.productTitle);
    expect(await h.store.tryLock(lock, 'another-worker f41-job', 60_000)).toBe(true);

    const applying = applyAll(deps, states);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(starts()).toBe(before);
    const [waiting] = await h.store.listApplies([states[0]!.key]);
    expect(waiting?.data).toMatchObject({ phase: 'plan', changeSets: [] });

    await h.store.unlock(lock, 'another-worker f41-job');
    const [result] = await applying;
    expect(result?.outcome).toBe('done');
    expect(starts()).toBe(before + 1);
  });
});
