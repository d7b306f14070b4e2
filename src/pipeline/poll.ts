import type { Job } from '../core/model/job.js';
import type { PipelineContext } from './context.js';

/**
 * When to look again: the configured poll interval at first, then a fifth of the time already waited
 * (capped at 20 intervals), so an hour-long change set costs a few dozen calls, not hundreds, and
 * finishing is noticed at most ~20% late.
 */
export function pollAt(
  ctx: Pick<PipelineContext, 'clock' | 'config'>,
  what: 'image' | 'changeSet' | 'review',
  job: Pick<Job, 'data'>,
): Date {
  const now = ctx.clock.now().getTime();
  const base = ctx.config.pipeline.pollSeconds[what] * 1000;
  const started = job.data.stageStartedAt ? Date.parse(job.data.stageStartedAt) : now;
  const interval = Math.min(20 * base, Math.max(base, (now - started) * 0.2));
  return new Date(now + interval);
}
