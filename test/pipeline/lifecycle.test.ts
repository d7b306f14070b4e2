/**
 * A new product's life after its first version: released from Draft to Limited, then Public after AWS's
 * review, on the simulated Marketplace that judges with AWS's rules (review time and outcome from
 * cloud.sim.marketplace.publicReview).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { productOf, productsByKey, versionInWords } from '../../src/app/job-view.js';
import { restartFailed } from '../../src/app/jobs.js';
import { stages } from '../../src/core/model/job.js';
import { makeHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const stagesOf = async (harness: Harness, jobId: string) =>
  (await harness.store.events(jobId))
    .filter((e) => e.kind === 'advanced' || e.kind === 'published')
    .map((e) => e.stage);

describe('release and visibility', () => {
  it('waits out a day-long review with a handful of stored looks, then lists the product for buyers', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');

    const events = await h.store.events(job.id);
    const looks = events.filter((e) => e.stage === 'visibility' && e.kind === 'waiting');
    expect(looks[0]?.message).toMatch(
      /^AWS Marketplace reviews the request to make product prod-\w+ Public \(change set \w+ is PREPARING\); this can take days/,
    );
    // The review takes a simulated day (cloud.sim.marketplace.publicReview.seconds): looks start every
    // 30 minutes (pipeline.pollSeconds.review) and back off, about 18 of them where a per-minute poll
    // would make 1,440.
    expect(looks.length).toBeGreaterThan(2);
    expect(looks.length).toBeLessThan(25);

    const product = productOf(await productsByKey(h.store), job);
    expect(product).toMatchObject({ visibility: 'Public', offerId: job.data.offerId });
    expect(versionInWords(job, product)).toBe(
      `version "41.1.4" is live on ${job.data.productId}, which is Public: listed for buyers`,
    );
  });

  it('stops at Limited when configuration says so, and says the version is not listed for buyers', async () => {
    h = await makeHarness({ configure: (c) => void (c.products!.Cloud_Base!.visibility = 'limited') });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');
    // The set that creates the product releases it (Draft -> Limited): no release stage, no second set.
    expect(await stagesOf(h, job.id)).toEqual(
      stages.filter((stage) => stage !== 'release' && stage !== 'visibility'),
    );
    expect(h.sim.state().changeSets.map((c) => c.changes.map((x) => x.changeType).slice(-2))).toEqual([
      ['ReleaseProduct', 'ReleaseOffer'],
    ]);
    const product = productOf(await productsByKey(h.store), job);
    expect(product?.visibility).toBe('Limited');
    expect(versionInWords(job, product)).toBe(
      `version "41.1.4" is live on ${job.data.productId}, but the product is not Public yet: Limited: released, but only the seller account and allow-listed buyers see it`,
    );
  });

  it("fails the job with AWS's reason when the review refuses Public, and asks again under a new name after resume --retry-failed", async () => {
    h = await makeHarness({
      configure: (c) =>
        void (c.cloud!.sim!.marketplace = {
          publicReview: { outcome: 'refuse', reason: 'The product logo is unreadable.' },
        }),
    });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state).toBe('failed');
    expect(job.data.failedStage).toBe('visibility');
    expect(job.reason).toMatch(
      new RegExp(
        `^visibility: AWS refused Public visibility for product ${job.data.productId}: change set \\w+ FAILED with CLIENT_ERROR: .*The product logo is unreadable\\.`,
      ),
    );
    expect(job.data.changeSetErrors?.map((e) => e.message).join(' ')).toContain(
      'UpdateVisibility: The product logo is unreadable.',
    );
    // Released, not Public: nothing calls it listed for buyers.
    expect(productOf(await productsByKey(h.store), job)?.visibility).toBe('Limited');

    await restartFailed(h);
    await h.publishAll();
    const again = await h.job(created.id);
    expect(again.state).toBe('failed');
    expect(again.data.lifecycleAttempt).toBe(2);
    expect(h.sim.state().changeSets.map((c) => c.name)).toEqual([
      'fedora-marketplace create Cloud_Base 41 x86_64',
      'fedora-marketplace public Cloud_Base 41 x86_64',
      'fedora-marketplace public Cloud_Base 41 x86_64 attempt 2',
    ]);
  });
});
