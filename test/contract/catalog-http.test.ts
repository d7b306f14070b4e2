/**
 * The same Catalog cases through the aws adapter's client (the real SDK) over HTTP against the served
 * simulation, which runs on the system clock with short latencies, as `sandbox serve` does.
 */
import { createAwsCloud } from '../../src/cloud/aws/aws-cloud.js';
import { startCatalogServer } from '../../src/cloud/sim/catalog-server.js';
import { createSimCloud } from '../../src/cloud/sim/index.js';
import { systemClock } from '../../src/core/clock.js';
import { motoConfig, useDummyCredentials } from '../helpers/moto.js';
import {
  accessRole,
  fedora,
  internal,
  marketplaceAccounts,
  seller,
  simConfig,
} from '../cloud/sim/sim-fixture.js';
import { runCatalogContract, simListableAmi } from './catalog-contract.js';

runCatalogContract('aws adapter over HTTP to the served simulation (system clock)', async () => {
  const prepareMs = 400;
  const applyMs = 800;
  const sim = createSimCloud({
    clock: systemClock,
    fedoraOwner: fedora,
    partitions: {
      aws: {
        internalAccount: internal,
        sellerAccount: seller,
        accessRoleArns: [accessRole],
        marketplaceAccounts,
      },
    },
    sim: simConfig({
      latency: {
        copyImageSeconds: 0,
        changeSetPrepareSeconds: prepareMs / 1000,
        changeSetApplySeconds: applyMs / 1000,
      },
    }),
  });
  const server = await startCatalogServer({
    catalog: sim.clients('aws').catalog,
    host: '127.0.0.1',
    port: 0,
    sellerAccount: seller,
  });
  useDummyCredentials();
  const config = motoConfig('http://127.0.0.1:9');
  const aws = config.partitions.aws;
  if (!aws) throw new Error('motoConfig has no aws partition');
  aws.endpoints.marketplaceCatalog = server.url;
  const cloud = createAwsCloud(config, { retry: { maxAttempts: 1 } });
  return {
    catalog: cloud.clients('aws').catalog,
    listableAmi: (name) => simListableAmi(sim, name, () => undefined),
    prepareMs,
    applyMs,
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    async close() {
      await cloud.close();
      await server.close();
      await sim.close();
    },
  };
});
