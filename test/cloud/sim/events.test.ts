/** The simulated AWS sends the events AWS documents, in EventBridge's envelope, best effort. */
import { describe, expect, it } from 'vitest';
import { readAwsEvent } from '../../../src/cloud/aws-events.js';
import { fedora, internal, makeSim, simConfig } from './sim-fixture.js';

async function copyOnce(dropRate: number) {
  const { cloud, clock } = makeSim({ sim: simConfig({ faults: { eventDropRate: dropRate } }) });
  const source = cloud.seedImage({
    region: 'us-east-1',
    name: 'Fedora-41',
    architecture: 'x86_64',
    ownerId: fedora,
  });
  const ec2 = cloud.clients('aws').ec2;
  const { imageId } = await ec2.copyImage({
    region: 'eu-west-1',
    sourceRegion: 'us-east-1',
    sourceImageId: source.imageId,
    name: 'Fedora-41-marketplace',
    clientToken: 't1',
    tags: {},
  });
  const queue = cloud.eventQueue()!;
  const startedAt = clock.now().getTime();
  expect(queue.nextEventAt?.()?.getTime()).toBe(startedAt + 1800_000);
  expect(await queue.receive(10, 0)).toEqual([]);
  clock.advance(1800_000);
  return { imageId, queue, startedAt, messages: await queue.receive(10, 0) };
}

describe('simulated AWS events', () => {
  it('sends EC2 AMI State Change when a copy becomes available, stamped with that moment', async () => {
    const { imageId, queue, startedAt, messages } = await copyOnce(0);
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message.sentAt?.getTime()).toBe(startedAt + 1800_000);
    const event = JSON.parse(message.body) as Record<string, unknown>;
    expect(Object.keys(event).sort()).toEqual(
      ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'].sort(),
    );
    expect(event).toMatchObject({
      source: 'aws.ec2',
      'detail-type': 'EC2 AMI State Change',
      account: internal,
      region: 'eu-west-1',
      resources: [`arn:aws:ec2:eu-west-1::image/${imageId}`],
      detail: { ImageId: imageId, State: 'available', ErrorMessage: '' },
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(readAwsEvent(message.body)).toMatchObject({ kind: 'wait-ended', key: `image/${imageId}` });

    // Received, not deleted: hidden for the visibility timeout, then handed out again.
    expect(await queue.receive(10, 0)).toEqual([]);
    await queue.delete([message.receiptHandle]);
    expect((await queue.check()).messages).toBe(0);
  });

  it('loses events at sim.faults.eventDropRate', async () => {
    const { messages } = await copyOnce(1);
    expect(messages).toEqual([]);
  });
});
