import { listingPartition } from '../../config/partitions.js';
import { stableToken } from '../../core/ids.js';
import { productKey } from '../../core/model/image-request.js';
import type { Job } from '../../core/model/job.js';
import { publicChangeSetName } from '../../listing/change-set-names.js';
import { nextLifecycleStep, publicVisibilityChanges, visibilityInWords } from '../../listing/lifecycle.js';
import type { PipelineContext } from '../context.js';
import { advance, fail, type StepOutcome } from '../outcome.js';
import { followLifecycleChangeSet, recordProduct } from '../product-lifecycle.js';

/**
 * visibility: ask for Public visibility (UpdateVisibility) and wait for AWS Marketplace's review, which
 * can take days: each look is a persisted wait, and the looks are rare (pipeline.pollSeconds.review).
 * A refusal fails the job with AWS's reason; only a Public product is listed for buyers.
 */
export async function visibilityStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { listing, productId } = job.data;
  if (!listing || !productId)
    return fail(
      'internal: visibility reached without a listing and a product id; run the job again from describe',
    );
  // A request this job already made is followed, not looked at again: each look at a review that takes
  // days would otherwise cost a DescribeEntity as well. Nor is a product this job's own release set just
  // took from Draft to Limited (ReleaseProduct; `resume --retry-failed` clears releaseChangeSetId): a
  // Public request another job made meanwhile is found by its per-product name.
  if (!job.data.visibilityChangeSetId && !job.data.releaseChangeSetId) {
    const { partition } = listingPartition(ctx.config);
    const product = await ctx.cloud.clients(partition).catalog.describeEntity(productId);
    const visibility = product.details.Description?.Visibility;
    await recordProduct(ctx, job, productId, { visibility });
    const step = nextLifecycleStep(visibility, listing.targetVisibility);
    if (step === 'release')
      return advance('release', `product ${productId} is ${visibilityInWords(visibility)}`);
    if (step !== 'public') return advance('ssm', `product ${productId} is ${visibilityInWords(visibility)}`);
  }

  const attempt = job.data.lifecycleAttempt ?? 1;
  const result = await followLifecycleChangeSet(job, ctx, {
    field: 'visibilityChangeSetId',
    name: publicChangeSetName(listing, attempt),
    token: stableToken('public', productKey(job.request), attempt),
    changes: publicVisibilityChanges(productId),
    productId,
    poll: 'review',
    waiting: (id, status) =>
      `AWS Marketplace reviews the request to make product ${productId} Public (change set ${id} is ${status}); this can take days, the product stays Limited meanwhile`,
    failure: `AWS refused Public visibility for product ${productId}`,
  });
  if (!('succeeded' in result)) return result;
  await recordProduct(ctx, job, productId, { visibility: 'Public' });
  return advance(
    'ssm',
    `change set ${result.succeeded} SUCCEEDED: product ${productId} is ${visibilityInWords('Public')}`,
    {
      visibilityChangeSetId: result.succeeded,
    },
  );
}
