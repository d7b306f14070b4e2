/**
 * The product's lock in the store, as the pipeline's stages take it: submit, release and visibility
 * (and apply) never look at a product and start a change set on it while another holder does the same.
 */
import type { Job } from '../core/model/job.js';
import { productLockName, withLock, type LockCheck } from '../store/locks.js';
import type { PipelineContext } from './context.js';
import { wait, type StepOutcome } from './outcome.js';
import { holderOf } from './worker.js';

/** Another job holds the product's lock (or took it over while this one stalled): look again soon. */
export function lockWait(ctx: PipelineContext, busy: string): StepOutcome {
  return wait(new Date(ctx.clock.now().getTime() + ctx.config.pipeline.pollSeconds.image * 1000), busy);
}

/** Runs `work` holding the product's lock; when another job holds it, waits, saying `busy`. */
export async function withProductLock<T>(
  ctx: PipelineContext,
  job: Job,
  productTitle: string,
  busy: string,
  work: (stillHeld: LockCheck) => Promise<T>,
): Promise<T | StepOutcome> {
  const locked = await withLock(
    ctx.store,
    {
      name: productLockName(productTitle),
      holder: holderOf(ctx.worker, job.id),
      ttlMs: ctx.config.pipeline.productLockSeconds * 1000,
    },
    work,
  );
  return locked.held ? locked.value : lockWait(ctx, busy);
}
