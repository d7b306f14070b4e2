/**
 * Apply: brings every product in line with its plan. Apply never starts the same change set twice: its
 * name and ClientRequestToken are derived from the changes themselves, a set of that name found on the
 * Catalog is followed instead of started again, and every start is recorded in the store's intake log
 * (source `apply`).
 */
import type { ChangeSetDescription } from '../cloud/ports.js';
import { isOpenChangeSet, openChangeSets } from '../cloud/catalog-queries.js';
import { CloudError } from '../core/errors.js';
import { stableToken } from '../core/ids.js';
import type { ProductPlan } from '../listing/reconcile.js';
import { applyChangeSetName, createProductChangeSetName } from '../listing/change-set-names.js';
import { findProductId, type DesiredProductState } from './desired-state.js';
import { deprecationDelayMs, planOne, type Deprecation, type ManageDeps } from './plan.js';

export interface ApplyOptions {
  /** Start each change set that only adds a version with Intent VALIDATE first; apply only if it succeeds. */
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

async function sleepOrJump(deps: ManageDeps, ms: number): Promise<void> {
  if (deps.virtualClock) deps.virtualClock.advance(ms);
  else await new Promise((resolve) => setTimeout(resolve, ms));
}

async function follow(deps: ManageDeps, changeSetId: string): Promise<ChangeSetDescription> {
  for (;;) {
    const described = await deps.catalog.describeChangeSet(changeSetId);
    if (!isOpenChangeSet(described.status)) return described;
    await sleepOrJump(deps, deps.pollSeconds * 1000);
  }
}

/** One product may have one open change set (DESIGN invariant 5): wait for any other to end first. */
async function waitForOpenChangeSets(deps: ManageDeps, state: DesiredProductState): Promise<void> {
  const product = {
    productId: await findProductId(deps.catalog, state),
    creatingChangeSetName: createProductChangeSetName(state.listing),
  };
  while ((await openChangeSets(deps.catalog, product)).length > 0) {
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
      ? applyChangeSetName(plan.changes, state.desired.metadata.sku, intent)
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
    await waitForOpenChangeSets(deps, state);
    const plan = await planOne(deps, state);
    if (plan.productId) result.productId = plan.productId;
    if (plan.deprecations.length > 0)
      result.deprecated.push(...(await deprecate(deps, plan.deprecations, result.warnings)));
    if (plan.changes.length === 0) return result;

    // AWS offers Intent VALIDATE only for sets that add versions; the others are applied directly.
    const validatable = plan.changes.every((c) => c.ChangeType === 'AddDeliveryOptions');
    const intents: Array<'VALIDATE' | 'APPLY'> =
      options.validateFirst && validatable ? ['VALIDATE', 'APPLY'] : ['APPLY'];
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
