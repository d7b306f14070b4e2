/**
 * The per-product change sets of a product's life (release, the request for Public visibility): found
 * by their per-product name whoever started them, started when nobody has, followed to their end with
 * persisted waits. What the pipeline sees of a product is recorded in the store for `status`.
 */
import { changeSetErrorsOf, isOpenChangeSet } from '../cloud/catalog-queries.js';
import type { Change } from '../cloud/ports.js';
import { listingPartition } from '../config/partitions.js';
import { CloudError } from '../core/errors.js';
import { productKey } from '../core/model/image-request.js';
import type { Job, Stage } from '../core/model/job.js';
import type { ProductListing } from '../core/model/listing.js';
import type { PipelineContext } from './context.js';
import { fail, wait, type StepOutcome } from './outcome.js';
import { awaitEvent } from './poll.js';
import type { LockCheck } from '../store/locks.js';
import { lockWait, withProductLock } from './product-lock.js';
import { productLockedWait, startCheckedChangeSet } from './start-change-set.js';

/** SERVER_FAULT is AWS's side: a lifecycle request is made again, at most this many times in all. */
const maxLifecycleAttempts = 3;

/** Where a job goes once its product is Limited: on to Public when the listing asks for it, else the SSM check. */
export function stageAfterRelease(listing: Pick<ProductListing, 'targetVisibility'> | undefined): Stage {
  return listing?.targetVisibility === 'public' ? 'visibility' : 'ssm';
}

/** Records what the job saw of its product: the store keeps the newest observation per product. */
export async function recordProduct(
  ctx: PipelineContext,
  job: Job,
  productId: string,
  seen: { visibility?: string | undefined; offerId?: string | undefined },
): Promise<void> {
  await ctx.store.saveProduct({
    key: productKey(job.request),
    productId,
    ...(seen.offerId ? { offerId: seen.offerId } : {}),
    ...(seen.visibility ? { visibility: seen.visibility } : {}),
    updatedAt: ctx.clock.now(),
  });
}

export interface LifecycleChangeSet {
  /** Where the job records the set's id. */
  field: 'releaseChangeSetId' | 'visibilityChangeSetId';
  name: string;
  token: string;
  changes: Change[];
  productId: string;
  /** How often to look while it runs: a release takes minutes, AWS's review of Public takes days. */
  poll: 'changeSet' | 'review';
  /** What the job waits for, in words. */
  waiting: (changeSetId: string, status: string) => string;
  /** How a failure starts, e.g. `AWS refused Public visibility for product prod-x`. */
  failure: string;
}

/** The set's outcome: the id of a set that SUCCEEDED, or what the stage does meanwhile (wait, fail). */
export async function followLifecycleChangeSet(
  job: Job,
  ctx: PipelineContext,
  request: LifecycleChangeSet,
): Promise<{ succeeded: string } | StepOutcome> {
  // Another job of the product, in this process or another worker, must not start a change set on it
  // between our look and our start: the product's lock in the store, as submit and apply take it. A set
  // this job recorded is only followed (nothing is started), so each look at it needs no lock.
  if (job.data[request.field]) return followOrStart(job, ctx, request, () => Promise.resolve(true));
  return withProductLock(
    ctx,
    job,
    job.data.listing?.productTitle ?? request.productId,
    busy(request),
    (stillHeld) => followOrStart(job, ctx, request, stillHeld),
  );
}

const busy = (request: LifecycleChangeSet) =>
  `product ${request.productId} is being changed by another job; waiting for it`;

async function followOrStart(
  job: Job,
  ctx: PipelineContext,
  request: LifecycleChangeSet,
  stillHeld: LockCheck,
): Promise<{ succeeded: string } | StepOutcome> {
  const { partition } = listingPartition(ctx.config);
  const catalog = ctx.cloud.clients(partition).catalog;
  // Recorded by this job, else started by another job of the product (or by this one before a crash).
  const id =
    job.data[request.field] ??
    (await catalog.listChangeSets({ changeSetName: request.name })).find(
      (c) => c.status !== 'FAILED' && c.status !== 'CANCELLED',
    )?.changeSetId;

  if (!id) {
    // Another open set on the product is AWS's to refuse (ResourceInUseException, below).
    if (!(await stillHeld())) return lockWait(ctx, busy(request));
    try {
      const started = await startCheckedChangeSet(catalog, {
        changes: request.changes,
        changeSetName: request.name,
        clientRequestToken: request.token,
        intent: 'APPLY',
      });
      return awaitEvent(
        ctx,
        request.poll,
        job,
        { changeSets: [started.changeSetId] },
        request.waiting(started.changeSetId, 'PREPARING'),
        { [request.field]: started.changeSetId },
      );
    } catch (error) {
      if (error instanceof CloudError && error.kind === 'resource-in-use')
        return productLockedWait(ctx, catalog, job, {
          productId: request.productId,
          creatingChangeSetName: request.name,
        });
      throw error;
    }
  }

  const described = await catalog.describeChangeSet(id);
  if (isOpenChangeSet(described.status))
    return awaitEvent(ctx, request.poll, job, { changeSets: [id] }, request.waiting(id, described.status), {
      [request.field]: id,
    });
  if (described.status === 'SUCCEEDED') return { succeeded: id };
  const attempt = job.data.lifecycleAttempt ?? 1;
  if (described.failureCode === 'SERVER_FAULT' && attempt < maxLifecycleAttempts)
    return wait(
      ctx.clock.now(),
      `change set ${id} failed with SERVER_FAULT; asking again (attempt ${attempt + 1})`,
      {
        [request.field]: undefined,
        lifecycleAttempt: attempt + 1,
      },
    );
  const errors = changeSetErrorsOf(described);
  const detail = errors.map((e) => `${e.code}: ${e.message}`).join('; ');
  return fail(
    `${request.failure}: change set ${id} ${described.status}${described.failureCode ? ` with ${described.failureCode}` : ''}${detail ? `: ${detail}` : ''}`,
    { [request.field]: id, changeSetErrors: errors },
  );
}
