/**
 * Plan and apply through the aws adapter's Catalog client, over HTTP, against the simulated Catalog API
 * server: the real SDK client, the wire format and the reconcile logic meet here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsCloud } from '../../src/cloud/aws/aws-cloud.js';
import type { Cloud } from '../../src/cloud/ports.js';
import { startCatalogServer } from '../../src/cloud/sim/catalog-server.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/load.js';
import { applyAll } from '../../src/manage/apply.js';
import { type ManageDeps } from '../../src/manage/plan.js';
import { planAll } from '../../src/manage/plan.js';
import { availableInstanceTypes } from '../../src/listing/entity-reading.js';
import type { Job } from '../../src/core/model/job.js';
import { useDummyCredentials, motoConfig } from '../helpers/moto.js';
import type { Harness } from '../pipeline/harness.js';
import { newProductChangeTypes } from '../listing/helpers.js';
import { desiredOf, manageDeps, publishedHarness } from './helpers.js';

let h: Harness | undefined;
let server: { url: string; close(): Promise<void> } | undefined;
let cloud: Cloud | undefined;
afterEach(async () => {
  await cloud?.close();
  await server?.close();
  await h?.close();
  h = undefined;
  server = undefined;
  cloud = undefined;
});

async function overHttp(harness: Harness): Promise<ManageDeps> {
  const settings = harness.config.partitions.aws!;
  server = await startCatalogServer({
    catalog: harness.sim.clients('aws').catalog,
    host: '127.0.0.1',
    port: 0,
    sellerAccount: settings.sellerAccount.accountId,
  });
  useDummyCredentials();
  const config = motoConfig('http://127.0.0.1:9');
  config.partitions.aws!.endpoints.marketplaceCatalog = server.url;
  cloud = createAwsCloud(config, { retry: { maxAttempts: 1 } });
  return { ...manageDeps(harness), catalog: cloud.clients('aws').catalog };
}

const keepTwo = (input: ConfigInput) => {
  (input.products as Record<string, { keepVersions?: number }>)['Cloud_Base']!.keepVersions = 2;
};

describe('plan and apply against the local Catalog API endpoint', () => {
  it('reads, over the SDK, a published product that is Public with a released offer priced 0.00 for every instance type, and plans nothing', async () => {
    h = await publishedHarness([{ label: '1.4' }]);
    const deps = await overHttp(h);
    const [job] = await h.store.listJobs();
    const product = await deps.catalog.describeEntity(job!.data.productId!);
    expect(product.details.Description?.Visibility).toBe('Public');
    const offers = await deps.catalog.listEntities({ entityType: 'Offer', productId: product.entityId });
    expect(offers.map((o) => o.entityId)).toEqual([job!.data.offerId]);
    const offer = await deps.catalog.describeEntity(job!.data.offerId!, 'Offer@1.0');
    expect(offer.details.State).toBe('Released');
    const rates = offer.details.Terms?.find((t) => t.Type === 'UsageBasedPricingTerm');
    expect(rates?.CurrencyCode).toBe('USD');
    const card = new Map((rates?.RateCards?.[0]?.RateCard ?? []).map((r) => [r.DimensionKey, r.Price]));
    const types = availableInstanceTypes(product.details);
    expect(types.length).toBeGreaterThan(10);
    expect([...card.keys()].sort()).toEqual([...types].sort());
    expect(new Set(card.values())).toEqual(new Set(['0.00']));
    expect((product.details.Dimensions ?? []).map((d) => d.Key).sort()).toEqual([...types].sort());
    const [plan] = await planAll(deps, await desiredOf(h));
    expect(plan).toMatchObject({ changes: [], visibility: 'Public', offerId: job!.data.offerId });
  });

  it('retires the oldest version; plan right after apply is empty', async () => {
    h = await publishedHarness([{ label: '1.1' }, { label: '1.2' }, { label: '1.3' }], keepTwo);
    const deps = await overHttp(h);
    const before = await planAll(deps, await desiredOf(h));
    expect(before[0]?.changes.map((c) => c.ChangeType)).toEqual(['RestrictDeliveryOptions']);
    const [result] = await applyAll(deps, await desiredOf(h));
    expect(result?.outcome).toBe('done');
    expect(result?.changeSets.map((c) => c.status)).toEqual(['SUCCEEDED']);
    const after = await planAll(deps, await desiredOf(h));
    expect(after[0]?.changes).toEqual([]);
    // What came over the wire is AWS's rewritten form, read as what was sent.
    const shown = (await deps.catalog.describeEntity(after[0]?.productId ?? '')).details;
    expect(shown.PromotionalResources?.LogoUrl).toMatch(/^https:\/\/awsmp-logos\./);
    expect(shown.RegionAvailability?.FutureRegionSupport).toBeNull();
    expect(shown.Compatibility).toBeUndefined();
  });

  it('creates a missing product in one change set, then has nothing left to do', async () => {
    h = await publishedHarness([{ label: '1.1' }]);
    const deps = await overHttp(h);
    // A product title no entity has yet, and jobs that never recorded a product: apply must create it.
    const input = structuredClone(h.config) as unknown as ConfigInput;
    (input.products as Record<string, { title: string }>)['Cloud_Base']!.title =
      'Fedora {release} Cloud Base Test ({arch})';
    const config = parseConfig(input, 'test');
    const jobs = (await h.store.listJobs()).map((j): Job => {
      const { productId: _job, listing, ...data } = j.data;
      if (!listing) return { ...j, data };
      const { productId: _listing, ...rest } = listing;
      return { ...j, data: { ...data, listing: rest } };
    });
    const { desiredProducts } = await import('../../src/manage/desired-state.js');
    const states = () =>
      desiredProducts({ config, jobs, facts: h!.ctx.facts, partition: 'aws', baseRegion: 'us-east-1' });

    const [plan] = await planAll(deps, await states());
    expect(plan?.productId).toBeUndefined();
    expect(plan?.changes.map((c) => c.ChangeType)).toEqual(newProductChangeTypes);
    expect(plan?.changes[1]?.DetailsDocument).toMatchObject({
      ProductId: '$CreateProduct.Entity.Identifier',
    });
    expect(plan?.changes[2]?.Entity.Identifier).toBe('$CreateProduct.Entity.Identifier');

    const [result] = await applyAll(deps, await states());
    expect(result?.outcome, JSON.stringify(result?.changeSets)).toBe('done');
    expect(result?.productId).toMatch(/^prod-/);
    const [after] = await planAll(deps, await states());
    expect(after?.productId).toBe(result?.productId);
    expect(after?.changes).toEqual([]);
  });
});
