import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { BusPublisher, formatSentAt, Severity } from '../../../src/intake/amqp/publisher.js';
import { closeBrokerConnection, ensureRabbit } from '../../helpers/rabbit.js';
import { BusFixture } from './bus-fixture.js';

const uuid4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let fixtures: BusFixture[] = [];
let publishers: BusPublisher[] = [];

function setup(overrides: Partial<BusFixture['config']> = {}): {
  bus: BusFixture;
  publisher: BusPublisher;
  connectionName: string;
} {
  const bus = new BusFixture();
  Object.assign(bus.config, overrides);
  const connectionName = `fm-pub-test-${randomUUID()}`;
  const publisher = new BusPublisher({
    config: bus.config,
    connectionName,
    clock: new ManualClock(Date.UTC(2026, 2, 4, 5, 6, 7, 891)),
    backoff: { baseMs: 50, maxMs: 200 },
  });
  fixtures.push(bus);
  publishers.push(publisher);
  return { bus, publisher, connectionName };
}

beforeAll(async () => {
  await ensureRabbit();
});

afterEach(async () => {
  await Promise.all(publishers.map((p) => p.close()));
  await Promise.all(fixtures.map((f) => f.close()));
  publishers = [];
  fixtures = [];
});

describe('formatSentAt', () => {
  it('writes ISO 8601 with an offset and no fractional seconds', () => {
    expect(formatSentAt(new Date(Date.UTC(2024, 8, 11, 12, 34, 56, 789)))).toBe('2024-09-11T12:34:56+00:00');
  });
});

describe('BusPublisher', () => {
  it('publishes fedora-messaging properties and headers that a plain consumer reads back', async () => {
    const { bus, publisher } = setup();
    await bus.open();
    const receipt = await publisher.publish({
      topic: 'fedora_marketplace.version.failed.v1',
      body: { release: 41, reason: 'verify: image not found' },
      severity: Severity.error,
    });
    const message = await bus.take();
    expect(message.fields.routingKey).toBe('org.test.prod.fedora_marketplace.version.failed.v1');
    expect(receipt.routingKey).toBe(message.fields.routingKey);
    expect(JSON.parse(message.content.toString('utf8'))).toEqual({
      release: 41,
      reason: 'verify: image not found',
    });
    const p = message.properties;
    expect(p.messageId).toMatch(uuid4);
    expect(p.messageId).toBe(receipt.messageId);
    expect(p.contentType).toBe('application/json');
    expect(p.contentEncoding).toBe('utf-8');
    expect(p.deliveryMode).toBe(2);
    expect(p.priority).toBe(0);
    expect(p.headers).toEqual({
      fedora_messaging_schema: 'fedora_marketplace.version.failed.v1',
      fedora_messaging_severity: 40,
      'sent-at': '2026-03-04T05:06:07+00:00',
      priority: 0,
    });
  });

  it('publishes to amq.topic, which it checks rather than declares', async () => {
    const topicPrefix = `org.test.${randomUUID()}`;
    const { bus, publisher } = setup({ publishExchange: 'amq.topic', topicPrefix });
    const channel = await bus.open();
    await channel.bindQueue(bus.config.queue.name ?? '', 'amq.topic', `${topicPrefix}.#`);
    await publisher.publish({ topic: 'fedora_marketplace.version.published.v1', body: { ok: true } });
    const message = await bus.take();
    expect(message.fields.exchange).toBe('amq.topic');
    expect(message.fields.routingKey).toBe(`${topicPrefix}.fedora_marketplace.version.published.v1`);
    expect(message.properties.headers?.fedora_messaging_severity).toBe(20);
  });

  it('reconnects after the broker closed its connection and still gets the confirm', async () => {
    const { bus, publisher, connectionName } = setup();
    await bus.open();
    const first = await publisher.publish({
      topic: 'fedora_marketplace.version.published.v1',
      body: { n: 1 },
    });
    expect(await closeBrokerConnection(connectionName)).toBe(1);
    const second = await publisher.publish({
      topic: 'fedora_marketplace.version.published.v1',
      body: { n: 2 },
    });
    const ids = [(await bus.take()).properties.messageId, (await bus.take()).properties.messageId];
    expect(ids).toEqual([first.messageId, second.messageId]);
  });
});
