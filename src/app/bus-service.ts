/**
 * The long-running side of `listen`: a BusConsumer feeding the shared intake, a Scheduler running the
 * stored jobs in the same process, and a BusPublisher announcing every job that ends. Kept apart from
 * the command so tests can run it in-process and close its connection from the broker side.
 */
import type { Logger } from 'pino';
import { InputError, UsageError } from '../core/errors.js';
import { publishAnnouncement } from '../intake/amqp/announcement.js';
import type { BusConfig } from '../config/bus-config.js';
import { busConfigFrom } from '../config/bus-schema.js';
import { loadFedoraMessagingConfig } from '../intake/fedora-messaging-config.js';
import { describeError } from '../intake/amqp/connection.js';
import { redactUrl } from '../core/redact.js';
import { BusConsumer, type Delivery, type Verdict } from '../intake/amqp/consumer.js';
import { BusPublisher } from '../intake/amqp/publisher.js';
import { parseMessageFile, type FedoraMessage } from '../intake/envelope.js';
import type { Job } from '../core/model/job.js';
import { StaleJobError } from '../store/store.js';
import { Scheduler } from '../pipeline/scheduler.js';
import { IntakeBatcher, withBatchedIntake } from './intake-batch.js';
import { intakeMessage, quarantine, type IntakeOutcome } from './message-intake.js';
import type { Runtime } from './runtime.js';

export interface ListenerOptions {
  bus: BusConfig;
  /** Publish an announcement when each job is published or fails. */
  announce: boolean;
  includePrerelease?: boolean;
  /** Store intake decisions only; jobs wait for `resume` or a later `listen` (benchmarks, backfills). */
  intakeOnly?: boolean;
  /** Broker-visible connection name of the consumer (the announcer's gets `-announcer`). */
  connectionName?: string;
  /** How long stop() lets running handlers and pipeline steps finish. */
  stopTimeoutMs?: number;
  clientProperties?: Record<string, unknown>;
}

export type IntakeCounts = Record<IntakeOutcome['kind'] | 'requeued', number>;

export interface Listener {
  readonly consumer: BusConsumer;
  readonly counts: IntakeCounts;
  /** Stop consuming, let in-flight work finish (bounded), close the bus connections. The store stays open. */
  stop(): Promise<void>;
}

/**
 * The broker to consume from: a fedora-messaging TOML an operator already has (`--bus-config`), else the
 * `bus:` section of our configuration.
 */
export function busSettings(
  runtime: Pick<Runtime, 'config'>,
  busConfigFile: string | undefined,
): { bus: BusConfig; clientProperties?: Record<string, unknown> } {
  let bus: BusConfig;
  let clientProperties: Record<string, unknown> | undefined;
  if (busConfigFile) {
    const file = loadFedoraMessagingConfig(busConfigFile);
    bus = file;
    clientProperties = file.clientProperties;
  } else {
    bus = busConfigFrom(runtime.config.bus);
  }
  if (bus.routingKeys.length === 0) {
    throw new UsageError('the bus configuration binds no routing key', {
      field: 'bus.routingKeys',
      rule: 'must name at least one routing key',
    });
  }
  return { bus, ...(clientProperties ? { clientProperties } : {}) };
}

/** The message a delivery carries, validated like a file's (headers, object body); InputError when invalid. */
export function deliveryMessage(delivery: Delivery): FedoraMessage {
  if (delivery.decodeError !== undefined) {
    throw new InputError(`message ${delivery.id ?? '(no id)'} on ${delivery.topic}: the body is not JSON`, {
      field: 'body',
      rule: `must be valid JSON (${delivery.decodeError})`,
    });
  }
  const serialized = JSON.stringify({
    topic: delivery.topic,
    headers: delivery.headers,
    id: delivery.id ?? null,
    body: delivery.body,
  });
  const [message] = parseMessageFile(serialized, { file: `message ${delivery.id ?? '(no id)'}` });
  return message as FedoraMessage;
}

/** Records the announcement; a job changed meanwhile keeps its newer state (the flag only avoids a repeat). */
async function markAnnounced(runtime: Runtime, job: Job, topic: string): Promise<void> {
  const now = runtime.clock.now();
  try {
    await runtime.store.saveJob(
      { ...job, data: { ...job.data, announcedAt: now.toISOString() }, updatedAt: now },
      [{ at: now, stage: job.state, kind: 'note', message: `announced on ${topic}` }],
    );
  } catch (error) {
    if (!(error instanceof StaleJobError)) throw error;
  }
}

export async function startListener(runtime: Runtime, options: ListenerOptions): Promise<Listener> {
  const log: Logger = runtime.logger.child({ component: 'listen' });
  const counts: IntakeCounts = { accepted: 0, duplicate: 0, skipped: 0, rejected: 0, seen: 0, requeued: 0 };
  const scheduler = options.intakeOnly
    ? undefined
    : new Scheduler(runtime.ctx, runtime.virtualClock ? { virtualClock: runtime.virtualClock } : {});

  const publisher = options.announce
    ? new BusPublisher({
        config: options.bus,
        ...(options.connectionName ? { connectionName: `${options.connectionName}-announcer` } : {}),
      })
    : undefined;
  if (publisher) {
    const announce = async (job: Job) => {
      // The job is already stored as terminal: a failed announcement is logged, never undoes it.
      try {
        const receipt = await publishAnnouncement(publisher, job);
        log.info(
          { jobId: job.id, state: job.state, topic: receipt.routingKey, messageId: receipt.messageId },
          'announced',
        );
        await markAnnounced(runtime, job, receipt.routingKey);
      } catch (error) {
        log.error({ jobId: job.id, err: describeError(error) }, 'announcement failed');
      }
    };
    runtime.ctx.onTerminal = announce;
    // A job that ended just before a crash or a broker outage was stored but never announced.
    for (const job of await runtime.store.listJobs({ states: ['published', 'failed'] })) {
      if (job.request.origin.kind === 'bus' && !job.data.announcedAt) await announce(job);
    }
  }

  // The intake writes its records in groups (see intake-batch.ts); the pipeline keeps the plain store.
  const intake: Runtime = {
    ...runtime,
    store: withBatchedIntake(runtime.store, new IntakeBatcher(runtime.store)),
  };

  const handler = async (delivery: Delivery): Promise<Verdict> => {
    let message: FedoraMessage;
    try {
      message = deliveryMessage(delivery);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await quarantine(intake, 'bus', error, {
        payload: delivery.raw.toString('utf8'),
        topic: delivery.topic,
        ...(delivery.id ? { messageId: delivery.id } : {}),
      });
      counts.rejected += 1;
      log.warn(
        { messageId: delivery.id, topic: delivery.topic, reason: error.describe() },
        'message rejected',
      );
      return 'reject';
    }
    const outcome = await intakeMessage(intake, message, {
      source: 'bus',
      ...(options.includePrerelease ? { includePrerelease: true } : {}),
    });
    counts[outcome.kind] += 1;
    log.info(
      {
        messageId: message.id,
        topic: message.topic,
        outcome: outcome.kind,
        ...(outcome.kind === 'accepted' || outcome.kind === 'duplicate' ? { jobId: outcome.job.id } : {}),
        ...(outcome.kind === 'skipped' ? { reason: outcome.view.reason } : {}),
        ...(outcome.kind === 'rejected' ? { reason: outcome.error.describe() } : {}),
      },
      'intake',
    );
    if (outcome.kind === 'accepted') scheduler?.wake();
    return outcome.kind === 'rejected' ? 'reject' : 'ack';
  };

  const consumer = new BusConsumer({
    config: options.bus,
    handler,
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    ...(options.clientProperties ? { clientProperties: options.clientProperties } : {}),
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
    // Requeue waits use wall time even when the sandbox clock is virtual.
    requeueDelayMs: 200,
  });
  const url = redactUrl(options.bus.url);
  consumer.on('connected', ({ queue, attempt }) => log.info({ url, queue, attempt }, 'consuming'));
  consumer.on('disconnected', ({ reason }) => log.warn({ url, reason }, 'connection lost'));
  consumer.on('reconnecting', ({ attempt, delayMs, reason }) =>
    log.warn({ url, attempt, delayMs, reason }, 'reconnecting'),
  );
  consumer.on('handlerFailed', ({ id, topic, error }) => {
    counts.requeued += 1;
    log.error({ messageId: id, topic, err: describeError(error) }, 'intake failed; message requeued');
  });

  const abort = new AbortController();
  // Run what earlier runs left unfinished right away, before the first delivery.
  const running = scheduler?.settle({ forever: true, signal: abort.signal }).catch((error: unknown) => {
    log.fatal({ err: describeError(error) }, 'scheduler stopped');
    throw error;
  });
  await consumer.start();

  return {
    consumer,
    counts,
    async stop() {
      await consumer.stop();
      abort.abort();
      if (running)
        await withTimeout(
          running.catch(() => {}),
          options.stopTimeoutMs ?? 10_000,
        );
      await publisher?.close();
      delete runtime.ctx.onTerminal;
    },
  };
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
