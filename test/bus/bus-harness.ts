/**
 * What the listen tests share: official-looking messages for distinct images, a private exchange to
 * feed listen through, a queue on amq.topic that catches its announcements, and a sandbox runtime in a
 * temporary state directory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { stringify } from 'yaml';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import type { BusConfig } from '../../src/config/bus-config.js';
import { rabbitUrl } from '../helpers/rabbit.js';

export const awsTopic = 'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.41.x86_64';
const exampleFile = new URL('../../examples/messages/fedora-41-cloud-base.jsonl', import.meta.url);
const example = JSON.parse(readFileSync(exampleFile, 'utf8').split('\n')[0] as string) as {
  headers: Record<string, unknown>;
  body: { regions: Record<string, string> } & Record<string, unknown>;
};

function amiFor(seed: string): string {
  return `ami-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;
}

/**
 * The body of Fedora's announcement for image number `n`: its own compose id and AMIs. Fedora lists ~22
 * regions; a few keep the sandbox's per-region source seeding cheap when a test sends hundreds.
 */
export function officialBody(n: number, regionCount = 3): Record<string, unknown> {
  const composeId = `Fedora-41-20241027.${n}`;
  const names = ['us-east-1', ...Object.keys(example.body.regions).filter((r) => r !== 'us-east-1')].slice(
    0,
    regionCount,
  );
  const regions = Object.fromEntries(names.map((r) => [r, amiFor(`${composeId}/${r}`)]));
  return {
    ...example.body,
    compose_id: composeId,
    image_name: `Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.${n}`,
    regions,
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fm-${prefix}-`));
}

/** A private consumer exchange and queue, and a catch-all queue for announcements under a private prefix. */
export class ListenBus {
  readonly id = randomUUID();
  readonly config: BusConfig;
  readonly announcementQueue = `test-announce-${this.id}`;
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;

  constructor(prefetch = 10) {
    this.config = {
      url: rabbitUrl,
      exchange: `test.listen.${this.id}`,
      queue: {
        name: `test-listen-${this.id}`,
        durable: true,
        autoDelete: false,
        exclusive: false,
        arguments: {},
      },
      routingKeys: ['org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.#'],
      prefetch,
      topicPrefix: `test.${this.id}`,
      publishExchange: 'amq.topic',
    };
  }

  async open(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    this.connection = await amqp.connect(rabbitUrl);
    const channel = await this.connection.createConfirmChannel();
    await channel.assertExchange(this.config.exchange, 'topic', { durable: true });
    await channel.assertQueue(this.config.queue.name as string, { durable: true });
    for (const key of this.config.routingKeys)
      await channel.bindQueue(this.config.queue.name as string, this.config.exchange, key);
    await channel.assertQueue(this.announcementQueue, { durable: false, autoDelete: false });
    await channel.bindQueue(this.announcementQueue, 'amq.topic', `test.${this.id}.#`);
    this.channel = channel;
    return channel;
  }

  /** Publishes with a publisher confirm, as Fedora's publisher does. */
  async publish(body: string | object, options: { id?: string; topic?: string } = {}): Promise<string> {
    const [id] = await this.publishAll([{ body, ...options }]);
    return id as string;
  }

  /** Publishes several messages in order and waits for the broker to confirm them all. */
  async publishAll(
    messages: Array<{ body: string | object | Buffer; id?: string; topic?: string }>,
  ): Promise<string[]> {
    const channel = await this.open();
    const ids = messages.map(({ body, id = randomUUID(), topic }) => {
      const content = Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      const headers = { ...example.headers, 'sent-at': new Date().toISOString() };
      channel.publish(this.config.exchange, topic ?? awsTopic, content, {
        messageId: id,
        persistent: true,
        contentType: 'application/json',
        headers,
      });
      return id;
    });
    await channel.waitForConfirms();
    return ids;
  }

  async queueDepth(): Promise<number> {
    const channel = await this.open();
    return (await channel.checkQueue(this.config.queue.name as string)).messageCount;
  }

  /** Waits for the next announcement; returns its routing key, headers and parsed body. */
  async nextAnnouncement(
    timeoutMs = 30_000,
  ): Promise<{ routingKey: string; headers: Record<string, unknown>; body: Record<string, unknown> }> {
    const channel = await this.open();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const got = await channel.get(this.announcementQueue, { noAck: true });
      if (got) {
        return {
          routingKey: got.fields.routingKey,
          headers: (got.properties.headers ?? {}) as Record<string, unknown>,
          body: JSON.parse(got.content.toString('utf8')) as Record<string, unknown>,
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no announcement on ${this.announcementQueue} within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    if (this.channel) {
      await this.channel.deleteQueue(this.config.queue.name as string).catch(() => {});
      await this.channel.deleteQueue(this.announcementQueue).catch(() => {});
      await this.channel.deleteExchange(this.config.exchange).catch(() => {});
    }
    await this.connection?.close().catch(() => {});
  }

  /** A YAML configuration: the embedded sandbox, a `bus:` section pointing at this bus, HTTP on any port. */
  writeConfig(dir: string, sim: Record<string, unknown> = {}): string {
    const file = join(dir, 'config.yaml');
    const bus = {
      url: this.config.url,
      exchange: this.config.exchange,
      queue: { name: this.config.queue.name },
      routingKeys: this.config.routingKeys,
      prefetch: this.config.prefetch,
      topicPrefix: this.config.topicPrefix,
      publishExchange: this.config.publishExchange,
    };
    // Any free port: tests (and other checkouts' tests) run several listen processes at once.
    const http = { listen: '127.0.0.1:0' };
    writeFileSync(file, stringify({ ...sandboxConfig, cloud: { adapter: 'sim', sim }, bus, http }));
    return file;
  }
}

export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
