/**
 * listen against the unlucky cases of issue 10: a message naming an AMI that does not exist is rejected
 * once (no requeue loop), AWS throttling is retried a bounded number of times and then quarantined, and a
 * service without a configured queue name finds its queue again after a restart.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { busSettings, startListener } from '../../src/app/bus-service.js';
import { queueNameFile } from '../../src/app/queue-name.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { ensureRabbit, rabbitUrl } from '../helpers/rabbit.js';
import { ListenBus, officialBody, tempDir, until } from './bus-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(async () => {
  await ensureRabbit();
});

/** A sandbox configuration with a `bus:` section for `bus` (without a queue name unless given). */
function configFor(
  bus: ListenBus,
  dir: string,
  extra: Record<string, unknown> = {},
  queueName?: string,
): string {
  const file = join(dir, 'config.yaml');
  const section = {
    url: bus.config.url,
    exchange: bus.config.exchange,
    routingKeys: bus.config.routingKeys,
    prefetch: bus.config.prefetch,
    topicPrefix: bus.config.topicPrefix,
    announce: false,
    ...(queueName ? { queue: { name: queueName } } : {}),
  };
  writeFileSync(file, stringify({ ...sandboxConfig, ...extra, bus: section }));
  return file;
}

async function openBus(): Promise<ListenBus> {
  const bus = new ListenBus();
  await bus.open();
  cleanups.push(() => bus.close());
  return bus;
}

async function runtimeFor(stateDir: string, config: string): Promise<Runtime> {
  const runtime = await openRuntime({ stateDir, config });
  runtime.logger.level = 'silent';
  return runtime;
}

/** A listener on its own bus and state directory, with `extra` configuration, closed after the test. */
async function listening(name: string, extra: Record<string, unknown>, intakeOnly = false) {
  const bus = await openBus();
  const stateDir = tempDir(name);
  const runtime = await runtimeFor(stateDir, configFor(bus, stateDir, extra, bus.config.queue.name));
  cleanups.push(() => runtime.close());
  const listener = await startListener(runtime, {
    ...busSettings(runtime, undefined),
    announce: false,
    ...(intakeOnly ? { intakeOnly } : {}),
  });
  cleanups.push(() => listener.stop());
  return { bus, runtime, listener };
}

describe('listen and a source AMI that does not exist', () => {
  it('rejects the message once, without requeue, after one look at EC2', async () => {
    const { bus, runtime, listener } = await listening('listen-missing', {
      cloud: { adapter: 'sim', sim: { seedSourceImages: false } },
    });
    const id = await bus.publish(officialBody(1));
    await until(() => listener.counts.rejected === 1, 20_000, 'the rejection');
    await until(async () => (await bus.queueDepth()) === 0, 10_000, 'an empty queue');
    // Time for a requeue loop to show, were there one.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(listener.counts).toMatchObject({ rejected: 1, requeued: 0, accepted: 0 });
    expect(runtime.sim?.callCounts()['ec2:DescribeImages']).toBe(1);
    const quarantine = await runtime.store.listIntake({ outcomes: ['rejected'] });
    expect(quarantine).toHaveLength(1);
    expect(quarantine[0]).toMatchObject({ messageId: id, source: 'bus' });
    expect(quarantine[0]?.reason).toMatch(
      new RegExp(`^message ${id}: source AMI ami-\\w+ was not found in us-east-1`),
    );
  });
});

describe('listen while AWS throttles every call', () => {
  it('requeues the message a bounded number of times, then quarantines it', async () => {
    const { bus, runtime, listener } = await listening(
      'listen-throttled',
      {
        cloud: { adapter: 'sim', sim: { faults: { throttleRate: 1 } } },
        pipeline: { retry: { maxAttempts: 3, baseDelaySeconds: 0.05, maxDelaySeconds: 1 } },
      },
      true,
    );
    const id = await bus.publish(officialBody(2));
    await until(() => listener.counts.rejected === 1, 20_000, 'the quarantine');
    await until(async () => (await bus.queueDepth()) === 0, 10_000, 'an empty queue');
    expect(listener.counts).toMatchObject({ requeued: 2, rejected: 1, accepted: 0 });
    const [record] = await runtime.store.listIntake({ outcomes: ['rejected'] });
    expect(record?.messageId).toBe(id);
    expect(record?.reason).toMatch(
      new RegExp(
        `^ec2 DescribeImages failed: RequestLimitExceeded: message ${id}: the source AMI could not be checked after 3 attempts`,
      ),
    );
    expect(record?.reason).toMatch(/Fix: the message is kept in the quarantine .* feed it again with replay/);
    expect(JSON.parse(record?.payload ?? '')).toMatchObject({ compose_id: 'Fedora-41-20241027.2' });
  });
});

describe('listen without a configured queue name', () => {
  it('keeps the UUID it made in the state directory and, after a restart, consumes what arrived meanwhile', async () => {
    const bus = await openBus();
    const stateDir = tempDir('listen-stable');
    const config = configFor(bus, stateDir);
    let runtime = await runtimeFor(stateDir, config);
    const first = busSettings(runtime, undefined);
    const queue = first.bus.queue.name;
    expect(queue).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(readFileSync(join(stateDir, queueNameFile), 'utf8').trim()).toBe(queue);
    cleanups.push(async () => {
      const connection = await amqp.connect(rabbitUrl);
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue);
      await connection.close();
    });
    let listener = await startListener(runtime, { ...first, announce: false, intakeOnly: true });
    await listener.stop();
    await runtime.close();

    // Published while the service is down.
    const id = await bus.publish(officialBody(3));

    runtime = await runtimeFor(stateDir, config);
    cleanups.push(() => runtime.close());
    const again = busSettings(runtime, undefined);
    expect(again.bus.queue.name).toBe(queue);
    listener = await startListener(runtime, { ...again, announce: false, intakeOnly: true });
    cleanups.push(() => listener.stop());
    expect(listener.consumer.queue).toBe(queue);
    await until(() => listener.counts.accepted === 1, 20_000, 'the message sent while down');
    const [job] = await runtime.store.listJobs();
    expect(job?.request.origin.messageId).toBe(id);
    expect(existsSync(join(stateDir, queueNameFile))).toBe(true);
  });
});
