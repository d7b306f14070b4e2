import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ConfigError } from '../../core/errors.js';
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import type { BusConfig } from '../../config/bus-config.js';
import { defaultBackoff, describeError, ensureTopicExchange, openConnection } from './connection.js';
import { backoffDelay, type BackoffPolicy } from '../../core/backoff.js';

/** One message as the intake handler sees it, independent of amqplib. */
export interface Delivery {
  /** The routing key, which fedora-messaging uses as the topic. */
  topic: string;
  headers: Record<string, unknown>;
  /** AMQP message_id: fedora-messaging's UUID4 message id. */
  id: string | undefined;
  /** The body as delivered; intake decodes it (UTF-8, JSON, limits) like any other input. */
  raw: Buffer;
  /** True when the broker delivered this message before (to this or another consumer). */
  redelivered: boolean;
}

/**
 * 'ack' once the job is durably stored (DESIGN invariant 3); 'reject' for a message that can never
 * be accepted (it is dropped, not requeued); `requeueAfterMs` when it could not be decided now (AWS
 * unreachable): it is requeued after that delay. Throwing is the same with the default delay.
 */
export type Verdict = 'ack' | 'reject' | { requeueAfterMs: number };
type Settlement = Exclude<Verdict, object>;
export type DeliveryHandler = (delivery: Delivery) => Promise<Verdict>;

export interface ConsumerEvents {
  connected: [info: { queue: string; attempt: number }];
  disconnected: [info: { reason: string }];
  reconnecting: [info: { attempt: number; delayMs: number; reason: string }];
  /** A handler threw; the message was (or will be) requeued. */
  handlerFailed: [info: { id: string | undefined; topic: string; error: unknown }];
}

export interface BusConsumerOptions {
  config: BusConfig;
  handler: DeliveryHandler;
  /** Shown by the broker for this connection; unique names let operators find one consumer. */
  connectionName?: string;
  /** More client properties for the broker's connection list (fedora-messaging's `client_properties`). */
  clientProperties?: Record<string, unknown>;
  backoff?: BackoffPolicy;
  /** Wait before requeueing a message whose handler threw, so a poison message does not spin. */
  requeueDelayMs?: number;
  /** How long `stop()` waits for running handlers. */
  stopTimeoutMs?: number;
  clock?: Clock;
  random?: () => number;
}

interface Session {
  connection: ChannelModel;
  channel: Channel;
  consumerTag: string;
  /** Settles once the connection or channel is gone, with the reason. */
  lost: Promise<string>;
  /** Deliveries not yet acked or nacked, by delivery tag (ascending: the broker numbers them in order). */
  unsettled: Map<number, ConsumeMessage>;
  /** Verdicts ('ack' or 'reject') of handlers that finished, sent together at the next turn of the loop. */
  settled: Map<number, Settlement>;
}

/**
 * Consumes fedora-messaging deliveries with at-least-once semantics: a delivery is acked only after
 * its handler resolved 'ack'; anything in flight when the connection drops stays unacked, so the
 * broker redelivers it and the handler side deduplicates by message id.
 */
export class BusConsumer extends EventEmitter<ConsumerEvents> {
  private readonly options: BusConsumerOptions;
  private readonly clock: Clock;
  private readonly queueName: string;
  private readonly connectionName: string;
  private session: Session | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: () => void = () => {};
  private readonly woken: Promise<void>;

  constructor(options: BusConsumerOptions) {
    super();
    this.options = options;
    this.clock = options.clock ?? systemClock;
    if (!options.config.queue.name) {
      throw new ConfigError('the bus consumer needs a queue name', [
        {
          field: 'bus.queue.name',
          rule: 'must be set (listen derives one and keeps it in the state directory)',
        },
      ]);
    }
    this.queueName = options.config.queue.name;
    this.connectionName = options.connectionName ?? `fedora-marketplace-consumer-${randomUUID()}`;
    this.woken = new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** The queue this consumer reads. */
  get queue(): string {
    return this.queueName;
  }

  get connected(): boolean {
    return this.session !== undefined;
  }

  /**
   * Connects and starts consuming; resolves once the first session is up. Connection failures are
   * retried with backoff for as long as the consumer runs; configuration errors reject.
   */
  async start(): Promise<void> {
    if (this.loop)
      throw new ConfigError('BusConsumer.start() was called twice', [{ rule: 'start a consumer once' }]);
    let firstConnected!: () => void;
    let firstFailed!: (error: unknown) => void;
    const first = new Promise<void>((resolve, reject) => {
      firstConnected = resolve;
      firstFailed = reject;
    });
    this.loop = this.run(firstConnected, firstFailed);
    await first;
  }

  private async run(onFirstConnect: () => void, onFatal: (error: unknown) => void): Promise<void> {
    let attempt = 0;
    let everConnected = false;
    while (!this.stopping) {
      let reason: string;
      try {
        const session = await this.openSession();
        if (this.stopping) {
          await closeQuietly(session);
          break;
        }
        this.session = session;
        this.emit('connected', { queue: this.queueName, attempt });
        onFirstConnect();
        everConnected = true;
        attempt = 0;
        reason = await session.lost;
        this.session = undefined;
        await closeQuietly(session);
        if (this.stopping) break;
        this.emit('disconnected', { reason });
      } catch (error) {
        // A configuration error at start is final; once running, the consumer never gives up
        // (a certificate being rotated can be unreadable for a moment).
        if (error instanceof ConfigError && !everConnected) {
          this.stopping = true;
          onFatal(error);
          return;
        }
        reason = describeError(error);
      }
      attempt += 1;
      const delayMs = backoffDelay(attempt, this.options.backoff ?? defaultBackoff, this.options.random);
      this.emit('reconnecting', { attempt, delayMs, reason });
      await Promise.race([this.clock.sleep(delayMs), this.woken]);
    }
    // Stopped before the first session: let start() return instead of waiting forever.
    onFirstConnect();
  }

  private async openSession(): Promise<Session> {
    const { config } = this.options;
    const connection = await openConnection(config, this.connectionName, this.options.clientProperties);
    try {
      // Errors arrive again as 'close'; the listeners only keep them from crashing the process.
      connection.on('error', () => {});
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      const lost = new Promise<string>((resolve) => {
        connection.once('close', (error?: unknown) =>
          resolve(error ? describeError(error) : 'connection closed'),
        );
        channel.once('close', () => resolve('channel closed'));
      });
      await ensureTopicExchange(channel, config.exchange);
      const { durable, autoDelete, exclusive, arguments: args } = config.queue;
      await channel.assertQueue(this.queueName, { durable, autoDelete, exclusive, arguments: args });
      for (const key of config.routingKeys) await channel.bindQueue(this.queueName, config.exchange, key);
      await channel.prefetch(config.prefetch);
      const session: Session = {
        connection,
        channel,
        consumerTag: '',
        lost,
        unsettled: new Map(),
        settled: new Map(),
      };
      const { consumerTag } = await channel.consume(
        this.queueName,
        (message) => this.onMessage(session, message),
        {
          noAck: false,
        },
      );
      session.consumerTag = consumerTag;
      return session;
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  private onMessage(session: Session, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (e.g. the queue was deleted): start over, re-declaring it.
      void session.channel.close().catch(() => {});
      return;
    }
    session.unsettled.set(message.fields.deliveryTag, message);
    const task = this.handle(session, message);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async handle(session: Session, message: ConsumeMessage): Promise<void> {
    const delivery = toDelivery(message);
    let verdict: Verdict;
    try {
      verdict = await this.options.handler(delivery);
    } catch (error) {
      this.emit('handlerFailed', { id: delivery.id, topic: delivery.topic, error });
      verdict = { requeueAfterMs: this.options.requeueDelayMs ?? 1_000 };
    }
    if (typeof verdict === 'object') {
      await this.clock.sleep(verdict.requeueAfterMs);
      requeue(session, message);
    } else {
      if (session.settled.size === 0) setImmediate(() => sendSettlements(session));
      session.settled.set(message.fields.deliveryTag, verdict);
    }
  }

  /**
   * Graceful stop: no new deliveries, running handlers finish (up to `stopTimeoutMs`) and get their
   * ack or nack, then the channel and connection close. Deliveries still unsettled are redelivered.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    const session = this.session;
    if (session) await session.channel.cancel(session.consumerTag).catch(() => {});
    const timeoutMs = this.options.stopTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (session) {
      // The handlers that finished have their verdicts waiting for the next turn: send them now.
      sendSettlements(session);
      await closeQuietly(session);
    }
    await this.loop;
  }
}

// A delivery tag belongs to its channel: after a reconnect the old tag means nothing, and the broker has
// already requeued the message, so there is nothing left to settle. Hence the empty catches below.

/** A delivery whose handler asked for a later try goes back to the queue, alone. */
function requeue(session: Session, message: ConsumeMessage): void {
  session.unsettled.delete(message.fields.deliveryTag);
  try {
    session.channel.nack(message, false, true);
  } catch {
    // The channel closed while the handler ran; see above.
  }
}

/**
 * Sends every verdict handlers reached since the last turn, in as few frames as possible. From the
 * lowest unsettled tag up, each run of like verdicts is one `multiple` ack or nack (a committed window
 * with its rejections in between is a few frames, not one per rejection); above a gap (a delivery
 * still deciding, or waiting to be requeued) each tag is settled alone.
 */
function sendSettlements(session: Session): void {
  const { settled, unsettled, channel } = session;
  try {
    let run: { last: ConsumeMessage; verdict: Settlement } | undefined;
    for (const [tag, message] of unsettled) {
      const verdict = settled.get(tag);
      if (verdict === undefined) break;
      if (run && run.verdict !== verdict) settle(channel, run.last, run.verdict, true);
      run = { last: message, verdict };
      unsettled.delete(tag);
      settled.delete(tag);
    }
    if (run) settle(channel, run.last, run.verdict, true);
    for (const [tag, verdict] of settled) {
      const message = unsettled.get(tag);
      unsettled.delete(tag);
      if (message) settle(channel, message, verdict, false);
    }
  } catch {
    // The channel closed while the handlers ran; see above.
  }
  settled.clear();
}

/** A rejected delivery is dropped (or dead-lettered by the queue's policy), never requeued. */
function settle(channel: Channel, message: ConsumeMessage, verdict: Settlement, multiple: boolean): void {
  if (verdict === 'ack') channel.ack(message, multiple);
  else channel.nack(message, multiple, false);
}

async function closeQuietly(session: Session): Promise<void> {
  await session.channel.close().catch(() => {});
  await session.connection.close().catch(() => {});
}

export function toDelivery(message: ConsumeMessage): Delivery {
  const id = message.properties.messageId as string | undefined;
  return {
    topic: message.fields.routingKey,
    headers: { ...(message.properties.headers ?? {}) },
    id: typeof id === 'string' ? id : undefined,
    raw: message.content,
    redelivered: message.fields.redelivered,
  };
}
