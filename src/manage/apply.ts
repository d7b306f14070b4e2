/**
 * Apply: brings every product in line with its plan. Apply never starts the same change set twice: its
 * name and ClientRequestToken are derived from the changes themselves, a set of that name found on the
 * Catalog is followed instead of started again, and every start is recorded in the store's intake log
 * (source `apply`).
 *
 * Like a job, each product's apply is a series of short steps, and its waits are stored (JobStore
 * `saveApply`), never held in memory: a step either looks, plans and starts a change set under the
 * product's lock (the one the pipeline's submit takes), or looks once at the change set it follows. A
 * restarted or detached apply continues from the stored progress.
 */
import type { ChangeSetDescription } from '../cloud/ports.js';
import { changeSetErrorsOf, isOpenChangeSet, openChangeSets } from '../cloud/catalog-queries.js';
import { CloudError } from '../core/errors.js';
import { shortHash, stableToken } from '../core/ids.js';
import type { ProductPlan } from '../listing/reconcile.js';
import { applyChangeSetName, createProductChangeSetName } from '../listing/change-set-names.js';
import { isValidatable } from '../listing/validate.js';
import { startCheckedChangeSet } from '../pipeline/start-change-set.js';
import { holderOf, newWorkerId } from '../pipeline/worker.js';
import { productLockName, withLock } from '../store/locks.js';
import { findProductId, type DesiredProductState } from './desired-state.js';
import { deprecationDelayMs, planOne, type Deprecation, type ManageDeps } from './plan.js';

export interface ApplyOptions {
  /**
   * Start each change set with Intent VALIDATE first and apply it only if that succeeds. AWS offers
   * VALIDATE only for sets that add versions and nothing else; the others are applied directly and
   * reported as not validated.
   */
  validateFirst?: boolean;
  /** Start change sets and return without following them (a later apply follows them). */
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
  /** With validateFirst, on the APPLY set: whether a VALIDATE set checked it first, or why not. */
  validation?: Validation;
}

type Validation = { validated: boolean; reason?: string };

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

/** One product's apply between steps: what the store keeps. */
interface ApplyProgress {
  /** `plan`: look, plan and start; `follow`: a change set runs; the rest are ends. */
  phase: 'plan' | 'follow' | 'done' | 'failed' | 'pending';
  /** Change sets applied so far (a plan adds one version at a time). */
  round: number;
  productId?: string;
  following?: {
    changeSetId: string;
    changeSetName: string;
    intent: 'VALIDATE' | 'APPLY';
    adopted: boolean;
    validation?: Validation;
  };
  /** Digest of the changes a VALIDATE set accepted: the next plan with these changes is applied. */
  validated?: string;
  changeSets: AppliedChangeSet[];
  deprecated: Deprecation[];
  warnings: string[];
}

interface ProductRun {
  state: DesiredProductState;
  progress: ApplyProgress;
  nextRunAt: Date;
  /** Detached: its set is started, this apply leaves it (the stored progress follows it next time). */
  left: boolean;
  /** Another worker held the product's lock: look again at this wall-clock time. */
  lockedUntil?: number;
}

/**
 * How long to wait for a product lock another worker holds, in wall time: a holder keeps it for one
 * short step, and the sandbox's virtual clock must not jump ahead of it meanwhile.
 */
const lockRetryMs = 200;

const ended = (phase: ApplyProgress['phase']) =>
  phase === 'done' || phase === 'failed' || phase === 'pending';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function freshProgress(): ApplyProgress {
  return { phase: 'plan', round: 0, changeSets: [], deprecated: [], warnings: [] };
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
  const started = await startCheckedChangeSet(deps.catalog, {
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
  following: NonNullable<ApplyProgress['following']>,
): AppliedChangeSet {
  return {
    changeSetId: described.changeSetId,
    changeSetName: following.changeSetName,
    intent: following.intent,
    status: described.status,
    changeTypes: described.changes.map((c) => c.changeType),
    errors: changeSetErrorsOf(described),
    adopted: following.adopted,
    ...(following.validation ? { validation: following.validation } : {}),
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

/**
 * Look, plan and start, under the product's lock: nobody else (a publish's submit, another apply) can
 * start a change set on the product between this step's look and its start. Returns when to step again.
 */
async function planStep(deps: ManageDeps, run: ProductRun, options: ApplyOptions, holder: string) {
  const { state, progress } = run;
  const later = () => new Date(deps.clock.now().getTime() + deps.pollSeconds * 1000);
  const rounds = options.maxRounds ?? state.keepVersions + 2;
  if (progress.round >= rounds) {
    progress.phase = 'pending';
    progress.warnings.push(`still not up to date after ${rounds} change sets; run apply again`);
    return deps.clock.now();
  }
  const locked = await withLock(
    deps.store,
    { name: productLockName(state.desired.metadata.productTitle), holder, ttlMs: deps.lockMs },
    async (stillHeld) => {
      // One product may have one open change set (DESIGN invariant 5): wait for any other to end first.
      const product = {
        productId: await findProductId(deps.catalog, state),
        creatingChangeSetName: createProductChangeSetName(state.listing),
      };
      if ((await openChangeSets(deps.catalog, product)).length > 0) return later();
      const plan = await planOne(deps, state);
      if (plan.productId) {
        progress.productId = plan.productId;
        // What apply sees of the product is recorded for status and the HTTP API, as the pipeline does.
        await deps.store.saveProduct({
          key: state.key,
          productId: plan.productId,
          ...(plan.offerId ? { offerId: plan.offerId } : {}),
          ...(plan.visibility ? { visibility: plan.visibility } : {}),
          updatedAt: deps.clock.now(),
        });
      }
      if (plan.deprecations.length > 0)
        progress.deprecated.push(...(await deprecate(deps, plan.deprecations, progress.warnings)));
      if (plan.changes.length === 0) {
        progress.phase = 'done';
        return deps.clock.now();
      }
      const digest = shortHash(JSON.stringify(plan.changes));
      // AWS offers Intent VALIDATE only for sets that add versions and nothing else.
      const validatable = isValidatable(plan.changes);
      const intent =
        options.validateFirst && validatable && progress.validated !== digest ? 'VALIDATE' : 'APPLY';
      const validation: Validation | undefined =
        options.validateFirst && intent === 'APPLY'
          ? validatable
            ? { validated: true }
            : {
                validated: false,
                reason: `AWS offers VALIDATE only for sets that add versions and nothing else; this set has ${[...new Set(plan.changes.map((c) => c.ChangeType))].join(', ')}`,
              }
          : undefined;
      // A stall past the lock's lifetime may have let another worker in: then look again.
      if (!(await stillHeld())) return deps.clock.now();
      const started = await startOrAdopt(deps, plan, state, intent);
      progress.phase = 'follow';
      progress.following = { ...started, intent, ...(validation ? { validation } : {}) };
      if (intent === 'VALIDATE') progress.validated = digest;
      return deps.clock.now();
    },
  );
  if (locked.held) {
    delete run.lockedUntil;
    return locked.value;
  }
  run.lockedUntil = Date.now() + lockRetryMs;
  return deps.clock.now();
}

/** One look at the followed change set; when it ended, the next plan (or the end). */
async function followStep(deps: ManageDeps, run: ProductRun, options: ApplyOptions): Promise<Date> {
  const { progress } = run;
  const following = progress.following as NonNullable<ApplyProgress['following']>;
  const described = await deps.catalog.describeChangeSet(following.changeSetId);
  // The latest look at a set replaces an earlier one (a detached apply recorded it while it ran).
  progress.changeSets = [
    ...progress.changeSets.filter((c) => c.changeSetId !== described.changeSetId),
    summarize(described, following),
  ];
  if (isOpenChangeSet(described.status)) {
    // Detached: what was started is recorded; the stored progress follows it next time.
    if (options.detach && following.intent === 'APPLY') run.left = true;
    return new Date(deps.clock.now().getTime() + deps.pollSeconds * 1000);
  }
  delete progress.following;
  if (described.status !== 'SUCCEEDED') {
    progress.phase = 'failed';
    return deps.clock.now();
  }
  if (following.intent === 'APPLY') {
    progress.round += 1;
    delete progress.validated;
    const created = described.changes.find((c) => c.changeType === 'CreateProduct')?.entity.identifier;
    if (created && !run.state.desired.productId) run.state.desired.productId = created;
  }
  progress.phase = 'plan';
  return deps.clock.now();
}

function resultOf(run: ProductRun): ProductApplyResult {
  const { state, progress } = run;
  return {
    key: state.key,
    ...(progress.productId ? { productId: progress.productId } : {}),
    productTitle: state.desired.metadata.productTitle,
    changeSets: progress.changeSets,
    deprecated: progress.deprecated,
    warnings: progress.warnings,
    outcome: progress.phase === 'done' ? 'done' : progress.phase === 'failed' ? 'failed' : 'pending',
  };
}

/**
 * Brings every product in line: plan, start, follow, and plan again until nothing is left. Products
 * advance side by side; between steps the process waits for the earliest stored wake-up (the sandbox's
 * virtual clock jumps to it), and with `detach` it returns once every started set is left to run.
 */
export async function applyAll(
  deps: ManageDeps,
  states: DesiredProductState[],
  options: ApplyOptions = {},
): Promise<ProductApplyResult[]> {
  const holder = holderOf(newWorkerId(), 'apply');
  const stored = new Map((await deps.store.listApplies(states.map((s) => s.key))).map((r) => [r.key, r]));
  const runs: ProductRun[] = states.map((state) => {
    const record = stored.get(state.key);
    const progress = record?.data as ApplyProgress | undefined;
    // An apply that ended starts over; one that was interrupted or detached continues where it was.
    return progress && !ended(progress.phase)
      ? { state, progress, nextRunAt: record!.nextRunAt, left: false }
      : { state, progress: freshProgress(), nextRunAt: deps.clock.now(), left: false };
  });

  for (;;) {
    const active = runs.filter((r) => !ended(r.progress.phase) && !r.left);
    if (active.length === 0) break;
    const now = deps.clock.now().getTime();
    const wallNow = Date.now();
    const due = active.filter((r) => r.nextRunAt.getTime() <= now && (r.lockedUntil ?? 0) <= wallNow);
    for (const run of due) {
      run.nextRunAt =
        run.progress.phase === 'plan'
          ? await planStep(deps, run, options, holderOf(holder, run.state.key))
          : await followStep(deps, run, options);
      await deps.store.saveApply({
        key: run.state.key,
        data: run.progress,
        nextRunAt: run.nextRunAt,
        updatedAt: deps.clock.now(),
      });
    }
    if (due.length > 0) continue;
    const locked = active.flatMap((r) => (r.lockedUntil === undefined ? [] : [r.lockedUntil]));
    const next = Math.min(...active.map((r) => r.nextRunAt.getTime()));
    if (locked.length > 0) await sleep(Math.min(...locked) - wallNow);
    else if (deps.virtualClock) deps.virtualClock.advanceTo(next);
    else await sleep(next - now);
  }
  return runs.map(resultOf);
}
