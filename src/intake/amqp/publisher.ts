import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { ConfigError, InternalError } from '../../core/errors.js';
import type { BusConfig } from '../../config/bus-config.js';
import { defaultBackoff, ensureTopicExchange, openConnection } from './connection.js';
import { backoffDelay, type BackoffPolicy } from '../../core/backoff.js';

/** fedora-messaging severities (Python logging levels). */
export const Severity = { debug: 10, info: 20, warning: 30, error: 40 } as const;
export type SeverityLevel = (typeof Severity)[keyof typeof Severity];

export interface OutgoingMessage {
  /** Topic without the prefix, e.g. `fedora_marketplace.version.published.v1`. */
  topic: string;
  body: unknown;
  /** fedora-messaging schema name (`fedora_messaging_schema` header); defaults to the topic. */
  schema?: string;
  severity?: SeverityLevel;
  /** Reuse an id when re-sending the same logical message, so consumers can deduplicate. */
  messageId?: string;
}

export interface PublishReceipt {
  messageId: string;
  routingKey: string;
  sentAt: string;
}

export interface BusPublisherOptions {
  config: Pick<BusConfig, 'url' | 'tls' | 'topicPrefix' | 'publishExchange'>;
  connectionName?: string;
  /** More client properties for the broker's connection list (fedora-messaging's `client_properties`). */
  clientProperties?: Record<string, unknown>;
  backoff?: BackoffPolicy;
  /** Connection or confirm failures tolerated per publish before it rejects. */
  maxAttempts?: number;
  clock?: Clock;
  random?: () => number;
}

interface Session {
  connection: ChannelModel;
  channel: ConfirmChannel;
  lost: boolean;
}

/** `2024-09-11T12:34:56+00:00`: ISO 8601 with an offset and whole seconds, as fedora-messaging writes it. */
export function formatSentAt(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/**
 * Publishes fedora-messaging messages and resolves only once the broker confirmed them. A lost
 * connection is reopened with backoff and the message re-sent under the same id.
 */
export class BusPublisher {
  private readonly options: BusPublisherOptions;
  private readonly clock: Clock;
  private readonly connectionName: string;
  private session: Promise<Session> | undefined;
  private closed = false;

  constructor(options: BusPublisherOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.connectionName = options.connectionName ?? `fedora-marketplace-publisher-${randomUUID()}`;
  }

  async publish(message: OutgoingMessage): Promise<PublishReceipt> {
    if (this.closed)
      throw new InternalError('BusPublisher.publish() after close()', {
        rule: 'publish before closing the publisher',
      });
    const { topicPrefix, publishExchange } = this.options.config;
    const routingKey = topicPrefix ? `${topicPrefix}.${message.topic}` : message.topic;
    const messageId = message.messageId ?? randomUUID();
    const sentAt = formatSentAt(this.clock.now());
    const content = Buffer.from(JSON.stringify(message.body), 'utf8');
    const properties = {
      messageId,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
      headers: {
        fedora_messaging_schema: message.schema ?? message.topic,
        fedora_messaging_severity: message.severity ?? Severity.info,
        'sent-at': sentAt,
        priority: 0,
      },
    };
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      let session: Session | undefined;
      try {
        session = await this.open();
        const { channel } = session;
        await new Promise<void>((resolve, reject) => {
          channel.publish(publishExchange, routingKey, content, properties, (error) =>
            error ? reject(error) : resolve(),
          );
        });
        return { messageId, routingKey, sentAt };
      } catch (error) {
        if (error instanceof ConfigError || attempt >= maxAttempts) throw error;
        // A nack or a confirm lost with the channel: start from a fresh session.
        if (session) session.lost = true;
        await this.clock.sleep(
          backoffDelay(attempt, this.options.backoff ?? defaultBackoff, this.options.random),
        );
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }

  /** The current session, reconnecting when it is gone; concurrent callers share one reconnect. */
  private async open(): Promise<Session> {
    for (;;) {
      const pending = this.session;
      if (!pending) {
        this.session = this.connect();
        return this.session;
      }
      const session = await pending.catch(() => undefined);
      if (session && !session.lost) return session;
      if (this.session === pending) {
        this.session = undefined;
        if (session) await closeSession(session);
      }
    }
  }

  private async connect(): Promise<Session> {
    const connection = await openConnection(
      this.options.config,
      this.connectionName,
      this.options.clientProperties,
    );
    try {
      connection.on('error', () => {});
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => {});
      const session: Session = { connection, channel, lost: false };
      const markLost = (): void => {
        session.lost = true;
      };
      connection.once('close', markLost);
      channel.once('close', markLost);
      await ensureTopicExchange(channel, this.options.config.publishExchange);
      return session;
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  private async drop(): Promise<void> {
    const pending = this.session;
    this.session = undefined;
    const session = pending ? await pending.catch(() => undefined) : undefined;
    if (session) await closeSession(session);
  }
}

async function closeSession(session: Session): Promise<void> {
  await session.channel.close().catch(() => {});
  await session.connection.close().catch(() => {});
}
