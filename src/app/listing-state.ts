/** What plan, apply, load-form and cleanup share: the desired products and the clients to act on them. */
import { desiredProducts, type DesiredProductState } from '../manage/desired-state.js';
import type { ManageDeps } from '../manage/plan.js';
import { listingPartition } from '../config/partitions.js';
import type { Runtime } from './runtime.js';

export async function desiredState(runtime: Runtime, release?: number): Promise<DesiredProductState[]> {
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

export function manageDeps(runtime: Runtime): ManageDeps {
  const { partition } = listingPartition(runtime.config);
  const clients = runtime.cloud.clients(partition);
  return {
    catalog: clients.catalog,
    ec2: clients.ec2,
    store: runtime.store,
    clock: runtime.clock,
    ...(runtime.virtualClock ? { virtualClock: runtime.virtualClock } : {}),
    pollSeconds: runtime.config.pipeline.pollSeconds.changeSet,
  };
}
