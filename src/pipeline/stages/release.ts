import { productOfferId } from '../../cloud/catalog-queries.js';
import { listingPartition } from '../../config/partitions.js';
import { stableToken } from '../../core/ids.js';
import { productKey } from '../../core/model/image-request.js';
import type { Job } from '../../core/model/job.js';
import { releaseChangeSetName } from '../../listing/change-set-names.js';
import { nextLifecycleStep, releaseChanges, visibilityInWords } from '../../listing/lifecycle.js';
import type { PipelineContext } from '../context.js';
import { advance, fail, type StepOutcome } from '../outcome.js';
import { followLifecycleChangeSet, recordProduct, stageAfterRelease } from '../product-lifecycle.js';

/**
 * release: once the version is on the product, take a new product from Draft to Limited with its offer
 * (ReleaseProduct, the offer's UpdateInformation, ReleaseOffer). A product already released goes on:
 * to the request for Public when configuration asks for it, else to the SSM check.
 */
export async function releaseStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { listing, productId } = job.data;
  if (!listing || !productId)
    return fail(
      'internal: release reached without a listing and a product id; run the job again from describe',
    );
  const { partition } = listingPartition(ctx.config);
  const catalog = ctx.cloud.clients(partition).catalog;
  const afterRelease = stageAfterRelease(listing);

  // A release this job already asked for is followed, not looked at again. A product this job's change
  // set created was released by that set (await goes on past this stage) unless the listing needed
  // more than one set: whatever brought the job here, the product's visibility is looked at first.
  if (!job.data.releaseChangeSetId) {
    const visibility = (await catalog.describeEntity(productId)).details.Description?.Visibility;
    await recordProduct(ctx, job, productId, { visibility });
    const step = nextLifecycleStep(visibility, listing.targetVisibility);
    if (step !== 'release')
      return advance(
        step === 'public' ? 'visibility' : 'ssm',
        `product ${productId} is ${visibilityInWords(visibility)}`,
      );
  }
  const offerId = await productOfferId(catalog, productId, job.data.offerId);
  if (!offerId)
    return fail(
      `product ${productId} has no offer, so it cannot be released: a product must be paired with an offer to be sold. Fix: \`fedora-marketplace apply\` creates the offer; then \`resume --retry-failed\``,
    );

  const attempt = job.data.lifecycleAttempt ?? 1;
  const result = await followLifecycleChangeSet(job, ctx, {
    field: 'releaseChangeSetId',
    name: releaseChangeSetName(listing, attempt),
    token: stableToken('release', productKey(job.request), attempt),
    changes: releaseChanges(productId, offerId, listing),
    productId,
    poll: 'changeSet',
    waiting: (id, status) =>
      `releasing product ${productId} and its offer ${offerId} (Draft -> Limited): change set ${id} is ${status}`,
    failure: `the release of product ${productId} (Draft -> Limited) failed`,
  });
  if (!('succeeded' in result)) return result;
  await recordProduct(ctx, job, productId, { visibility: 'Limited', offerId });
  return advance(
    afterRelease,
    `change set ${result.succeeded} SUCCEEDED: product ${productId} is ${visibilityInWords('Limited')}`,
    { offerId, releaseChangeSetId: result.succeeded },
  );
}
