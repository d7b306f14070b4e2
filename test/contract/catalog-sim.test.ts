import { ManualClock } from '../../src/core/clock.js';
import { makeSim, simConfig } from '../cloud/sim/sim-fixture.js';
import { runCatalogContract, simListableAmi } from './catalog-contract.js';

runCatalogContract('simulated cloud (direct, ManualClock)', async () => {
  const prepareSeconds = 120;
  const applySeconds = 900;
  const clock = new ManualClock();
  const { cloud } = makeSim({
    clock,
    sim: simConfig({
      latency: { changeSetPrepareSeconds: prepareSeconds, changeSetApplySeconds: applySeconds },
    }),
  });
  return {
    catalog: cloud.clients('aws').catalog,
    listableAmi: (name) =>
      simListableAmi(cloud, name, () => clock.advance((simConfig().latency.copyImageSeconds + 1) * 1000)),
    prepareMs: prepareSeconds * 1000,
    applyMs: applySeconds * 1000,
    advance: async (ms) => clock.advance(ms),
    close: () => cloud.close(),
  };
});
