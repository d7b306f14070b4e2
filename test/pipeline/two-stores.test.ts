/**
 * Two workers on one job store (two connections, as two processes would have) publishing two versions of
 * each of two new products: every product must be created exactly once, every version submitted once,
 * and every product released and made Public once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store.js';
import { postgresSchemas } from '../helpers/postgres.js';
import { makeHarness } from './harness.js';

const schemas = postgresSchemas('two_stores');
afterAll(() => schemas.dropAll());

type Opener = (dir: string) => Promise<[JobStore, JobStore]>;

const databases: Array<[string, Opener]> = [
  [
    'SQLite',
    async (dir) => [
      await openStore({ driver: 'sqlite', stateDir: dir }),
      await openStore({ driver: 'sqlite', stateDir: dir }),
    ],
  ],
  [
    'PostgreSQL',
    async () => {
      const url = await schemas.create();
      return [
        await openStore({ driver: 'postgres', stateDir: '/nonexistent', url }),
        await openStore({ driver: 'postgres', stateDir: '/nonexistent', url }),
      ];
    },
  ],
];

describe.each(databases)('two workers on one %s store', (_name, open) => {
  it('create each product once and submit each version once', async () => {
    // A few milliseconds per AWS call, as over a network: the workers' looks and starts interleave.
    const first = await makeHarness({
      configure: (c) => void (c.cloud!.sim!.latency!.apiCallMilliseconds = 2),
    });
    const [storeA, storeB] = await open(first.dir);
    const a = await makeHarness({ store: storeA, sim: first.sim, clock: first.clock, dir: first.dir });
    const b = await makeHarness({ store: storeB, sim: first.sim, clock: first.clock, dir: first.dir });
    try {
      for (const arch of ['x86_64', 'arm64'] as const)
        for (const label of ['1.4', '1.5']) await a.createJob(a.request({ arch, label }));

      await Promise.all([a.publishAll(), b.publishAll()]);

      const jobs = await storeA.listJobs();
      expect(jobs.map((j) => j.state)).toEqual(['published', 'published', 'published', 'published']);
      const world = first.sim.state();
      const creates = world.changeSets.filter((cs) =>
        cs.changes.some((c) => c.changeType === 'CreateProduct'),
      );
      expect(world.products).toHaveLength(2);
      expect(creates.map((cs) => cs.product).sort()).toEqual(world.products.map((p) => p.id).sort());
      // Per product: the creation (with its first version and its release), the second version, Public.
      expect(world.changeSets).toHaveLength(6);
      const perProduct = (type: string) =>
        world.changeSets
          .filter((cs) => cs.changes.some((c) => c.changeType === type))
          .map((cs) => cs.product);
      for (const type of ['ReleaseProduct', 'UpdateVisibility'])
        expect(perProduct(type).sort(), type).toEqual(world.products.map((p) => p.id).sort());
      expect(new Set(jobs.map((j) => j.data.productId)).size).toBe(2);
    } finally {
      await a.close();
      await b.close();
      await storeA.close();
      await storeB.close();
      await first.close();
    }
  });
});
