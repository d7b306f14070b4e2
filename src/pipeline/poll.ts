import { defaultFallbackPollSeconds } from '../config/events-schema.js';
import type { Awaiting } from '../core/model/awaited.js';
import type { Job, JobData, JobState } from '../core/model/job.js';
import type { PipelineContext } from './context.js';
import { wait, type StepOutcome } from './outcome.js';

type PollKind = 'image' | 'changeSet' | 'review';

/**
 * When to look again: the configured poll interval at first, then a fifth of the time already waited
 * (capped at 20 intervals), so an hour-long change set costs a few dozen calls, not hundreds, and
 * finishing is noticed at most ~20% late.
 */
export function pollAt(
  ctx: Pick<PipelineContext, 'clock' | 'config'>,
  what: PollKind,
  job: Pick<Job, 'data'>,
): Date {
  const now = ctx.clock.now().getTime();
  return new Date(now + pollInterval(ctx, what, job, now));
}

function pollInterval(
  ctx: Pick<PipelineContext, 'config'>,
  what: PollKind,
  job: { data: Pick<JobData, 'stageStartedAt'> },
  now: number,
): number {
  const base = ctx.config.pipeline.pollSeconds[what] * 1000;
  const started = job.data.stageStartedAt ? Date.parse(job.data.stageStartedAt) : now;
  return Math.min(20 * base, Math.max(base, (now - started) * 0.2));
}

/**
 * A wait an AWS event can end (a copy becoming available or failed, a change set ending). While events
 * flow, the poll is only the fallback for a lost event: the later of the plain schedule and
 * `events.fallbackPollSeconds` for that kind of wait. Otherwise (no queue, or the consumer is not
 * healthy) it is pollAt.
 * What the job waits for is recorded so that the event finds it (store: wakeAwaiting).
 */
export function awaitEvent(
  ctx: Pick<PipelineContext, 'clock' | 'config' | 'events'>,
  what: PollKind,
  job: Pick<Job, 'data'>,
  awaiting: Awaiting,
  note: string,
  patch?: Partial<JobData>,
): StepOutcome {
  return wait(eventPollAt(ctx, what, job), note, { ...patch, awaiting });
}

/**
 * Moves the job on to the stage `to` that follows what this step started (a change set just started is
 * PREPARING: there is nothing to look at yet), its first look being the wait's: an event or the
 * fallback poll, as awaitEvent's.
 */
export function advanceAwaiting(
  ctx: Pick<PipelineContext, 'clock' | 'config' | 'events'>,
  what: PollKind,
  to: JobState,
  awaiting: Awaiting,
  note: string,
  patch?: Partial<JobData>,
): StepOutcome {
  // The next stage starts now: its poll schedule starts afresh.
  const until = eventPollAt(ctx, what, { data: {} });
  return { kind: 'advance', to, note, patch: { ...patch, awaiting }, until };
}

function eventPollAt(
  ctx: Pick<PipelineContext, 'clock' | 'config' | 'events'>,
  what: PollKind,
  job: { data: Pick<JobData, 'stageStartedAt'> },
): Date {
  const now = ctx.clock.now().getTime();
  let interval = pollInterval(ctx, what, job, now);
  if (ctx.events?.flowing()) {
    const fallback = (ctx.config.events?.fallbackPollSeconds ?? defaultFallbackPollSeconds)[what] * 1000;
    interval = Math.max(interval, fallback);
  }
  return new Date(now + interval);
}
