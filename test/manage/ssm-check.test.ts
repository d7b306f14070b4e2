import { afterEach, describe, expect, it } from 'vitest';
import { jobView } from '../../src/app/job-view.js';
import { listingPartition } from '../../src/config/partitions.js';
import { latestAlias } from '../../src/pipeline/stages/ssm.js';
import { productKey } from '../../src/core/model/image-request.js';
import { makeHarness, runUntil, type Harness } from '../pipeline/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('SSM alias check after a version succeeds', () => {
  it('records the alias and a per-region result, shown in the job view', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');
    expect(job.data.ssmAlias).toBe(`/aws/service/marketplace/${job.data.productId}/${job.data.versionTitle}`);
    expect(job.data.ssmCheck).toEqual({ 'us-east-1': 'ok', 'eu-west-1': 'ok' });

    const { partition } = listingPartition(h.config);
    const ami = await h.sim.clients(partition).ssm.getParameter('eu-west-1', job.data.ssmAlias!);
    expect(h.sim.resolveMarketplaceAmi(ami!)).toMatchObject({
      productId: job.data.productId,
      versionTitle: job.data.versionTitle,
    });

    const stagesRun = (await h.store.events(job.id))
      .filter((e) => e.kind === 'advanced' || e.kind === 'published')
      .map((e) => e.stage);
    // The creating set released the product: no release stage.
    expect(stagesRun.slice(-4)).toEqual(['submit', 'await', 'visibility', 'ssm']);
    expect(jobView(job)).toMatchObject({
      ssmAlias: job.data.ssmAlias,
      ssmCheck: { 'us-east-1': 'ok', 'eu-west-1': 'ok' },
    });
  });

  it('waits for an alias that does not resolve, then publishes with the gap recorded after the bounded looks', async () => {
    h = await makeHarness({
      configure: (input) => {
        input.pipeline = {
          ...input.pipeline,
          ssmCheckRegions: ['us-east-1', 'eu-west-1'],
          ssmCheckAttempts: 3,
        };
      },
    });
    const { partition } = listingPartition(h.config);
    const clients = h.sim.clients(partition);
    const real = clients.ssm.getParameter.bind(clients.ssm);
    let looks = 0;
    // eu-west-1 never publishes the parameter.
    clients.ssm.getParameter = async (region, name) => {
      if (region === 'eu-west-1') {
        looks++;
        return undefined;
      }
      return real(region, name);
    };
    const created = await h.createJob(h.request());
    await runUntil(h, created.id, 'ssm');
    const before = h.sim.callCounts();
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');
    expect(job.data.ssmCheck).toEqual({ 'us-east-1': 'ok', 'eu-west-1': 'missing' });
    // The alias is read from DescribeEntity once; later looks reuse it.
    expect(h.sim.callCounts()['aws-marketplace:DescribeEntity']).toBe(
      (before['aws-marketplace:DescribeEntity'] ?? 0) + 1,
    );
    expect(job.data.ssmAttempts).toBe(3);
    expect(looks).toBe(3);
    // us-east-1 resolved at the first look (alias and latest) and was not asked again.
    expect(h.sim.callCounts()['ssm:GetParameter']).toBe(2);
    const waits = (await h.store.events(job.id)).filter((e) => e.stage === 'ssm' && e.kind === 'waiting');
    expect(waits).toHaveLength(2);
  });

  it('looks at nothing while the product is on its way to Public, and checks once the store records it Public', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    const atSsm = await runUntil(h, created.id, 'ssm');
    const key = productKey(atSsm.request);
    // As if the job had gone on before AWS's review of the Public request ended.
    await h.store.saveProduct({
      key,
      productId: atSsm.data.productId!,
      visibility: 'Limited',
      updatedAt: h.clock.now(),
    });
    const before = h.sim.callCounts();
    await h.publishAll();
    const parked = await h.job(created.id);
    expect(parked.state).toBe('ssm');
    expect(parked.reason).toMatch(/waiting for product prod-\S+ to become Public/);
    expect(jobView(parked).nextCheckAt).toBeUndefined();
    expect(h.sim.callCounts()).toEqual(before);

    h.clock.advance(3 * 24 * 3600_000);
    await h.store.saveProduct({
      key,
      productId: atSsm.data.productId!,
      visibility: 'Public',
      updatedAt: h.clock.now(),
    });
    expect((await h.job(created.id)).nextRunAt).toEqual(h.clock.now());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');
    expect(job.data.ssmCheck).toEqual({ 'us-east-1': 'ok', 'eu-west-1': 'ok' });
    const calls = h.sim.callCounts();
    expect((calls['ssm:GetParameter'] ?? 0) - (before['ssm:GetParameter'] ?? 0)).toBe(4);
  });

  it('publishes a product that stays Limited without looking at its alias', async () => {
    h = await makeHarness({
      configure: (input) => {
        input.products!.Cloud_Base!.visibility = 'limited';
      },
    });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');
    expect(job.data.ssmCheck).toBeUndefined();
    const notes = (await h.store.events(job.id)).map((e) => e.message);
    expect(notes.at(-1)).toMatch(/SSM alias not checked: product prod-\S+ is Limited/);
    expect(h.sim.callCounts()['ssm:GetParameter'] ?? 0).toBe(0);
  });

  it('derives the latest alias from the version alias', () => {
    expect(latestAlias('/aws/service/marketplace/prod-abc/41.1.4')).toBe(
      '/aws/service/marketplace/prod-abc/latest',
    );
  });
});
