/**
 * The listing use cases: plan, apply, load forms and cleanup, each over the desired state of every
 * product (configuration + published versions + live AWS facts) and the clients to act on it.
 */
import { desiredProducts, type DesiredProductState } from '../manage/desired-state.js';
import { deleteCandidates, planCleanup, type CleanupPlan } from '../manage/cleanup.js';
import { UsageError } from '../core/errors.js';
import { applyAll, type ApplyOptions, type ProductApplyResult } from '../manage/apply.js';
import { planAll, type ManageDeps, type ManagedPlan } from '../manage/plan.js';
import { loadFormListings } from '../manage/desired-state.js';
import { buildLoadForm, validateLoadForm, writeLoadForm } from '../listing/load-form/load-form.js';
import { listingPartition } from '../config/partitions.js';
import type { Runtime } from './runtime.js';

async function desiredState(runtime: Runtime, release?: number): Promise<DesiredProductState[]> {
  const { partition, settings } = listingPartition(runtime.config);
  return desiredProducts({
    config: runtime.config,
    jobs: await runtime.store.listJobs(),
    facts: runtime.ctx.facts,
    partition,
    baseRegion: settings.baseRegion,
    ...(release !== undefined ? { release } : {}),
  });
}

function manageDeps(runtime: Runtime): ManageDeps {
  const { partition } = listingPartition(runtime.config);
  const clients = runtime.cloud.clients(partition);
  return {
    catalog: clients.catalog,
    ec2: clients.ec2,
    store: runtime.store,
    clock: runtime.clock,
    ...(runtime.virtualClock ? { virtualClock: runtime.virtualClock } : {}),
    pollSeconds: runtime.config.pipeline.pollSeconds.changeSet,
    lockMs: runtime.config.pipeline.productLockSeconds * 1000,
  };
}

/**
 * Mirrored images no live version uses, past the grace period, in every region anything was mirrored
 * to, and the images kept with the reason; deleted (image and snapshots) when `delete` is set. Deleting
 * needs a store that knows this tool's jobs: an empty one usually means the wrong state directory.
 */
export async function cleanUp(
  runtime: Runtime,
  options: { graceDays: number; delete: boolean },
): Promise<CleanupPlan> {
  const { partition, settings } = listingPartition(runtime.config);
  const clients = runtime.cloud.clients(partition);
  const jobs = await runtime.store.listJobs();
  if (options.delete && jobs.length === 0) {
    throw new UsageError('cleanup --yes deletes nothing when the store has no jobs at all', {
      field: '--yes',
      rule: 'the store must hold the jobs that published the images; an empty one usually means the wrong --state-dir or store.url',
      hint: 'run cleanup against the state directory or store.url that published the images; without --yes it lists what it would delete and what it keeps',
    });
  }
  const plan = await planCleanup(
    { ec2: clients.ec2, catalog: clients.catalog, now: runtime.clock.now() },
    {
      jobs,
      regions: [
        settings.baseRegion,
        ...settings.mirrorRegions,
        ...jobs.flatMap((j) => Object.keys(j.data.mirroredAmis)),
      ],
      productIds: [
        ...Object.values(runtime.config.products).flatMap((p) => Object.values(p.productIds)),
        ...jobs.flatMap((j) => (j.data.productId ? [j.data.productId] : [])),
      ],
      graceDays: options.graceDays,
    },
  );
  if (options.delete) await deleteCandidates(clients.ec2, plan.candidates);
  return plan;
}

/** What apply would change on each product (nothing is changed). */
export async function planProducts(runtime: Runtime): Promise<ManagedPlan[]> {
  return planAll(manageDeps(runtime), await desiredState(runtime));
}

/** Brings every product in line: minimal change sets, retirement, EC2 deprecation of retired AMIs. */
export async function applyProducts(runtime: Runtime, options: ApplyOptions): Promise<ProductApplyResult[]> {
  return applyAll(manageDeps(runtime), await desiredState(runtime), options);
}

/**
 * The product load form (XLSX, CSV, JSON) for one release or every current one, one product per line,
 * with every problem located by sheet, row, column and rule. No listing: nothing is written.
 */
export async function writeLoadForms(runtime: Runtime, options: { release?: number; dir: string }) {
  const { release } = options;
  const listings = loadFormListings(await desiredState(runtime, release), runtime.clock.now(), release);
  if (listings.length === 0) return undefined;
  const form = buildLoadForm(listings);
  const problems = validateLoadForm(form);
  const files = await writeLoadForm(
    form,
    options.dir,
    release === undefined ? 'load-form' : `load-form-f${release}`,
  );
  return { products: listings.map((l) => l.productTitle), files, problems };
}
