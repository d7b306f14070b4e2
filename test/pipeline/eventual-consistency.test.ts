/**
 * EC2 is eventually consistent: an image CopyImage has just returned can be InvalidAMIID.NotFound for a
 * while. The mirror stage looks for it again, each time as a persisted wait (never a sleep), and fails the
 * job only after a bounded number of looks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Cloud, Ec2Port } from '../../src/cloud/ports.js';
import { CloudError } from '../../src/core/errors.js';
import { createPipelineContext } from '../../src/pipeline/context.js';
import { Scheduler } from '../../src/pipeline/scheduler.js';
import { maxNotFoundLooks } from '../../src/pipeline/stages/mirror.js';
import { internalAccount, makeHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/**
 * The harness's simulated cloud, except that each copy stays unknown to DescribeImages-by-id for its
 * first `hiddenLooks` lookups, as EC2 answers while a new image propagates.
 */
function laggingCloud(sim: Cloud, hiddenLooks: number): { cloud: Cloud; looks: () => number } {
  const copies = new Map<string, number>();
  let looks = 0;
  const lagging = (ec2: Ec2Port): Ec2Port =>
    Object.assign(Object.create(ec2) as Ec2Port, {
      copyImage: async (request: Parameters<Ec2Port['copyImage']>[0]) => {
        const result = await ec2.copyImage(request);
        copies.set(result.imageId, 0);
        return result;
      },
      describeImages: async (region: string, query: Parameters<Ec2Port['describeImages']>[1]) => {
        const fresh = query.imageIds?.find((id) => copies.has(id));
        const seen = fresh === undefined ? 0 : (copies.get(fresh) as number);
        if (fresh !== undefined && seen < hiddenLooks) {
          copies.set(fresh, seen + 1);
          looks += 1;
          throw new CloudError({
            kind: 'not-found',
            awsCode: 'InvalidAMIID.NotFound',
            service: 'ec2',
            operation: 'DescribeImages',
            message: `The image id '[${fresh}]' does not exist`,
          });
        }
        return ec2.describeImages(region, query);
      },
    });
  const cloud = Object.assign(Object.create(sim) as Cloud, {
    clients: (partition: Parameters<Cloud['clients']>[0]) => {
      const clients = sim.clients(partition);
      return { ...clients, ec2: lagging(clients.ec2) };
    },
  });
  return { cloud, looks: () => looks };
}

async function publishThrough(harness: Harness, cloud: Cloud): Promise<void> {
  const ctx = createPipelineContext({ ...harness.ctx, cloud });
  await new Scheduler(ctx, { virtualClock: harness.clock }).settle();
}

describe('a copy EC2 does not know yet', () => {
  it('is looked for again in persisted waits, and the job is published once EC2 lists it', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    const { cloud, looks } = laggingCloud(h.sim, 3);
    await publishThrough(h, cloud);
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');
    const regions = Object.keys(job.data.mirroredAmis);
    expect(looks()).toBe(3 * regions.length);
    const waits = (await h.store.events(job.id)).filter(
      (e) => e.kind === 'waiting' && /not visible in EC2 yet/.test(e.message),
    );
    expect(waits.map((e) => e.message.match(/look (\d+) of/g))).toEqual(
      ['1', '2', '3'].map((n) => regions.map(() => `look ${n} of`)),
    );
    // One copy per region: looking again never started a second one.
    const copies = h.sim.state().images.filter((i) => i.owner === internalAccount);
    expect(copies).toHaveLength(Object.keys(job.data.mirroredAmis).length);
  });

  it('fails the job after the bound, naming the copy and the error', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await publishThrough(h, laggingCloud(h.sim, Number.POSITIVE_INFINITY).cloud);
    const job = await h.job(created.id);
    expect(job.state).toBe('failed');
    expect(job.reason).toMatch(
      new RegExp(
        `mirror: copy ami-\\w+ into [a-z0-9-]+ is still unknown to EC2 \\(InvalidAMIID\\.NotFound\\) after ${maxNotFoundLooks} looks`,
      ),
    );
  });
});
