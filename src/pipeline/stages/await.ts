import { changeSetErrorsOf } from '../../cloud/catalog-queries.js';
import type { ChangeSetDescription } from '../../cloud/ports.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import type { Job } from '../../core/model/job.js';
import { advance, fail, type StepOutcome } from '../outcome.js';
import { awaitEvent } from '../poll.js';
import { visibilityInWords } from '../../listing/lifecycle.js';
import { recordProduct, stageAfterRelease } from '../product-lifecycle.js';

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
    return awaitEvent(ctx, 'changeSet', job, { changeSets: [id] }, `change set ${id} is ${status}`, {
      changeSetStatus: status,
    });
  }
  if (status === 'SUCCEEDED') {
    const created = described.changes.find((c) => c.changeType === 'CreateProduct')?.entity.identifier;
    // A set adopted after a crash may be the only record of the product: its changes name it.
    const productId = job.data.productId ?? productOf(described);
    const offerId =
      described.changes.find((c) => c.changeType === 'CreateOffer')?.entity.identifier ?? job.data.offerId;
    const ids = {
      changeSetStatus: status,
      ...(productId ? { productId } : {}),
      ...(offerId ? { offerId } : {}),
    };
    if (!productId) return advance('published', `change set ${id} SUCCEEDED`, ids);
    // A new product starts as a Draft, paired with its offer; Limited when its creating set released it.
    const released =
      created !== undefined && described.changes.some((c) => c.changeType === 'ReleaseProduct');
    await recordProduct(ctx, job, productId, {
      offerId,
      ...(created ? { visibility: released ? 'Limited' : 'Draft' } : {}),
    });
    if (released) {
      return advance(
        stageAfterRelease(job.data.listing),
        `change set ${id} SUCCEEDED: version "${job.data.versionTitle}" is on product ${productId}, which is ${visibilityInWords('Limited')}`,
        // The set that released the product, recorded where a release stage records its own.
        { ...ids, releaseChangeSetId: id },
      );
    }
    if (!described.changes.some((c) => c.changeType === 'AddDeliveryOptions')) {
      // A listing too large for one set: the rest is planned again against the product as it now is.
      const part = (job.data.submitPart ?? 1) + 1;
      return advance('submit', `change set ${id} SUCCEEDED; submitting part ${part} of the listing`, {
        ...ids,
        submitPart: part,
        changeSetId: undefined,
      });
    }
    // The version is on the product: the product is released next (stages/release.ts).
    return advance(
      'release',
      `change set ${id} SUCCEEDED: version "${job.data.versionTitle}" is on product ${productId}`,
      ids,
    );
  }
  const errors = changeSetErrorsOf(described);
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
