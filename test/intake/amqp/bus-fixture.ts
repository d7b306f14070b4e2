import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, GetMessage } from 'amqplib';
import type { BusConfig } from '../../../src/config/bus-config.js';
import { rabbitUrl } from '../../helpers/rabbit.js';

/**
 * A private exchange and queue per test, plus a plain amqplib connection to publish, inspect and
 * clean up with, so tests never see each other's messages.
 */
export class BusFixture {
  readonly config: BusConfig;
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;

  constructor() {
    const suffix = randomUUID();
    this.config = {
      url: rabbitUrl,
      exchange: `test.fm.${suffix}`,
      queue: { name: `test-q-${suffix}`, durable: true, autoDelete: false, exclusive: false, arguments: {} },
      routingKeys: ['org.test.prod.#'],
      prefetch: 10,
      topicPrefix: 'org.test.prod',
      publishExchange: `test.fm.${suffix}`,
    };
  }

  async open(): Promise<ConfirmChannel> {
    this.connection = await amqp.connect(rabbitUrl);
    this.channel = await this.connection.createConfirmChannel();
    await this.channel.assertExchange(this.config.exchange, 'topic', { durable: true });
    // Declared up front (as the consumer will) so that messages published before it starts are kept.
    const { name, durable, autoDelete, exclusive, arguments: args } = this.config.queue;
    await this.channel.assertQueue(name ?? '', { durable, autoDelete, exclusive, arguments: args });
    for (const key of this.config.routingKeys)
      await this.channel.bindQueue(name ?? '', this.config.exchange, key);
    return this.channel;
  }

  async publish(topic: string, body: string | object, messageId: string = randomUUID()): Promise<string> {
    const channel = this.channel ?? (await this.open());
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        this.config.exchange,
        topic,
        content,
        { messageId, persistent: true, headers: { fedora_messaging_severity: 20 } },
        (error) => (error ? reject(error) : resolve()),
      );
    });
    return messageId;
  }

  /** Takes the next ready message from the test queue with a plain amqplib basic.get, waiting for it. */
  async take(timeoutMs = 5_000): Promise<GetMessage> {
    const channel = this.channel ?? (await this.open());
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await channel.get(this.config.queue.name ?? '', { noAck: true });
      if (message) return message;
      if (Date.now() > deadline) throw new Error('no message arrived in the test queue');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Ready (not unacked) messages left in the test queue. */
  async readyCount(): Promise<number> {
    const channel = this.channel ?? (await this.open());
    return (await channel.checkQueue(this.config.queue.name ?? '')).messageCount;
  }

  async close(): Promise<void> {
    if (this.channel) {
      await this.channel.deleteQueue(this.config.queue.name ?? '').catch(() => {});
      await this.channel.deleteExchange(this.config.exchange).catch(() => {});
    }
    await this.connection?.close().catch(() => {});
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
