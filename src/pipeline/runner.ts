import { backoffDelay } from '../core/backoff.js';
import { AppError, CloudError, StateError } from '../core/errors.js';
import { stateErrorOf } from '../core/state-errors.js';
import { StaleJobError } from '../store/store.js';
import type { PipelineContext } from './context.js';
import { isTerminal, type Job, type JobEvent, type Stage } from '../core/model/job.js';
import type { StepOutcome } from './outcome.js';
import { stageRunners } from './stages/index.js';

type NewEvent = Omit<JobEvent, 'jobId'>;

export interface StageResult {
  job: Job;
  /** What the stage did or waits for, in words (also stored as the job's event). */
  note: string;
  /** The save gave the worker's lease back: the job waits or has ended, so it is not run on now. */
  released?: boolean;
}

/**
 * Runs the job's current stage once and persists what it decided. Returns the saved job, or undefined
 * when another worker changed the job meanwhile (its result wins; ours is dropped, which is safe because
 * every mutation is idempotent).
 */
export async function runStage(job: Job, ctx: PipelineContext): Promise<StageResult | undefined> {
  if (isTerminal(job.state)) return { job, note: '' };
  const stage = job.state;
  let outcome: StepOutcome;
  try {
    outcome = await stageRunners[stage](job, ctx);
  } catch (error) {
    // The machine, not the job, is at fault (disk full, read-only state): stop the run, keep the job.
    const environment = environmentError(error);
    if (environment) throw environment;
    outcome = errorOutcome(job, ctx, error);
    // Built only here: a child logger serialises its bindings, a cost every step paid to log nothing.
    const log = ctx.logger.child({ job: job.id, stage });
    if (outcome.kind === 'fail') log.error({ err: describeForLog(error) }, 'stage failed');
    else log.warn({ err: describeForLog(error), attempts: job.attempts + 1 }, 'transient error; will retry');
  }
  return persist(job, stage, outcome, ctx);
}

function errorOutcome(job: Job, ctx: PipelineContext, error: unknown): StepOutcome {
  const { retry } = ctx.config.pipeline;
  if (error instanceof CloudError && error.retryable) {
    const attempts = job.attempts + 1;
    if (attempts >= retry.maxAttempts) {
      return { kind: 'fail', reason: `gave up after ${attempts} attempts: ${error.describe()}` };
    }
    const delay = backoffDelay(attempts, {
      baseMs: retry.baseDelaySeconds * 1000,
      maxMs: retry.maxDelaySeconds * 1000,
    });
    return {
      kind: 'wait',
      until: new Date(ctx.clock.now().getTime() + delay),
      note: `retry ${attempts} of ${retry.maxAttempts - 1} after ${error.awsCode}`,
      retry: true,
    };
  }
  if (error instanceof AppError) return { kind: 'fail', reason: error.describe() };
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'fail',
    reason: `internal error in stage ${job.state}: ${message} (please report this with the job id)`,
  };
}

function environmentError(error: unknown): StateError | undefined {
  if (error instanceof StateError) return error;
  const path = (error as { path?: unknown } | null)?.path;
  return typeof path === 'string' ? stateErrorOf(error, path) : undefined;
}

function describeForLog(error: unknown): string {
  return error instanceof AppError
    ? error.describe()
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
}

async function persist(
  job: Job,
  stage: Stage,
  outcome: StepOutcome,
  ctx: PipelineContext,
): Promise<StageResult | undefined> {
  const now = ctx.clock.now();
  // What the job awaited ends with the step; a new wait names what it awaits now (poll.ts awaitEvent).
  const data = { ...job.data, awaiting: undefined, ...(outcome.patch ?? {}) };
  let next: Job;
  let event: NewEvent;
  switch (outcome.kind) {
    case 'advance': {
      const to = outcome.to;
      next = {
        ...job,
        state: to,
        data: { ...data, stageStartedAt: now.toISOString() },
        attempts: 0,
        nextRunAt: outcome.until ?? now,
        reason: outcome.until ? outcome.note : undefined,
        updatedAt: now,
      };
      event = { at: now, stage, kind: to === 'published' ? 'published' : 'advanced', message: outcome.note };
      break;
    }
    case 'wait': {
      const retrying = outcome.retry === true;
      next = {
        ...job,
        data,
        attempts: retrying ? job.attempts + 1 : 0,
        nextRunAt: outcome.until,
        reason: outcome.note,
        updatedAt: now,
      };
      event = { at: now, stage, kind: retrying ? 'retry' : 'waiting', message: outcome.note };
      break;
    }
    case 'fail':
      next = {
        ...job,
        state: 'failed',
        data: { ...data, failedStage: stage },
        reason: `${stage}: ${outcome.reason}`,
        updatedAt: now,
        nextRunAt: now,
      };
      event = { at: now, stage, kind: 'failed', message: outcome.reason };
      break;
  }
  // A job that waits or has ended goes back to the store with this save, not with a releaseJob after it.
  const released = isTerminal(next.state) || next.nextRunAt.getTime() > now.getTime();
  try {
    const saved = await ctx.store.saveJob(next, [event], released ? { releaseFrom: ctx.worker } : {});
    ctx.onStep?.({ previous: job, job: saved });
    if (isTerminal(saved.state)) await ctx.onTerminal?.(saved);
    return { job: saved, note: event.message, released };
  } catch (error) {
    if (error instanceof StaleJobError) return undefined;
    throw error;
  }
}
