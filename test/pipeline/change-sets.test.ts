import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { maxSubmitAttempts } from '../../src/pipeline/stages/await.js';
import { makeHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const changeTypes = (harness: Harness) =>
  harness.sim.state().changeSets.map((cs) => cs.changes.map((c) => c.changeType));

describe('one open change set per product', () => {
  it('creates the product once; the concurrent image waits, then adds only its version', async () => {
    h = await makeHarness();
    const first = await h.createJob(h.request({ label: '1.4' }));
    const second = await h.createJob(h.request({ label: '1.5' }));
    await h.publishAll();

    const jobs = [await h.job(first.id), await h.job(second.id)];
    for (const job of jobs) expect(job.state, job.reason).toBe('published');
    expect(jobs.filter((j) => j.data.createsProduct)).toHaveLength(1);
    const later = jobs.find((j) => !j.data.createsProduct)!;

    const world = h.sim.state();
    expect(world.changeSets.map((cs) => cs.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(changeTypes(h)[1]).toEqual(['AddDeliveryOptions']);
    expect(
      changeTypes(h)
        .flat()
        .filter((t) => t === 'CreateProduct'),
    ).toHaveLength(1);
    expect(world.products).toHaveLength(1);
    expect(world.products[0]!.versions.map((v) => v.title).sort()).toEqual(['41.1.4', '41.1.5']);
    expect(later.data.productId).toBe(world.products[0]!.id);

    const notes = (await h.store.events(later.id)).map((e) => e.message);
    expect(notes.some((m) => /is being created by change set|has an open change set/.test(m))).toBe(true);
    expect(notes.some((m) => /ResourceInUse|locked/.test(m))).toBe(false);
  });
});

describe('two composes with the same version title', () => {
  const sameTitle = (c: ConfigInput) => {
    c.products!.Cloud_Base!.versionTitle = '{release}';
  };

  it('one after the other: the second finds the version listed and submits nothing', async () => {
    h = await makeHarness({ configure: sameTitle });
    const first = await h.createJob(h.request({ label: '1.4' }));
    await h.publishAll();
    const second = await h.createJob(h.request({ label: '1.5' }));
    await h.publishAll();

    const a = await h.job(first.id);
    const b = await h.job(second.id);
    expect(a.state).toBe('published');
    expect(b.state, b.reason).toBe('published');
    expect(b.data.versionExisted).toBe(true);
    expect(b.data.changeSetId).toBeUndefined();
    expect(h.sim.state().changeSets).toHaveLength(1);
    expect(h.sim.state().products[0]!.versions).toEqual([
      expect.objectContaining({ title: '41', amiId: a.data.mirroredAmis['us-east-1'] }),
    ]);
  });

  it('at the same time: the second never claims the change set of the first as its own', async () => {
    h = await makeHarness({ configure: sameTitle });
    const first = await h.createJob(h.request({ label: '1.4' }));
    const second = await h.createJob(h.request({ label: '1.5' }));
    await h.publishAll();

    const jobs = [await h.job(first.id), await h.job(second.id)];
    const creator = jobs.find((j) => j.data.createsProduct)!;
    const other = jobs.find((j) => j !== creator)!;
    expect(creator.state).toBe('published');
    expect(other.state, other.reason).toBe('published');
    expect(other.data.versionExisted).toBe(true);
    expect(other.data.changeSetId).toBeUndefined();
    const versions = h.sim.state().products[0]!.versions;
    expect(versions).toEqual([
      expect.objectContaining({ title: '41', amiId: creator.data.mirroredAmis['us-east-1'] }),
    ]);
  });
});

describe('SERVER_FAULT', () => {
  it('submits again under a new name and token, and publishes', async () => {
    h = await makeHarness({
      configure: (c) => {
        c.cloud!.sim!.faults!.changeSetServerFaultRate = 0.5;
        // With this seed the first set draws a fault and the second does not.
        c.cloud!.sim!.faults!.seed = 8;
      },
    });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');

    const sets = h.sim.state().changeSets;
    expect(sets).toHaveLength(2);
    // A product-creating set keeps its per-product name (concurrent jobs look for it); the token is new.
    expect(new Set(sets.map((cs) => cs.id)).size).toBe(2);
    expect(sets.map((cs) => cs.name)).toEqual(
      Array(2).fill('fedora-marketplace create Cloud_Base 41 x86_64'),
    );
    expect(sets.slice(0, -1).every((cs) => cs.status === 'FAILED' && cs.failureCode === 'SERVER_FAULT')).toBe(
      true,
    );
    expect(sets.at(-1)!.status).toBe('SUCCEEDED');
    expect(job.data.submitAttempt).toBe(sets.length);
    expect(job.data.changeSetId).toBe(sets.at(-1)!.id);
    const notes = (await h.store.events(job.id)).map((e) => e.message);
    expect(notes.some((m) => m.includes('failed with SERVER_FAULT; submitting again (attempt 2)'))).toBe(
      true,
    );
  });

  it('fails after the last attempt, naming the failure code', async () => {
    h = await makeHarness({ configure: (c) => void (c.cloud!.sim!.faults!.changeSetServerFaultRate = 1) });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state).toBe('failed');
    expect(job.data.failedStage).toBe('await');
    expect(job.reason).toMatch(/FAILED with SERVER_FAULT/);
    expect(h.sim.state().changeSets).toHaveLength(maxSubmitAttempts);
  });
});

describe('CLIENT_ERROR', () => {
  it('is final and keeps the error details', async () => {
    // The simulated Marketplace accepts the sandbox's ingestion role only; this job names another one.
    const world = await makeHarness();
    h = await makeHarness({
      configure: (c) =>
        void (c.partitions!.aws!.marketplace!.accessRoleArn = 'arn:aws:iam::111122223333:role/SomethingElse'),
      sim: world.sim,
      clock: world.clock,
      store: world.store,
      dir: world.dir,
    });
    try {
      const created = await h.createJob(h.request());
      await h.publishAll();
      const job = await h.job(created.id);
      expect(job.state).toBe('failed');
      expect(job.data.failedStage).toBe('await');
      expect(job.reason).toMatch(/FAILED with CLIENT_ERROR/);
      expect(job.data.changeSetErrors?.length).toBeGreaterThan(0);
      expect(job.data.changeSetErrors?.map((e) => e.message).join('\n')).toMatch(
        /^AddDeliveryOptions: .*SomethingElse/m,
      );
      expect(h.sim.state().changeSets).toHaveLength(1);
    } finally {
      await world.close();
    }
  });
});

describe('listing validation', () => {
  it('fails at describe, naming the field, before any change set exists', async () => {
    h = await makeHarness({ configure: (c) => void (c.products!.Cloud_Base!.title = 'T'.repeat(100)) });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state).toBe('failed');
    expect(job.data.failedStage).toBe('describe');
    expect(job.reason).toMatch(/ProductTitle/);
    expect(job.reason).toContain('nothing was submitted');
    expect(h.sim.callCounts()['aws-marketplace:StartChangeSet'] ?? 0).toBe(0);
    expect(h.sim.state().changeSets).toEqual([]);
  });
});
