/**
 * Plan for every product: DescribeEntity against the desired state gives the smallest change set per
 * product, and retirement (restricted versions, end-of-life products) gives the mirrored AMIs to
 * deprecate in EC2. Nothing is changed.
 */
import type { CatalogPort, Ec2Port } from '../cloud/ports.js';
import { productOffer } from '../cloud/catalog-queries.js';
import type { ManualClock, Clock } from '../core/clock.js';
import type { JobStore } from '../store/store.js';
import { findProductId, planOptionsOf, type DesiredProductState } from './desired-state.js';
import { planProduct, type CurrentListing, type ProductPlan } from '../listing/reconcile.js';

/** An AMI a retired version left behind, to be deprecated in EC2. */
export interface Deprecation {
  region: string;
  imageId: string;
  versionTitle: string;
}

export interface ManagedPlan extends ProductPlan {
  key: string;
  deprecations: Deprecation[];
}

export interface ManageDeps {
  catalog: CatalogPort;
  ec2: Ec2Port;
  store: JobStore;
  clock: Clock;
  /** Sandbox: jump this clock instead of sleeping while a change set runs. */
  virtualClock?: ManualClock;
  pollSeconds: number;
  /** Wall-clock lifetime of apply's product locks (pipeline.productLockSeconds). */
  lockMs: number;
}

/** Deprecated images stay launchable by their owner; a day's notice lets running automation notice. */
export const deprecationDelayMs = 24 * 3600 * 1000;

/** The product and its offer as the Catalog shows them; undefined while the product does not exist. */
async function currentListing(
  catalog: CatalogPort,
  state: DesiredProductState,
): Promise<CurrentListing | undefined> {
  const id = await findProductId(catalog, state);
  if (!id) return undefined;
  const product = await catalog.describeEntity(id);
  const offer = await productOffer(catalog, id);
  return { product, ...(offer ? { offer } : {}) };
}

/** Titles of versions whose every delivery option is (or, after `plan`, will be) restricted. */
function retiredTitles(
  plan: ProductPlan,
  current: CurrentListing | undefined,
  endOfLife: boolean,
): Set<string> {
  const titles = new Set<string>();
  if (!current) return titles;
  const details = current.product.details;
  const restrictedProduct = endOfLife || details.Description?.Visibility === 'Restricted';
  for (const version of details.Versions ?? []) {
    const options = version.DeliveryOptions ?? [];
    const retired =
      restrictedProduct || (options.length > 0 && options.every((o) => o.Visibility === 'Restricted'));
    if (retired && version.VersionTitle) titles.add(version.VersionTitle);
  }
  for (const d of plan.diff) if (d.kind === 'version-restricted' && d.field) titles.add(d.field);
  return titles;
}

/**
 * Mirrored AMIs of retired versions that carry no deprecation time yet. The newest version's AMIs are
 * never deprecated while the product lives (only an end-of-life product retires everything).
 */
async function pendingDeprecations(
  ec2: Ec2Port,
  state: DesiredProductState,
  titles: Set<string>,
  endOfLife: boolean,
): Promise<Deprecation[]> {
  const wanted: Deprecation[] = [];
  const newest = state.jobs.at(-1)?.data.listing?.versionTitle;
  for (const job of state.jobs) {
    const title = job.data.listing?.versionTitle;
    if (!title || !titles.has(title) || (title === newest && !endOfLife)) continue;
    for (const [region, imageId] of Object.entries(job.data.mirroredAmis))
      wanted.push({ region, imageId, versionTitle: title });
  }
  const pending: Deprecation[] = [];
  for (const region of [...new Set(wanted.map((w) => w.region))]) {
    const here = wanted.filter((w) => w.region === region);
    const images = await ec2.describeImages(region, {
      owners: ['self'],
      imageIds: here.map((w) => w.imageId),
    });
    const deprecated = new Set(images.filter((i) => i.deprecationTime).map((i) => i.imageId));
    const existing = new Set(images.map((i) => i.imageId));
    pending.push(...here.filter((w) => existing.has(w.imageId) && !deprecated.has(w.imageId)));
  }
  return pending;
}

/** The plan of one product, with the EC2 deprecations its retirement implies. */
export async function planOne(
  deps: Pick<ManageDeps, 'catalog' | 'ec2' | 'clock'>,
  state: DesiredProductState,
): Promise<ManagedPlan> {
  const current = await currentListing(deps.catalog, state);
  const now = deps.clock.now();
  const plan = planProduct(state.desired, current, planOptionsOf(state, now));
  const endOfLife = state.endOfLife !== undefined && now.getTime() >= state.endOfLife.getTime();
  const deprecations = await pendingDeprecations(
    deps.ec2,
    state,
    retiredTitles(plan, current, endOfLife),
    endOfLife,
  );
  return { ...plan, key: state.key, deprecations };
}

export async function planAll(
  deps: Pick<ManageDeps, 'catalog' | 'ec2' | 'clock'>,
  states: DesiredProductState[],
): Promise<ManagedPlan[]> {
  const plans: ManagedPlan[] = [];
  for (const state of states) plans.push(await planOne(deps, state));
  return plans;
}

export function hasWork(plan: ManagedPlan): boolean {
  return plan.changes.length > 0 || plan.deprecations.length > 0;
}
