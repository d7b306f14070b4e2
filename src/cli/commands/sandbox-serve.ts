/**
 * `fedora-marketplace sandbox serve`: the sandbox's simulated Marketplace over the Catalog API's
 * REST-JSON routes on a local port, so `@aws-sdk/client-marketplace-catalog` (and the aws adapter with
 * `endpoints.marketplaceCatalog`) can talk to it. Change sets advance in real time with the configured
 * `cloud.sim.latency`. With --ec2-endpoint the ingestion checks read AMIs from that EC2 (e.g. moto).
 */
import { mkdirSync } from 'node:fs';
import type { Cloud } from '../../cloud/ports.js';
import type { Ec2IngestionImages } from '../../cloud/sim/ec2-ingestion.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { listingPartition } from '../../config/partitions.js';
import {
  createLogger,
  resolveStateDir,
  simPartitions,
  simStateFile,
  type CommonOptions,
} from '../../app/runtime.js';

interface ServeOptions extends CommonOptions {
  port: string;
  host: string;
  ec2Endpoint?: string;
}

/**
 * Wall-clock time that never runs behind the persisted sandbox clock: the sandbox's virtual clock may
 * have jumped ahead, and simulated time must not go backwards.
 */
export function realTimeClock(persistedMs: number | undefined, now: () => number = Date.now): Clock {
  const offset = Math.max(0, (persistedMs ?? 0) - now());
  return {
    now: () => new Date(now() + offset),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('invalid --port', {
      field: '--port',
      value,
      rule: 'must be an integer 0-65535 (0: any free port)',
    });
  }
  return port;
}

/** The configuration with the aws adapter's EC2 pointed at `endpoint`. */
function ec2Config(config: Config, endpoint: string): Config {
  const { partition, settings } = listingPartition(config);
  return {
    ...config,
    cloud: { ...config.cloud, adapter: 'aws' },
    partitions: { [partition]: { ...settings, endpoints: { ...settings.endpoints, ec2: endpoint } } },
  };
}

export async function run(options: ServeOptions): Promise<number> {
  const port = parsePort(options.port);
  const { config } = loadConfig(options.config);
  const stateDir = resolveStateDir(options);
  mkdirSync(stateDir, { recursive: true });
  const logger = createLogger(options);
  const { partition, settings } = listingPartition(config);
  const { createSimCloud, readSimClock } = await import('../../cloud/sim/index.js');
  const { startCatalogServer } = await import('../../cloud/sim/catalog-server.js');

  let ec2Cloud: Cloud | undefined;
  let ingestion: Ec2IngestionImages | undefined;
  if (options.ec2Endpoint) {
    const { createAwsCloud } = await import('../../cloud/aws/aws-cloud.js');
    const { createEc2IngestionImages } = await import('../../cloud/sim/ec2-ingestion.js');
    ec2Cloud = createAwsCloud(ec2Config(config, options.ec2Endpoint), { logger });
    ingestion = createEc2IngestionImages({
      ec2: ec2Cloud.clients(partition).ec2,
      region: settings.baseRegion,
      owner: settings.internalAccount.accountId,
    });
  }

  const stateFile = simStateFile(stateDir);
  const sim = createSimCloud({
    clock: realTimeClock(readSimClock(stateFile)),
    sim: config.cloud.sim,
    fedoraOwner: config.fedora.ownerAccount,
    partitions: simPartitions(config),
    stateFile,
    ...(ingestion ? { externalEc2: { [partition]: ingestion.facts } } : {}),
  });
  let catalog = sim.clients(partition).catalog;
  if (ingestion) {
    const { withIngestionRefresh } = await import('../../cloud/sim/ec2-ingestion.js');
    catalog = withIngestionRefresh(catalog, ingestion);
  }
  const server = await startCatalogServer({
    catalog,
    host: options.host,
    port,
    sellerAccount: settings.sellerAccount.accountId,
  });
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ url: server.url })}\n`
      : `Simulated Marketplace Catalog API on ${server.url} (state: ${stateDir}); Ctrl-C stops it.\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await sim.close();
  await ec2Cloud?.close();
  logger.flush();
  return ExitCode.ok;
}
