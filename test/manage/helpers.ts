/** Listing-management tests on the pipeline harness: publish images, then plan and apply on the same sim. */
import type { ConfigInput } from '../../src/config/schema.js';
import { listingPartition } from '../../src/config/partitions.js';
import { desiredProducts, type DesiredProductState } from '../../src/manage/desired-state.js';
import type { ManageDeps } from '../../src/manage/plan.js';
import { makeHarness, type Harness, type RequestSpec } from '../pipeline/harness.js';

export { runUntil } from '../pipeline/harness.js';

export async function publishedHarness(
  specs: RequestSpec[],
  configure?: (input: ConfigInput) => void,
): Promise<Harness> {
  const h = await makeHarness(configure ? { configure } : {});
  for (const spec of specs) {
    await h.createJob(h.request(spec));
    await h.publishAll();
    // Versions are ordered by CreationDate: keep them apart in time.
    h.clock.advance(3600_000);
  }
  return h;
}

export function manageDeps(h: Harness): ManageDeps {
  const { partition } = listingPartition(h.config);
  const clients = h.sim.clients(partition);
  return {
    catalog: clients.catalog,
    ec2: clients.ec2,
    store: h.store,
    clock: h.clock,
    virtualClock: h.clock,
    pollSeconds: h.config.pipeline.pollSeconds.changeSet,
    lockMs: h.config.pipeline.productLockSeconds * 1000,
  };
}

export async function desiredOf(h: Harness, config = h.config): Promise<DesiredProductState[]> {
  const { partition, settings } = listingPartition(config);
  return desiredProducts({
    config,
    jobs: await h.store.listJobs(),
    facts: h.ctx.facts,
    partition,
    baseRegion: settings.baseRegion,
  });
}
