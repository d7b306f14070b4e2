/**
 * Ends waits early on AWS events: long-polls the event queue, reads each message defensively, makes the
 * jobs waiting for what it names due now (one store statement), and deletes the messages of a receive
 * (one batch) only after their saves committed. A message that cannot be an event we use is deleted and counted; one whose save failed
 * stays on the queue and comes back. Events are best effort, so the jobs' fallback polls stay: an event
 * only ever makes a wait shorter.
 */
import type { Logger } from 'pino';
import { readAwsEvent } from '../cloud/aws-events.js';
import type { EventQueuePort, QueuedMessage } from '../cloud/ports.js';
import { backoffDelay } from '../core/backoff.js';
import { wallSleep, type Clock } from '../core/clock.js';
import type { JobStore } from '../store/store.js';

export interface EventCounts {
  /** Messages received. */
  received: number;
  /** Events that made at least one waiting job due. */
  woke: number;
  /** Events nobody waits for (a duplicate, another tool's resource, a job already due). */
  unmatched: number;
  /** Well-formed events of a kind or state that ends no wait. */
  ignored: number;
  /** Messages that are not such an event at all; deleted, never retried. */
  malformed: number;
  /** Events whose save failed: left on the queue to come back. */
  failed: number;
}

export interface EventConsumerOptions {
  queue: EventQueuePort;
  store: JobStore;
  clock: Clock;
  logger: Logger;
  /** Called when an event made a job due (wakes the scheduler). */
  onDue: () => void;
}

/** SQS's longest long poll. */
const longPollSeconds = 20;

export class EventConsumer {
  readonly counts: EventCounts = { received: 0, woke: 0, unmatched: 0, ignored: 0, malformed: 0, failed: 0 };
  private active = false;
  private failures = 0;

  constructor(private readonly options: EventConsumerOptions) {}

  /**
   * True while events can be relied on to end waits: the consumer runs and its last receive worked.
   * Otherwise waits are polled on the plain schedule.
   */
  flowing(): boolean {
    return this.active && this.failures === 0;
  }

  /** Long-polls until `signal` aborts; a failing queue is retried with backoff (and waits poll normally). */
  async run(signal: AbortSignal): Promise<void> {
    this.active = true;
    try {
      while (!signal.aborted) {
        try {
          await this.receiveOnce(longPollSeconds, signal);
        } catch (error) {
          if (signal.aborted) break;
          const delay = backoffDelay(this.failures, { baseMs: 1000, maxMs: 60_000 });
          this.options.logger.warn(
            {
              err: error instanceof Error ? error.message : String(error),
              failures: this.failures,
              delayMs: delay,
            },
            'event queue unreachable; waits are polled on the plain schedule meanwhile',
          );
          await wallSleep(delay, signal);
        }
      }
    } finally {
      this.active = false;
    }
  }

  /** Handles everything the queue holds now, without waiting (the sandbox's virtual clock). */
  async drain(): Promise<void> {
    this.active = true;
    while ((await this.receiveOnce(0)) > 0);
  }

  /** One receive and the handling of what it returned; returns how many messages came. */
  async receiveOnce(waitSeconds: number, signal?: AbortSignal): Promise<number> {
    let messages: QueuedMessage[];
    try {
      messages = await this.options.queue.receive(10, waitSeconds, signal);
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      throw error;
    }
    this.counts.received += messages.length;
    const handled: QueuedMessage[] = [];
    for (const message of messages) if (await this.handle(message)) handled.push(message);
    // Every save of this receive is committed: its messages go in one delete (DeleteMessageBatch).
    if (handled.length > 0) {
      try {
        await this.options.queue.delete(handled.map((m) => m.receiptHandle));
      } catch (error) {
        // They come back and are handled again: waking a job twice changes nothing.
        this.options.logger.warn(
          {
            messageIds: handled.map((m) => m.messageId),
            err: error instanceof Error ? error.message : String(error),
          },
          'events handled but not deleted',
        );
      }
    }
    return messages.length;
  }

  /** Reads one message and saves what it says; false when the save failed (it must stay on the queue). */
  private async handle(message: QueuedMessage): Promise<boolean> {
    const log = this.options.logger;
    const reading = readAwsEvent(message.body);
    if (reading.kind === 'wait-ended') {
      let woken: number;
      try {
        woken = await this.options.store.wakeAwaiting(reading.key, this.options.clock.now());
      } catch (error) {
        // Not deleted: the queue hands it out again after its visibility timeout.
        this.counts.failed += 1;
        log.error(
          { messageId: message.messageId, err: error instanceof Error ? error.message : String(error) },
          'event not saved; it stays on the queue',
        );
        return false;
      }
      if (woken > 0) {
        this.counts.woke += 1;
        log.info({ messageId: message.messageId, event: reading.summary, jobs: woken }, 'event ended a wait');
        this.options.onDue();
      } else {
        this.counts.unmatched += 1;
        log.debug({ messageId: message.messageId, event: reading.summary }, 'event matched no waiting job');
      }
    } else if (reading.kind === 'ignored') {
      this.counts.ignored += 1;
    } else {
      this.counts.malformed += 1;
      log.warn({ messageId: message.messageId, reason: reading.reason }, 'not an AWS event we use; deleted');
    }
    return true;
  }
}
