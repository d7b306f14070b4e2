import type { ChangeSetDescription } from '../../cloud/ports.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import type { Job } from '../../core/model/job.js';
import { advance, fail, wait, type StepOutcome } from '../outcome.js';
import { pollAt } from '../poll.js';

/** SERVER_FAULT is AWS's side: the change set is submitted again, at most this many times in all. */
export const maxSubmitAttempts = 3;

/**
 * await: follow the change set to its end. It can take hours, so each look is one step and the next
 * look is a persisted time, never a sleep in memory.
 */
export async function awaitStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const id = job.data.changeSetId;
  if (!id) return advance('submit', 'no change set recorded; submitting');
  const { partition } = listingPartition(ctx.config);
  const described = await ctx.cloud.clients(partition).catalog.describeChangeSet(id);
  const status = described.status;

  if (status === 'PREPARING' || status === 'APPLYING') {
    return wait(pollAt(ctx, 'changeSet', job), `change set ${id} is ${status}`, { changeSetStatus: status });
  }
  if (status === 'SUCCEEDED') {
    // A set adopted after a crash may be the only record of the product: its changes name it.
    const productId = job.data.productId ?? productOf(described);
    // The version is live: its SSM alias is checked next (stages/ssm.ts).
    return advance(
      productId ? 'ssm' : 'published',
      `change set ${id} SUCCEEDED: version "${job.data.versionTitle}" is on product ${productId}`,
      {
        changeSetStatus: status,
        ...(productId ? { productId } : {}),
      },
    );
  }
  const errors = described.changes.flatMap((c) =>
    c.errors.map((e) => ({ code: e.code, message: `${c.changeType}: ${e.message}` })),
  );
  if (status === 'FAILED' && described.failureCode === 'SERVER_FAULT') {
    const attempt = job.data.submitAttempt ?? 1;
    if (attempt < maxSubmitAttempts) {
      return advance(
        'submit',
        `change set ${id} failed with SERVER_FAULT; submitting again (attempt ${attempt + 1})`,
        {
          changeSetStatus: status,
          changeSetErrors: errors,
          submitAttempt: attempt + 1,
          changeSetId: undefined,
        },
      );
    }
  }
  const detail = errors.length > 0 ? `: ${errors.map((e) => `${e.code}: ${e.message}`).join('; ')}` : '';
  const why = described.failureDescription ? ` (${described.failureDescription})` : '';
  return fail(
    `change set ${id} ${status}${described.failureCode ? ` with ${described.failureCode}` : ''}${why}${detail}`,
    {
      changeSetStatus: status,
      changeSetErrors: errors,
    },
  );
}

/** The product a change set worked on: the one it created, else the product its changes name. */
function productOf(described: ChangeSetDescription): string | undefined {
  const created = described.changes.find((c) => c.changeType === 'CreateProduct')?.entity.identifier;
  return (
    created ??
    described.changes.find((c) => c.entity.identifier?.startsWith('prod-'))?.entity.identifier ??
    undefined
  );
}
