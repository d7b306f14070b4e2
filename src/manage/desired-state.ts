/**
 * The desired state of every product: configuration (metadata, retention, end of life) joined with the
 * versions the pipeline published (stored in each job's listing) and the live regions and instance
 * types. Metadata is rebuilt from the current configuration, so editing a description is one `apply`
 * away; versions keep the title, AMI and notes they were published with.
 */
import type { CatalogPort, InstanceTypeInfo, RegionInfo } from '../cloud/ports.js';
import type { Partition } from '../core/model/partition.js';
import type { AwsArch } from '../core/arch.js';
import { resolveListing } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Job } from '../core/model/job.js';
import { productKey } from '../core/model/image-request.js';
import { deriveInstanceTypes } from '../listing/instance-types.js';
import { buildListing } from '../listing/listing.js';
import { productIdByTitle } from '../cloud/catalog-queries.js';
import type { ProductListing } from '../core/model/listing.js';
import { compareAges, imageAgeOf } from '../core/model/image-age.js';
import type { DesiredProduct, PlanOptions } from '../listing/reconcile.js';
import { marketplaceRegions } from '../listing/regions.js';

/** One product (subvariant x release x architecture) and what should be true of it. */
export interface DesiredProductState {
  /** `Cloud_Base/41/x86_64`. */
  key: string;
  subvariant: string;
  release: number;
  arch: AwsArch;
  desired: DesiredProduct;
  /** The product's metadata with its newest version: one load-form line. */
  listing: ProductListing;
  keepVersions: number;
  endOfLife?: Date;
  /**
   * The published jobs behind it, oldest image first (their mirrored AMIs are what retirement
   * deprecates; the last one is the newest version, which is never deprecated while the product lives).
   */
  jobs: Job[];
}

/** The AWS facts desired state depends on; the pipeline's FactsCache provides them. */
export interface ListingFacts {
  describeRegions(partition: Partition): Promise<RegionInfo[]>;
  describeInstanceTypes(partition: Partition, region: string, arch: AwsArch): Promise<InstanceTypeInfo[]>;
}

export interface DesiredStateArgs {
  config: Config;
  /** Jobs of any state: only published ones with a listing count. */
  jobs: Job[];
  facts: ListingFacts;
  partition: Partition;
  baseRegion: string;
  /** Only this release (load-form --release). */
  release?: number;
}

/** Published jobs that carry a listing: the versions that exist (or should) on the Marketplace. */
export function publishedListings(jobs: Job[]): Job[] {
  return jobs.filter((j) => j.state === 'published' && j.data.listing !== undefined);
}

export function endOfLifeOf(config: Config, release: number): Date | undefined {
  const date = config.policy.endOfLife[String(release)];
  return date === undefined ? undefined : new Date(`${date}T00:00:00Z`);
}

/** Every product with at least one published version, sorted by key. */
export async function desiredProducts(args: DesiredStateArgs): Promise<DesiredProductState[]> {
  const groups = new Map<string, Job[]>();
  for (const job of publishedListings(args.jobs)) {
    if (args.release !== undefined && job.request.release !== args.release) continue;
    const key = productKey(job.request);
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const regionInfo = groups.size > 0 ? await args.facts.describeRegions(args.partition) : [];
  const result: DesiredProductState[] = [];
  for (const key of [...groups.keys()].sort()) {
    const jobs = (groups.get(key) ?? []).sort(byImageAge);
    result.push(await desiredProductOfJobs(args, jobs, regionInfo, key));
  }
  return result;
}

/** A published version's listing with its image age (recorded at describe; derived for older jobs). */
export function versionOf(job: Job): ProductListing {
  const listing = job.data.listing as ProductListing;
  if (listing.imageAge) return listing;
  const imageAge = imageAgeOf(job.request, job.data.source?.creationDate);
  return imageAge ? { ...listing, imageAge } : listing;
}

/** Oldest image first: by compose date and respin, never by when the job happened to be created. */
function byImageAge(a: Job, b: Job): number {
  const x = versionOf(a).imageAge;
  const y = versionOf(b).imageAge;
  if (x && y) return compareAges(x, y);
  if (x || y) return x ? 1 : -1;
  return a.createdAt.getTime() - b.createdAt.getTime();
}

async function desiredProductOfJobs(
  args: DesiredStateArgs,
  jobs: Job[],
  regionInfo: RegionInfo[],
  key: string,
): Promise<DesiredProductState> {
  const newest = jobs[jobs.length - 1] as Job;
  const { request } = newest;
  const product = args.config.products[request.subvariant];
  const listingConfig = product ? resolveListing(product, request.arch) : undefined;
  const keepVersions = listingConfig?.keepVersions ?? 3;

  let metadata = newest.data.listing as ProductListing;
  if (listingConfig) {
    const offered = await args.facts.describeInstanceTypes(args.partition, args.baseRegion, request.arch);
    const bootMode = newest.data.source?.bootMode;
    metadata = buildListing({
      config: args.config,
      request,
      mirroredAmis: newest.data.mirroredAmis,
      instanceTypes: deriveInstanceTypes(offered, {
        arch: request.arch,
        ...(bootMode ? { bootMode } : {}),
        exclude: listingConfig.instanceTypes.exclude,
        includePreviousGeneration: listingConfig.instanceTypes.includePreviousGeneration,
        recommended: listingConfig.recommendedInstanceType,
        subvariant: request.subvariant,
      }),
      regions: marketplaceRegions(
        regionInfo,
        args.partition,
        listingConfig.regions,
        `products.${request.subvariant}.regions`,
      ),
      partition: args.partition,
    });
  }
  const productId = [...jobs].reverse().find((j) => j.data.productId)?.data.productId ?? metadata.productId;

  // One version per title, oldest image first; retention (planProduct) keeps the newest keepVersions.
  const byTitle = new Map<string, ProductListing>();
  for (const job of jobs) {
    const listing = versionOf(job);
    if (!byTitle.has(listing.versionTitle)) byTitle.set(listing.versionTitle, listing);
  }
  const versions = [...byTitle.values()];
  const endOfLife = endOfLifeOf(args.config, request.release);
  return {
    key,
    subvariant: request.subvariant,
    release: request.release,
    arch: request.arch,
    desired: {
      ...(productId ? { productId } : {}),
      metadata,
      offer: metadata,
      regions: [...metadata.regions],
      representativeRegions: [...metadata.representativeRegions],
      futureRegionSupport: metadata.futureRegionSupport,
      instanceTypes: [...metadata.instanceTypes],
      versions,
    },
    listing: { ...metadata, ...(productId ? { productId } : {}) },
    keepVersions,
    ...(endOfLife ? { endOfLife } : {}),
    jobs,
  };
}

/** The product's id: recorded by a job or configured, else the seller's product with this title. */
export async function findProductId(
  catalog: CatalogPort,
  state: DesiredProductState,
): Promise<string | undefined> {
  return state.desired.productId ?? productIdByTitle(catalog, state.desired.metadata.productTitle);
}

export function planOptionsOf(state: DesiredProductState, now: Date): PlanOptions {
  return {
    keepVersions: state.keepVersions,
    now,
    ...(state.endOfLife ? { endOfLife: state.endOfLife } : {}),
  };
}

/**
 * One load-form line per product: its metadata with the newest version. Products of releases past end
 * of life are left out unless `release` names them explicitly.
 */
export function loadFormListings(
  states: DesiredProductState[],
  now: Date,
  release?: number,
): ProductListing[] {
  return states
    .filter(
      (s) => release !== undefined || s.endOfLife === undefined || now.getTime() < s.endOfLife.getTime(),
    )
    .map((s) => ({ ...s.listing, ...(s.desired.productId ? { productId: s.desired.productId } : {}) }));
}
