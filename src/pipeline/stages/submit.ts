import type { CatalogPort, ChangeSetSummary, Image } from '../../cloud/ports.js';
import { mirrorSourceTag } from './mirror.js';
import { CloudError } from '../../core/errors.js';
import { stableToken } from '../../core/ids.js';
import { writeFile } from 'node:fs/promises';
import { changeSetDocument } from '../../listing/change-set.js';
import { createProductChangeSetName, versionChangeSetName } from '../../listing/change-set-names.js';
import type { ProductListing } from '../../core/model/listing.js';
import { isOpenChangeSet, productIdByTitle } from '../../cloud/catalog-queries.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import type { Job } from '../../core/model/job.js';
import { advance, fail, wait, type StepOutcome } from '../outcome.js';
import { advanceAwaiting, awaitEvent, pollAt } from '../poll.js';
import { plannedChanges } from '../planned-changes.js';
import type { LockCheck } from '../../store/locks.js';
import { lockWait, withProductLock } from '../product-lock.js';
import { productLockedWait, startCheckedChangeSet } from '../start-change-set.js';

/**
 * submit: start the change set that adds this version (and creates the product when it does not exist
 * yet). Before starting anything it looks for what a previous run may already have done: the version on
 * the product, a change set with this job's deterministic name, a set creating the product. One open
 * change set per product (DESIGN invariant 5) is AWS's own lock: a start on a locked product is refused
 * with ResourceInUseException, and the job then waits for the set that holds it.
 */
export async function submitStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const listing = job.data.listing;
  if (!listing) return fail('internal: submit reached without a listing; run the job again from describe');
  // Look-then-start must not interleave for one product, in this process or any other worker: two images
  // of one release and architecture would both see "no product" and both create it.
  return withProductLock(ctx, job, listing.productTitle, busy(listing), (stillHeld) =>
    submitLocked(job, listing, ctx, stillHeld),
  );
}

const busy = (listing: ProductListing) =>
  `product "${listing.productTitle}" is being submitted by another job; waiting for it`;

async function submitLocked(
  job: Job,
  listing: ProductListing,
  ctx: PipelineContext,
  stillHeld: LockCheck,
): Promise<StepOutcome> {
  const { partition } = listingPartition(ctx.config);
  const catalog = ctx.cloud.clients(partition).catalog;
  const attempt = job.data.submitAttempt ?? 1;
  const part = job.data.submitPart ?? 1;
  const name = versionChangeSetName(listing, attempt, part);
  const creatingName = createProductChangeSetName(listing);
  // One look at both names (a ValueList matches any of its names): this job's version set, started
  // before a crash, and the product-creating sets, which adoption, the product id and waiting all use.
  const named = await catalog.listChangeSets({ changeSetName: [creatingName, name] });
  const creating = named.filter((c) => c.changeSetName === creatingName);

  const adopted = await findOwnChangeSet(catalog, listing, named);
  if (adopted) {
    return advance(
      'await',
      `found change set ${adopted.changeSetId} (${adopted.status}) from an earlier run`,
      {
        changeSetId: adopted.changeSetId,
        changeSetName: adopted.changeSetName,
        changeSetStatus: adopted.status,
      },
    );
  }

  const productId = job.data.productId ?? (await createdProductId(catalog, listing, creating));
  if (!productId) {
    // Another job of the same release and architecture may be creating the product right now.
    const openCreate = creating.find((c) => isOpenChangeSet(c.status));
    if (openCreate) {
      return awaitEvent(
        ctx,
        'changeSet',
        job,
        { changeSets: [openCreate.changeSetId] },
        `product "${listing.productTitle}" is being created by change set ${openCreate.changeSetId}`,
      );
    }
  }
  // An open change set on an existing product is AWS's to refuse (ResourceInUseException, below).

  const planned = await plannedChanges(
    catalog,
    { ...listing, ...(productId ? { productId } : {}) },
    job.data.offerId,
  );
  if (planned.titleTakenBy) {
    const holder = await titleHolder(ctx, planned.titleTakenBy.amiIds);
    if (holder.sourceAmi !== job.request.sourceAmi) {
      return fail(
        `version title "${listing.versionTitle}" on ${productId} already belongs to another image: ` +
          `${holder.described}; this image is ${listing.amiId} (mirror of ${job.request.sourceAmi}, ${job.request.imageName}, compose ${job.request.composeId}). ` +
          `Nothing was submitted. Fix: make products.${listing.subvariant}.versionTitle tell the two apart (e.g. with {label} or {composeId}), then resume --retry-failed`,
        productId ? { productId } : {},
      );
    }
  }
  if (planned.versionExists || planned.titleTakenBy) {
    // The product may still have to be released: the release stage looks.
    return advance(
      productId ? 'release' : 'published',
      `version "${listing.versionTitle}" already exists on ${productId}; nothing to submit`,
      {
        versionExisted: true,
        ...(productId ? { productId } : {}),
      },
    );
  }

  // What is submitted can differ from what describe exported (another job created the product meanwhile):
  // the exported document is rewritten so that it always shows what was actually sent.
  if (job.data.changeSetPath) {
    await writeFile(
      job.data.changeSetPath,
      JSON.stringify(changeSetDocument(planned.changes), null, 2) + '\n',
    );
  }

  // The product-creating set has a per-product name, so a concurrent job finds it (above) instead of creating a twin.
  const startName = productId ? name : creatingName;
  if (!(await stillHeld())) return lockWait(ctx, busy(listing));
  try {
    const started = await startCheckedChangeSet(catalog, {
      changes: planned.changes,
      changeSetName: startName,
      // Each part of a split listing is its own request.
      clientRequestToken:
        part > 1 ? stableToken('cs', job.key, attempt, part) : stableToken('cs', job.key, attempt),
      intent: 'APPLY',
    });
    const later = planned.deferred > 0 ? `; ${planned.deferred} more change(s) follow in a later set` : '';
    // Just started, it is PREPARING: await's first look is the one its end event (or the poll) brings.
    return advanceAwaiting(
      ctx,
      'changeSet',
      'await',
      { changeSets: [started.changeSetId] },
      `started change set ${started.changeSetId} (${planned.changes.map((c) => c.ChangeType).join(', ')})${later}`,
      {
        changeSetId: started.changeSetId,
        changeSetName: startName,
        changeSetStatus: 'PREPARING',
        createsProduct: !productId,
        ...(productId ? { productId } : {}),
      },
    );
  } catch (error) {
    if (error instanceof CloudError && error.kind === 'resource-in-use') {
      if (productId)
        return productLockedWait(
          ctx,
          catalog,
          job,
          { productId, creatingChangeSetName: creatingName },
          { productId },
        );
      return wait(
        pollAt(ctx, 'changeSet', job),
        `product ${listing.productTitle} is locked by another change set; waiting`,
      );
    }
    throw error;
  }
}

/**
 * A change set this job started before a crash: by its version name, or the product-creating set. It is
 * ours only if it adds this version with this job's AMI: another compose may carry the same version title
 * (a template without {label}), and its set must not be mistaken for ours. Failed sets are not adopted:
 * a resubmission (SERVER_FAULT, `resume --retry-failed`) must start a new one.
 */
async function findOwnChangeSet(
  catalog: CatalogPort,
  listing: ProductListing,
  named: ChangeSetSummary[],
): Promise<ChangeSetSummary | undefined> {
  const candidates = named.filter((c) => c.status !== 'CANCELLED' && c.status !== 'FAILED');
  for (const summary of candidates) {
    const described = await catalog.describeChangeSet(summary.changeSetId);
    const addsOurVersion = described.changes.some(
      (c) =>
        c.changeType === 'AddDeliveryOptions' &&
        versionTitleOf(c.details) === listing.versionTitle &&
        amiIdOf(c.details) === listing.amiId,
    );
    if (addsOurVersion) return summary;
  }
  return undefined;
}

function versionTitleOf(details: unknown): string | undefined {
  const version = (details as { Version?: { VersionTitle?: unknown } } | null)?.Version;
  return typeof version?.VersionTitle === 'string' ? version.VersionTitle : undefined;
}

type DeliveryDetails = { Details?: { AmiDeliveryOptionDetails?: { AmiSource?: { AmiId?: unknown } } } };

function amiIdOf(details: unknown): string | undefined {
  const options = (details as { DeliveryOptions?: DeliveryDetails[] } | null)?.DeliveryOptions;
  const amiId = options?.[0]?.Details?.AmiDeliveryOptionDetails?.AmiSource?.AmiId;
  return typeof amiId === 'string' ? amiId : undefined;
}

/**
 * Which Fedora image a version's AMIs were mirrored from (our mirrors carry the source in a tag): a
 * version title held by a mirror of the same source is this very image, copied again.
 */
async function titleHolder(
  ctx: PipelineContext,
  amiIds: string[],
): Promise<{ sourceAmi?: string; described: string }> {
  if (amiIds.length === 0) return { described: 'a version whose AMI DescribeEntity does not show' };
  const { partition, settings } = listingPartition(ctx.config);
  const ec2 = ctx.cloud.clients(partition).ec2;
  let images: Image[] = [];
  try {
    images = await ec2.describeImages(settings.baseRegion, { owners: ['self'], imageIds: amiIds });
  } catch (error) {
    if (!(error instanceof CloudError && error.kind === 'not-found')) throw error;
  }
  const sourceAmi = images.map((i) => i.tags[mirrorSourceTag]).find((t) => t !== undefined);
  const described = `${amiIds.join(', ')}${sourceAmi ? ` (mirror of ${sourceAmi}${images[0]?.name ? `, ${images[0].name}` : ''})` : ' (not a mirror this tool made)'}`;
  return { ...(sourceAmi ? { sourceAmi } : {}), described };
}

/** A product created by an earlier change set of ours whose id the job has not recorded. */
async function createdProductId(
  catalog: CatalogPort,
  listing: ProductListing,
  creating: ChangeSetSummary[],
): Promise<string | undefined> {
  const done = creating.find((c) => c.status === 'SUCCEEDED');
  if (done) {
    const described = await catalog.describeChangeSet(done.changeSetId);
    const created = described.changes.find((c) => c.changeType === 'CreateProduct');
    if (created?.entity.identifier) return created.entity.identifier;
  }
  return productIdByTitle(catalog, listing.productTitle);
}
