import { afterEach, describe, expect, it } from 'vitest';
import { listingPartition } from '../../src/config/partitions.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Job } from '../../src/core/model/job.js';
import { maxSubmitAttempts } from '../../src/pipeline/stages/await.js';
import { mirrorTags } from '../../src/pipeline/stages/mirror.js';
import { runStage } from '../../src/pipeline/runner.js';
import { makeHarness, runUntil, type Harness } from './harness.js';

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
    expect(world.changeSets.map((cs) => cs.status)).toEqual(Array(3).fill('SUCCEEDED'));
    // One creation (which releases the product), one version added and one request for Public.
    expect(
      changeTypes(h)
        .map((types) => types[0])
        .sort(),
    ).toEqual(['AddDeliveryOptions', 'CreateProduct', 'UpdateVisibility']);
    expect(changeTypes(h).find((types) => types[0] === 'AddDeliveryOptions')).toEqual(['AddDeliveryOptions']);
    expect(world.products).toHaveLength(1);
    expect(world.products[0]!.versions.map((v) => v.title).sort()).toEqual(['41.1.4', '41.1.5']);
    expect(later.data.productId).toBe(world.products[0]!.id);

    const notes = (await h.store.events(later.id)).map((e) => e.message);
    expect(notes.some((m) => /is being created by change set|has an open change set/.test(m))).toBe(true);
    expect(notes.some((m) => /ResourceInUse|locked/.test(m))).toBe(false);
  });
});

describe('a product locked by a change set someone else started', () => {
  it('is refused by AWS (ResourceInUseException); the job waits for that set, then adds its version', async () => {
    h = await makeHarness();
    const first = await h.createJob(h.request({ label: '1.4' }));
    await h.publishAll();
    const productId = (await h.job(first.id)).data.productId!;
    const second = await h.createJob(h.request({ label: '1.5' }));
    const submitting = await runUntil(h, second.id, 'submit');
    // Started the moment the second image is about to submit, so still running when it does.
    const catalog = h.sim.clients(listingPartition(h.config).partition).catalog;
    const outside = await catalog.startChangeSet({
      changes: [
        {
          ChangeType: 'UpdateInformation',
          Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
          DetailsDocument: { ShortDescription: 'Edited in the portal' },
        },
      ],
      changeSetName: 'portal edit',
      clientRequestToken: 'portal-edit-1',
    });

    const waiting = (await runStage(submitting, h.ctx))!.job;
    expect(waiting.state).toBe('submit');
    expect(waiting.reason).toBe(
      `product ${productId} is locked by change set ${outside.changeSetId}; waiting for it`,
    );
    expect(waiting.data.awaiting).toEqual({ changeSets: [outside.changeSetId] });

    const { jobs } = await h.publishWithEvents();
    const done = jobs.find((j) => j.id === second.id)!;
    expect(done.state, done.reason).toBe('published');
    expect(
      h.sim
        .state()
        .products[0]!.versions.map((v) => v.title)
        .sort(),
    ).toEqual(['41.1.4', '41.1.5']);
  });
});

describe('two composes with the same version title', () => {
  const sameTitle = (c: ConfigInput) => {
    c.products!.Cloud_Base!.versionTitle = '{release}';
  };

  /** The second image fails naming both images; the listing keeps the first one's AMI. */
  function expectTitleConflict(holder: Job, other: Job): void {
    expect(other.state).toBe('failed');
    expect(other.data.versionExisted).toBeUndefined();
    expect(other.data.changeSetId).toBeUndefined();
    const holderAmi = holder.data.mirroredAmis['us-east-1'] as string;
    expect(other.reason).toContain(
      `version title "41" on ${holder.data.productId} already belongs to another image`,
    );
    expect(other.reason).toContain(`${holderAmi} (mirror of ${holder.request.sourceAmi}`);
    expect(other.reason).toContain(
      `this image is ${other.data.mirroredAmis['us-east-1']} (mirror of ${other.request.sourceAmi}`,
    );
    expect(other.reason).toContain('Fix: make products.Cloud_Base.versionTitle tell the two apart');
    expect(h!.sim.state().products[0]!.versions).toEqual([
      expect.objectContaining({ title: '41', amiId: holderAmi }),
    ]);
  }

  it('one after the other: the second is a failure naming both images, and nothing is submitted', async () => {
    h = await makeHarness({ configure: sameTitle });
    const first = await h.createJob(h.request({ label: '1.4' }));
    await h.publishAll();
    const second = await h.createJob(h.request({ label: '1.5' }));
    await h.publishAll();

    const a = await h.job(first.id);
    expect(a.state).toBe('published');
    expectTitleConflict(a, await h.job(second.id));
    expect(changeTypes(h).map((types) => types[0])).toEqual(['CreateProduct', 'UpdateVisibility']);
  });

  it('at the same time: the second never claims the change set of the first as its own', async () => {
    h = await makeHarness({ configure: sameTitle });
    const first = await h.createJob(h.request({ label: '1.4' }));
    const second = await h.createJob(h.request({ label: '1.5' }));
    await h.publishAll();

    const jobs = [await h.job(first.id), await h.job(second.id)];
    const creator = jobs.find((j) => j.data.createsProduct)!;
    expect(creator.state).toBe('published');
    expectTitleConflict(
      creator,
      jobs.find((j) => j !== creator)!,
    );
  });

  it('the same image copied again (its mirror replaced) is the version that exists, not a conflict', async () => {
    h = await makeHarness({ configure: sameTitle });
    const first = await h.createJob(h.request({ label: '1.4' }));
    await h.publishAll();
    const published = await h.job(first.id);
    // The job runs again from describe with another mirror of the same Fedora source AMI.
    const { partition } = listingPartition(h.config);
    const ec2 = h.sim.clients(partition).ec2;
    const copy = await ec2.copyImage({
      region: 'us-east-1',
      sourceRegion: 'us-east-1',
      sourceImageId: published.request.sourceAmi,
      name: 'another-copy',
      clientToken: 'another-copy',
      tags: mirrorTags({ ...published, id: 'copy' }),
    });
    h.clock.advance(3600_000);
    const again = await h.store.saveJob({
      ...published,
      state: 'describe',
      data: { ...published.data, mirroredAmis: { 'us-east-1': copy.imageId } },
    });
    await h.publishAll();
    const job = await h.job(again.id);
    expect(job.state, job.reason).toBe('published');
    expect(job.data.versionExisted).toBe(true);
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

    const sets = h.sim.state().changeSets.filter((cs) => cs.changes[0]!.changeType === 'CreateProduct');
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
        void (c.partitions!.aws!.marketplace!.accessRoleArn = 'arn:aws:iam::444455556666:role/SomethingElse'),
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
