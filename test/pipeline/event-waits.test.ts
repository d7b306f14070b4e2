/**
 * AWS events end waits (the simulated cloud sends them as AWS does): a copy or a change set that ends is
 * acted on when the event comes, a lost event is caught by the fallback poll, and hostile or repeated
 * messages change nothing and never stop the consumer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { EventQueuePort, QueuedMessage } from '../../src/cloud/ports.js';
import type { Job, JobEvent } from '../../src/core/model/job.js';
import { EventConsumer } from '../../src/pipeline/event-consumer.js';
import type { JobStore } from '../../src/store/store.js';
import { makeHarness, type Harness, type HarnessOptions } from './harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function harness(configure?: HarnessOptions['configure']): Promise<Harness> {
  const h = await makeHarness(configure ? { configure } : {});
  harnesses.push(h);
  return h;
}

/** When the job's mirror stage started the copy, and when it moved on. */
function mirrorTimes(events: JobEvent[]): { copied: number; advanced: number } {
  const copied = events.find((e) => e.stage === 'mirror' && e.message.includes('copy started'));
  const advanced = events.find((e) => e.stage === 'mirror' && e.kind === 'advanced');
  if (!copied || !advanced) throw new Error('the job never mirrored');
  return { copied: copied.at.getTime(), advanced: advanced.at.getTime() };
}

const copySeconds = 1900;
const withCopyTime = (drop: number) => (input: Parameters<NonNullable<HarnessOptions['configure']>>[0]) => {
  input.cloud!.sim!.latency!.copyImageSeconds = copySeconds;
  input.cloud!.sim!.faults!.eventDropRate = drop;
};

describe('event-driven waits in the sandbox', () => {
  it('move a job on the moment the copy and the change sets end, with fewer looks than polling', async () => {
    const polled = await harness(withCopyTime(0));
    const plain = await polled.createJob(polled.request());
    await polled.publishAll();
    const evented = await harness(withCopyTime(0));
    const job = await evented.createJob(evented.request());
    const { jobs, events } = await evented.publishWithEvents();

    expect(jobs.map((j) => j.state)).toEqual(['published']);
    const withEvents = mirrorTimes(await evented.store.events(job.id));
    expect(withEvents.advanced - withEvents.copied).toBe(copySeconds * 1000);
    const withPolls = mirrorTimes(await polled.store.events(plain.id));
    expect(withPolls.advanced - withPolls.copied).toBeGreaterThan(copySeconds * 1000);
    expect(events.woke).toBeGreaterThanOrEqual(3); // the copy, the version's (and release's) set, Public
    const looks = (h: Harness) =>
      (h.sim.callCounts()['ec2:DescribeImages'] ?? 0) +
      (h.sim.callCounts()['aws-marketplace:DescribeChangeSet'] ?? 0);
    expect(looks(evented)).toBeLessThan(looks(polled));
  });

  it('catches a lost event with the fallback poll: the job is never stuck', async () => {
    const h = await harness(withCopyTime(1));
    const job = await h.createJob(h.request());
    const { jobs, events } = await h.publishWithEvents();

    expect(jobs.map((j) => j.state)).toEqual(['published']);
    expect(events.received).toBe(0);
    // Looks every fallback interval (600 s) while events flow: the copy ended at 1900 s, seen at 2400 s.
    const { copied, advanced } = mirrorTimes(await h.store.events(job.id));
    expect(advanced - copied).toBe(2400 * 1000);
  });
});

/** An in-memory queue: messages stay until deleted, and come back on every receive until then. */
class MemoryQueue implements EventQueuePort {
  readonly messages = new Map<string, string>();
  /** The receipt handles of each delete call. */
  readonly deletes: string[][] = [];
  private seq = 0;
  add(body: string): void {
    this.messages.set(`m${++this.seq}`, body);
  }
  async receive(max: number): Promise<QueuedMessage[]> {
    return [...this.messages].slice(0, max).map(([id, body]) => ({ messageId: id, receiptHandle: id, body }));
  }
  async delete(receiptHandles: string[]): Promise<void> {
    this.deletes.push(receiptHandles);
    for (const handle of receiptHandles) this.messages.delete(handle);
  }
  async check() {
    return { queueArn: 'arn:aws:sqs:us-east-1:111122223333:events', messages: this.messages.size };
  }
}

const changeSetEvent = (id: unknown, type = 'Change Set Succeeded') =>
  JSON.stringify({
    version: '0',
    id: 'e1',
    'detail-type': type,
    source: 'aws.marketplacecatalog',
    account: '111122223333',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { ChangeSetId: id, Catalog: 'AWSMarketplace' },
  });

describe('the event consumer', () => {
  async function waitingOn(h: Harness, changeSetId: string): Promise<Job> {
    const created = await h.createJob(h.request());
    return h.store.saveJob({
      ...created,
      state: 'await',
      nextRunAt: new Date(h.clock.now().getTime() + 3_600_000),
      data: { ...created.data, changeSetId, awaiting: { changeSets: [changeSetId] } },
    });
  }

  function consumer(h: Harness, queue: EventQueuePort, store: JobStore = h.store) {
    let woken = 0;
    const c = new EventConsumer({
      queue,
      store,
      clock: h.clock,
      logger: pino({ level: 'silent' }),
      onDue: () => void (woken += 1),
    });
    return { c, woken: () => woken };
  }

  it('deletes and counts hostile messages, and an unknown or repeated event changes nothing', async () => {
    const h = await harness();
    const job = await waitingOn(h, 'cs-wanted');
    const queue = new MemoryQueue();
    for (const body of [
      '',
      'not json',
      '[1,2]',
      '{"source":"aws.ec2"}',
      JSON.stringify({
        source: 'aws.ec2',
        'detail-type': 'EC2 AMI State Change',
        detail: { ImageId: "ami-'; drop table jobs; --", State: 'available' },
      }),
      changeSetEvent({ $gt: '' }),
      'x'.repeat(300_000),
    ])
      queue.add(body);
    queue.add(changeSetEvent('cs-nobody-waits-for'));
    const { c, woken } = consumer(h, queue);
    await c.drain();

    expect(queue.messages.size).toBe(0);
    // The messages of one receive go in one delete (DeleteMessageBatch), after their saves.
    expect(queue.deletes.map((handles) => handles.length)).toEqual([8]);
    expect(c.counts).toMatchObject({ received: 8, malformed: 7, unmatched: 1, woke: 0, failed: 0 });
    expect(await h.store.getJob(job.id)).toEqual(job);
    expect(woken()).toBe(0);

    queue.add(changeSetEvent('cs-wanted', 'Change Set Failed'));
    await c.drain();
    const due = await h.store.getJob(job.id);
    expect(due?.nextRunAt).toEqual(h.clock.now());
    expect(woken()).toBe(1);
    queue.add(changeSetEvent('cs-wanted', 'Change Set Failed'));
    await c.drain();
    expect(await h.store.getJob(job.id)).toEqual(due);
    expect(c.counts).toMatchObject({ woke: 1, unmatched: 2 });
  });

  it('deletes a message only after its save: a failing store leaves it on the queue', async () => {
    const h = await harness();
    const job = await waitingOn(h, 'cs-kept');
    const queue = new MemoryQueue();
    queue.add(changeSetEvent('cs-kept'));
    queue.add('not json');
    const failing = new Proxy(h.store, {
      get(target, property, receiver) {
        if (property === 'wakeAwaiting') return () => Promise.reject(new Error('database is locked'));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const down = consumer(h, queue, failing);
    await down.c.receiveOnce(0);
    expect(down.c.counts).toMatchObject({ received: 2, failed: 1, malformed: 1 });
    // The malformed message is deleted; the event whose save failed is not.
    expect(queue.deletes).toEqual([['m2']]);
    expect([...queue.messages.keys()]).toEqual(['m1']);
    expect((await h.store.getJob(job.id))?.nextRunAt).toEqual(job.nextRunAt);

    const up = consumer(h, queue);
    await up.c.drain();
    expect(queue.messages.size).toBe(0);
    expect((await h.store.getJob(job.id))?.nextRunAt).toEqual(h.clock.now());
  });

  it('is not flowing until it runs, nor after a receive failed', async () => {
    const h = await harness();
    const broken: EventQueuePort = {
      receive: () => Promise.reject(new Error('AccessDenied')),
      delete: () => Promise.resolve(),
      check: () => Promise.reject(new Error('AccessDenied')),
    };
    const { c } = consumer(h, broken);
    expect(c.flowing()).toBe(false);
    await expect(c.drain()).rejects.toThrow('AccessDenied');
    expect(c.flowing()).toBe(false);
    const { c: working } = consumer(h, new MemoryQueue());
    await working.drain();
    expect(working.flowing()).toBe(true);
  });
});
