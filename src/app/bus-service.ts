/**
 * The long-running side of `listen`: a BusConsumer feeding the shared intake, a Scheduler running the
 * stored jobs in the same process, and a BusPublisher announcing every job that ends. Kept apart from
 * the command so tests can run it in-process and close its connection from the broker side.
 */
import type { Logger } from 'pino';
import { ConfigError, InternalError, UsageError, isAppError } from '../core/errors.js';
import { publishAnnouncement } from '../intake/amqp/announcement.js';
import { productKey } from '../core/model/image-request.js';
import type { BusConfig } from '../config/bus-config.js';
import { busConfigFrom } from '../config/bus-schema.js';
import { loadFedoraMessagingConfig } from '../intake/fedora-messaging-config.js';
import { describeError } from '../intake/amqp/connection.js';
import { redactUrl } from '../core/redact.js';
import { BusConsumer, type Delivery, type Verdict } from '../intake/amqp/consumer.js';
import { BusPublisher } from '../intake/amqp/publisher.js';
import { readDelivery, type Arrival } from '../intake/envelope.js';
import type { Job } from '../core/model/job.js';
import { StaleJobError } from '../store/store.js';
import { IntakeBatcher, withBatchedIntake } from './intake-batch.js';
import { openScheduler } from './event-waits.js';
import { intakeArrival, intakeRetryDelayMs, quarantine, type IntakeOutcome } from './message-intake.js';
import { stableQueueName } from './queue-name.js';
import type { Runtime } from './runtime.js';
import type { IntakeEventOutcome } from './telemetry.js';

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

export type IntakeCounts = Record<IntakeEventOutcome, number>;

export interface Listener {
  readonly consumer: BusConsumer;
  readonly counts: IntakeCounts;
  /** Stop consuming, let in-flight work finish (bounded), close the bus connections. The store stays open. */
  stop(): Promise<void>;
}

/**
 * The broker to consume from: a fedora-messaging TOML an operator already has (`--bus-config`), else the
 * `bus:` section of our configuration. Without a queue name, the one kept in the state directory.
 */
export function busSettings(
  runtime: Pick<Runtime, 'config' | 'stateDir'>,
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
  bus = { ...bus, queue: { ...bus.queue, name: stableQueueName(bus.queue.name, runtime.stateDir) } };
  return { bus, ...(clientProperties ? { clientProperties } : {}) };
}

/**
 * listen acknowledges every message it takes in, so on the simulated cloud real announcements would be
 * used up without anything being published. The simulation must therefore be chosen on purpose: by
 * `cloud.adapter: sim` in the configuration file, or by `--sandbox`.
 */
export function checkListenCloud(runtime: Pick<Runtime, 'sim' | 'adapterExplicit'>, sandbox: boolean): void {
  if (sandbox && !runtime.sim) {
    throw new UsageError(
      '--sandbox asks for the simulated cloud, but the configuration says cloud.adapter: aws',
      {
        field: '--sandbox',
        hint: 'drop --sandbox to publish for real, or use a configuration with cloud.adapter: sim',
      },
    );
  }
  if (runtime.sim && !runtime.adapterExplicit && !sandbox) {
    throw new ConfigError(
      'listen refuses to consume the message bus against the simulated cloud by default',
      [
        {
          field: 'cloud.adapter',
          value: '(not set: the simulated cloud is the default)',
          rule: 'listen acknowledges every message it takes; on the simulation those messages would be used up and nothing would reach AWS',
          hint: 'set cloud.adapter: aws in a configuration file (see examples/fedora.yaml) to publish for real; to run listen on the simulation on purpose, pass --sandbox or set cloud.adapter: sim',
        },
      ],
    );
  }
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
  const count = (outcome: IntakeEventOutcome) => {
    counts[outcome] += 1;
    runtime.telemetry.emit('intake', outcome);
  };
  const pipeline = options.intakeOnly ? undefined : await openScheduler(runtime);
  const scheduler = pipeline?.scheduler;

  const publisher = options.announce
    ? new BusPublisher({
        config: options.bus,
        ...(options.connectionName ? { connectionName: `${options.connectionName}-announcer` } : {}),
      })
    : undefined;
  if (publisher) {
    const announce = async (job: Job) => {
      const status = job.state === 'published' ? 'published' : 'failed';
      // The job is already stored as terminal: a failed announcement is logged, never undoes it.
      let receipt: Awaited<ReturnType<typeof publishAnnouncement>>;
      try {
        const product = await runtime.store.getProduct(productKey(job.request));
        receipt = await publishAnnouncement(publisher, { ...job, ...(product ? { product } : {}) });
      } catch (error) {
        runtime.telemetry.emit('announcement', { status, outcome: 'failed' });
        log.error({ jobId: job.id, err: describeError(error) }, 'announcement failed');
        return;
      }
      runtime.telemetry.emit('announcement', { status, outcome: 'sent' });
      log.info(
        { jobId: job.id, state: job.state, topic: receipt.routingKey, messageId: receipt.messageId },
        'announced',
      );
      try {
        await markAnnounced(runtime, job, receipt.routingKey);
      } catch (error) {
        log.error({ jobId: job.id, err: describeError(error) }, 'announcement sent but not recorded');
      }
    };
    runtime.ctx.onTerminal = announce;
    // A job that ended just before a crash or a broker outage was stored but never announced.
    for (const job of await runtime.store.listJobs({ states: ['published', 'failed'] })) {
      if (job.request.origin.kind === 'bus' && !job.data.announcedAt) await announce(job);
    }
  }

  // The intake commits each prefetch window's decisions together (see intake-batch.ts); the pipeline
  // keeps the plain store.
  const intake: Runtime = {
    ...runtime,
    store: withBatchedIntake(runtime.store, new IntakeBatcher(runtime.store, options.bus.prefetch)),
  };

  // Attempts per input that could not be decided (AWS unreachable, the store failing), for the bound.
  const attempts = new Map<string, number>();
  const bound = runtime.config.pipeline.retry.maxAttempts;

  const handler = async (delivery: Delivery): Promise<Verdict> => {
    const arrival = readDelivery({
      topic: delivery.topic,
      headers: delivery.headers,
      id: delivery.id,
      body: delivery.raw,
    });
    const key = delivery.id ?? arrival.raw.digest;
    const attempt = (attempts.get(key) ?? 0) + 1;
    let outcome: IntakeOutcome;
    try {
      outcome = await intakeArrival(intake, arrival, {
        source: 'bus',
        attempt,
        // A delivery the broker never handed out before needs no look in the intake log.
        redelivered: delivery.redelivered,
        ...(options.includePrerelease ? { includePrerelease: true } : {}),
      });
    } catch (error) {
      // Not a verdict on the message (the store failed, a bug): retried, but not forever.
      if (attempt < bound) {
        attempts.set(key, attempt);
        throw error;
      }
      outcome = await giveUp(intake, arrival, error, attempt);
    }
    if (outcome.kind === 'deferred') {
      attempts.set(key, attempt);
      log.warn(
        { messageId: delivery.id, topic: delivery.topic, attempt, err: outcome.error.describe() },
        'AWS unreachable; message requeued',
      );
      count('requeued');
      return { requeueAfterMs: intakeRetryDelayMs(runtime.config, attempt) };
    }
    attempts.delete(key);
    count(outcome.kind);
    const level = outcome.kind === 'rejected' ? 'warn' : 'info';
    // Built only when it is logged: a rejection's description is a long string.
    if (log.isLevelEnabled(level)) log[level](intakeLogFields(delivery, outcome), 'intake');
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
    count('requeued');
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
      await pipeline?.stop();
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

/** The log record of one decided delivery. */
function intakeLogFields(
  delivery: Delivery,
  outcome: Exclude<IntakeOutcome, { kind: 'deferred' }>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    messageId: delivery.id,
    topic: delivery.topic,
    outcome: outcome.kind,
  };
  if (outcome.kind === 'accepted' || outcome.kind === 'duplicate') fields.jobId = outcome.job.id;
  if (outcome.kind === 'skipped') fields.reason = outcome.view.reason;
  if (outcome.kind === 'rejected') fields.reason = outcome.error.describe();
  return fields;
}

/** The bound is reached: the input goes to the quarantine with the last error, so it is not lost. */
async function giveUp(
  runtime: Runtime,
  arrival: Arrival,
  error: unknown,
  attempts: number,
): Promise<IntakeOutcome> {
  const reason = isAppError(error)
    ? error.describe()
    : error instanceof Error
      ? error.message
      : String(error);
  const gaveUp = new InternalError(`could not take the message in after ${attempts} attempts: ${reason}`, {
    rule: 'a message that cannot be decided is retried up to pipeline.retry.maxAttempts times',
    hint: 'fix the cause (see the log), then feed the quarantined message again with replay',
  });
  await quarantine(runtime, 'bus', gaveUp, arrival.raw);
  return { kind: 'rejected', error: gaveUp };
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
