/**
 * The AWS event consumer beside a Scheduler (publish, resume, listen): it ends the scheduler's waits when
 * the queue says a copy or a change set finished. On real time it long-polls the queue and wakes the
 * scheduler; in the sandbox's virtual time the scheduler itself stops its clock at each simulated event
 * and lets the consumer handle it first, so a run is as deterministic as without events.
 */
import { EventConsumer } from '../pipeline/event-consumer.js';
import { Scheduler, type SchedulerOptions } from '../pipeline/scheduler.js';
import type { Runtime } from './runtime.js';

export interface EventWaits {
  consumer: EventConsumer;
  /** What the scheduler needs to know of the events (sandbox: when the next one comes). */
  schedulerOptions: Pick<SchedulerOptions, 'events'>;
  /** Starts consuming; `scheduler` is woken whenever an event makes a job due. */
  start(scheduler: Scheduler): Promise<void>;
  /** Stops consuming; waits go back to the plain poll schedule. */
  stop(): Promise<void>;
}

/** Undefined when no event queue is configured (cloud: no `events:` section; sandbox: `sim.events: false`). */
export function openEventWaits(
  runtime: Pick<Runtime, 'cloud' | 'store' | 'clock' | 'logger' | 'ctx' | 'virtualClock'>,
): EventWaits | undefined {
  const queue = runtime.cloud.eventQueue?.();
  if (!queue) return undefined;
  let wake = () => {};
  const consumer = new EventConsumer({
    queue,
    store: runtime.store,
    clock: runtime.clock,
    logger: runtime.logger.child({ component: 'events' }),
    onDue: () => wake(),
  });
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  const virtual = runtime.virtualClock !== undefined && queue.nextEventAt !== undefined;
  return {
    consumer,
    schedulerOptions: virtual
      ? { events: { nextEventAt: () => queue.nextEventAt?.(), drain: () => consumer.drain() } }
      : {},
    async start(scheduler) {
      wake = () => scheduler.wake();
      runtime.ctx.events = consumer;
      if (virtual) await consumer.drain();
      else running = consumer.run(abort.signal);
    },
    async stop() {
      abort.abort();
      await running;
      delete runtime.ctx.events;
    },
  };
}

export interface RunningScheduler {
  scheduler: Scheduler;
  /** Stops the event consumer beside the scheduler (the scheduler itself ends with its settle). */
  stop(): Promise<void>;
}

/**
 * A Scheduler on the runtime's (virtual) clock with the event consumer started beside it, when an event
 * queue is configured: what publish, resume, listen and the bench each run.
 */
export async function openScheduler(
  runtime: Pick<Runtime, 'cloud' | 'store' | 'clock' | 'logger' | 'ctx' | 'virtualClock'>,
  options: Pick<SchedulerOptions, 'onStep'> = {},
): Promise<RunningScheduler> {
  const events = openEventWaits(runtime);
  const scheduler = new Scheduler(runtime.ctx, {
    ...(runtime.virtualClock ? { virtualClock: runtime.virtualClock } : {}),
    ...options,
    ...events?.schedulerOptions,
  });
  await events?.start(scheduler);
  return { scheduler, stop: async () => events?.stop() };
}
