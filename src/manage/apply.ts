/**
 * Plan and apply for every product: DescribeEntity against the desired state, the smallest change set
 * per product, and retirement (restricted versions and end-of-life products get their mirrored AMIs
 * deprecated in EC2). Apply never starts the same change set twice: its name and ClientRequestToken are
 * derived from the changes themselves, a set of that name found on the Catalog is followed instead of
 * started again, and every start is recorded in the store's intake log (source `apply`).
 */
import type { CatalogPort, ChangeSetDescription, Ec2Port, EntityDescription } from '../cloud/ports.js';
import type { ManualClock, Clock } from '../core/clock.js';
import { CloudError } from '../core/errors.js';
import { shortHash, stableToken } from '../core/ids.js';
import { createProductChangeSetName } from '../pipeline/stages/submit.js';
import type { JobStore } from '../store/store.js';
import { findProductId, planOptionsOf, type DesiredProductState } from './desired-state.js';
import { planProduct, type ProductPlan } from '../listing/reconcile.js';

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
}

/** Deprecated images stay launchable by their owner; a day's notice lets running automation notice. */
export const deprecationDelayMs = 24 * 3600 * 1000;

const openStatuses = ['PREPARING', 'APPLYING'] as const;

async function currentEntity(
  catalog: CatalogPort,
  state: DesiredProductState,
): Promise<EntityDescription | undefined> {
  const id = await findProductId(catalog, state);
  return id ? catalog.describeEntity(id) : undefined;
}

/** Titles of versions whose every delivery option is (or, after `plan`, will be) restricted. */
function retiredTitles(
  plan: ProductPlan,
  current: EntityDescription | undefined,
  endOfLife: boolean,
): Set<string> {
  const titles = new Set<string>();
  if (!current) return titles;
  const restrictedProduct = endOfLife || current.details.Description?.Visibility === 'Restricted';
  for (const version of current.details.Versions ?? []) {
    const options = version.DeliveryOptions ?? [];
    const retired =
      restrictedProduct || (options.length > 0 && options.every((o) => o.Visibility === 'Restricted'));
    if (retired && version.VersionTitle) titles.add(version.VersionTitle);
  }
  for (const d of plan.diff) if (d.kind === 'version-restricted' && d.field) titles.add(d.field);
  return titles;
}

/** Mirrored AMIs of retired versions that carry no deprecation time yet. */
async function pendingDeprecations(
  ec2: Ec2Port,
  state: DesiredProductState,
  titles: Set<string>,
): Promise<Deprecation[]> {
  const wanted: Deprecation[] = [];
  for (const job of state.jobs) {
    const title = job.data.listing?.versionTitle;
    if (!title || !titles.has(title)) continue;
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
  const current = await currentEntity(deps.catalog, state);
  const now = deps.clock.now();
  const plan = planProduct(state.desired, current, planOptionsOf(state, now));
  const endOfLife = state.endOfLife !== undefined && now.getTime() >= state.endOfLife.getTime();
  const deprecations = await pendingDeprecations(deps.ec2, state, retiredTitles(plan, current, endOfLife));
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

export interface ApplyOptions {
  /** Start each change set with Intent VALIDATE first; apply only if it succeeds. */
  validateFirst?: boolean;
  /** Start change sets and return without following them. */
  detach?: boolean;
  /** Plans per product at most (a plan adds one version at a time). */
  maxRounds?: number;
}

export interface AppliedChangeSet {
  changeSetId: string;
  changeSetName: string;
  intent: 'VALIDATE' | 'APPLY';
  status: string;
  changeTypes: string[];
  errors: Array<{ code: string; message: string }>;
  /** True when a set of this name already existed (an earlier, interrupted apply). */
  adopted: boolean;
}

export interface ProductApplyResult {
  key: string;
  productId?: string;
  productTitle: string;
  changeSets: AppliedChangeSet[];
  deprecated: Deprecation[];
  warnings: string[];
  /** `done`: nothing left to change; `failed`: a change set did not succeed; `pending`: detached. */
  outcome: 'done' | 'failed' | 'pending';
}

/** Change set names allow `^[\w\s+=.:@-]+$`, at most 100 characters. */
function applyChangeSetName(plan: ProductPlan, sku: string, intent: 'VALIDATE' | 'APPLY'): string {
  const digest = shortHash(JSON.stringify(plan.changes), intent);
  return `fedora-marketplace apply ${sku} ${intent.toLowerCase()} ${digest}`
    .replace(/[^\w\s+=.:@-]/g, '-')
    .slice(0, 100);
}

async function sleepOrJump(deps: ManageDeps, ms: number): Promise<void> {
  if (deps.virtualClock) deps.virtualClock.advance(ms);
  else await new Promise((resolve) => setTimeout(resolve, ms));
}

async function follow(deps: ManageDeps, changeSetId: string): Promise<ChangeSetDescription> {
  for (;;) {
    const described = await deps.catalog.describeChangeSet(changeSetId);
    if (!openStatuses.includes(described.status as (typeof openStatuses)[number])) return described;
    await sleepOrJump(deps, deps.pollSeconds * 1000);
  }
}

/** One product may have one open change set (DESIGN invariant 5): wait for any other to end first. */
async function waitForOpenChangeSets(
  deps: ManageDeps,
  productId: string | undefined,
  productName: string,
): Promise<void> {
  for (;;) {
    const open = productId
      ? await deps.catalog.listChangeSets({ entityId: productId, statuses: [...openStatuses] })
      : (await deps.catalog.listChangeSets({ changeSetName: productName })).filter((c) =>
          (openStatuses as readonly string[]).includes(c.status),
        );
    if (open.length === 0) return;
    await sleepOrJump(deps, deps.pollSeconds * 1000);
  }
}

async function startOrAdopt(
  deps: ManageDeps,
  plan: ProductPlan,
  state: DesiredProductState,
  intent: 'VALIDATE' | 'APPLY',
): Promise<{ changeSetId: string; changeSetName: string; adopted: boolean }> {
  // A new product's set carries the pipeline's per-product name, so a concurrent publish finds it.
  const name =
    plan.productId || intent === 'VALIDATE'
      ? applyChangeSetName(plan, state.desired.metadata.sku, intent)
      : createProductChangeSetName(state.listing);
  const existing = (await deps.catalog.listChangeSets({ changeSetName: name })).find(
    (c) =>
      c.status !== 'FAILED' &&
      c.status !== 'CANCELLED' &&
      (intent === 'VALIDATE' || plan.productId || c.status !== 'SUCCEEDED'),
  );
  if (existing) return { changeSetId: existing.changeSetId, changeSetName: name, adopted: true };
  const started = await deps.catalog.startChangeSet({
    changes: plan.changes,
    changeSetName: name,
    clientRequestToken: stableToken('apply', state.key, intent, JSON.stringify(plan.changes)),
    intent,
  });
  await deps.store.recordIntake({
    at: deps.clock.now(),
    source: 'apply',
    outcome: 'accepted',
    messageId: `apply:${started.changeSetId}`,
    reason: `${intent} change set ${started.changeSetId} "${name}" on ${plan.productId ?? plan.productTitle}: ${plan.changes.map((c) => c.ChangeType).join(', ')}`,
  });
  return { changeSetId: started.changeSetId, changeSetName: name, adopted: false };
}

function summarize(
  described: ChangeSetDescription,
  name: string,
  intent: 'VALIDATE' | 'APPLY',
  adopted: boolean,
): AppliedChangeSet {
  return {
    changeSetId: described.changeSetId,
    changeSetName: name,
    intent,
    status: described.status,
    changeTypes: described.changes.map((c) => c.changeType),
    errors: described.changes.flatMap((c) =>
      c.errors.map((e) => ({ code: e.code, message: `${c.changeType}: ${e.message}` })),
    ),
    adopted,
  };
}

/** EC2 deprecation of retired versions' AMIs; an endpoint without the API (moto) is a warning, not a failure. */
async function deprecate(deps: ManageDeps, items: Deprecation[], warnings: string[]): Promise<Deprecation[]> {
  const done: Deprecation[] = [];
  const at = new Date(deps.clock.now().getTime() + deprecationDelayMs);
  for (const item of items) {
    try {
      await deps.ec2.enableImageDeprecation(item.region, item.imageId, at);
      done.push(item);
    } catch (error) {
      if (!(error instanceof CloudError)) throw error;
      warnings.push(
        `could not deprecate ${item.imageId} in ${item.region} (${item.versionTitle}): ${error.message}`,
      );
    }
  }
  return done;
}

/** Brings one product in line: plan, start, follow, and plan again until nothing is left. */
export async function applyOne(
  deps: ManageDeps,
  state: DesiredProductState,
  options: ApplyOptions = {},
): Promise<ProductApplyResult> {
  const result: ProductApplyResult = {
    key: state.key,
    productTitle: state.desired.metadata.productTitle,
    changeSets: [],
    deprecated: [],
    warnings: [],
    outcome: 'done',
  };
  const rounds = options.maxRounds ?? state.keepVersions + 2;
  for (let round = 0; round < rounds; round++) {
    const productId = await findProductId(deps.catalog, state);
    await waitForOpenChangeSets(deps, productId, createProductChangeSetName(state.listing));
    const plan = await planOne(deps, state);
    if (plan.productId) result.productId = plan.productId;
    if (plan.deprecations.length > 0)
      result.deprecated.push(...(await deprecate(deps, plan.deprecations, result.warnings)));
    if (plan.changes.length === 0) return result;

    const intents: Array<'VALIDATE' | 'APPLY'> = options.validateFirst ? ['VALIDATE', 'APPLY'] : ['APPLY'];
    for (const intent of intents) {
      const { changeSetId, changeSetName, adopted } = await startOrAdopt(deps, plan, state, intent);
      if (options.detach && intent === 'APPLY') {
        const described = await deps.catalog.describeChangeSet(changeSetId);
        result.changeSets.push(summarize(described, changeSetName, intent, adopted));
        result.outcome = described.status === 'SUCCEEDED' ? 'done' : 'pending';
        return result;
      }
      const described = await follow(deps, changeSetId);
      const summary = summarize(described, changeSetName, intent, adopted);
      result.changeSets.push(summary);
      if (described.status !== 'SUCCEEDED') {
        result.outcome = 'failed';
        return result;
      }
      if (intent === 'APPLY' && !state.desired.productId) {
        const created = described.changes.find((c) => c.changeType === 'CreateProduct')?.entity.identifier;
        if (created) state.desired.productId = created;
      }
    }
  }
  result.outcome = 'pending';
  result.warnings.push(`still not up to date after ${rounds} change sets; run apply again`);
  return result;
}

export async function applyAll(
  deps: ManageDeps,
  states: DesiredProductState[],
  options: ApplyOptions = {},
): Promise<ProductApplyResult[]> {
  const results: ProductApplyResult[] = [];
  for (const state of states) results.push(await applyOne(deps, state, options));
  return results;
}
