import { afterEach, describe, expect, it } from 'vitest';
import { maxCopyStarts } from '../../src/pipeline/stages/mirror.js';
import { makeHarness, internalAccount, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('transient AWS errors', () => {
  /**
   * The sim throttles raw calls, with none of the AWS adapter's per-call retries, and a failing call
   * repeats its whole stage: a stage of n calls succeeds with 0.7^n. One region and a larger budget
   * keep that within reach; the seed makes the run repeatable.
   */
  it('still publishes when 30% of calls are throttled, recording each retry', async () => {
    h = await makeHarness({
      configure: (c) => {
        c.cloud!.sim!.faults!.throttleRate = 0.3;
        c.cloud!.sim!.faults!.seed = 7;
        c.partitions!.aws!.mirrorRegions = [];
        c.pipeline!.retry = { maxAttempts: 30, baseDelaySeconds: 1, maxDelaySeconds: 60 };
      },
    });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');
    const retries = (await h.store.events(job.id)).filter((e) => e.kind === 'retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]?.message).toMatch(/^retry 1 of \d+ after (RequestLimitExceeded|ThrottlingException)$/);
    // Retries never duplicate work.
    expect(h.sim.state().images.filter((i) => i.owner === internalAccount)).toHaveLength(1);
    // One creation (released with it), one request for Public.
    expect(h.sim.state().changeSets.map((cs) => cs.changes[0]!.changeType)).toEqual([
      'CreateProduct',
      'UpdateVisibility',
    ]);
  });

  it('gives up after maxAttempts and names the AWS error code', async () => {
    h = await makeHarness({
      configure: (c) => {
        c.cloud!.sim!.faults!.throttleRate = 1;
        c.pipeline!.retry = { maxAttempts: 4, baseDelaySeconds: 1, maxDelaySeconds: 10 };
      },
    });
    const created = await h.createJob(h.request());
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state).toBe('failed');
    expect(job.reason).toMatch(/^verify: gave up after 4 attempts: .*RequestLimitExceeded/);
    const events = await h.store.events(job.id);
    expect(events.filter((e) => e.kind === 'retry')).toHaveLength(3);
    expect(h.sim.callCounts()['ec2:DescribeImages']).toBe(4);
  });
});

describe('failed image copies', () => {
  it('deregisters and restarts a failed copy, then fails naming the region and the reason', async () => {
    h = await makeHarness({ configure: (c) => (c.partitions!.aws!.mirrorRegions = []) });
    const request = h.request();
    // The source id is known only once seeded; the sim reads its fault list on every copy.
    h.config.cloud.sim.faults.failCopyOf.push(request.sourceAmi);
    const created = await h.createJob(request);
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state).toBe('failed');
    expect(job.data.failedStage).toBe('mirror');
    expect(job.reason).toContain(`copy of ${request.sourceAmi} into us-east-1 failed ${maxCopyStarts} times`);
    expect(job.reason).toContain('Snapshot copy failed');
    expect(job.data.copyAttempts).toEqual({ 'us-east-1': maxCopyStarts });
    const calls = h.sim.callCounts();
    expect(calls['ec2:CopyImage']).toBe(maxCopyStarts);
    expect(calls['ec2:DeregisterImage']).toBe(maxCopyStarts - 1);
  });
});
