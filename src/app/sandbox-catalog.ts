/**
 * The sandbox's simulated Marketplace over the Catalog API's REST-JSON routes on a local port, so
 * `@aws-sdk/client-marketplace-catalog` (and the aws adapter with `endpoints.marketplaceCatalog`) can
 * talk to it. Change sets advance in real time with the configured `cloud.sim.latency`. With an EC2
 * endpoint the ingestion checks read AMIs from that EC2 (e.g. moto) instead of the simulated one; with
 * `eventsTo` the simulated AWS's events go to that EventBridge (in `events.region`, else us-east-1, where
 * the Catalog sends them), so an `events:` queue there ends the waits of a publish on the aws adapter.
 */
import { mkdirSync } from 'node:fs';
import type { Cloud } from '../cloud/ports.js';
import type { Ec2IngestionImages } from '../cloud/sim/ec2-ingestion.js';
import type { EventForwarder } from '../cloud/sim/event-forwarder.js';
import { loadConfig } from '../config/load.js';
import { listingPartition } from '../config/partitions.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { createLogger, resolveStateDir, simPartitions, simStateFile, type CommonOptions } from './runtime.js';

export interface SandboxCatalogOptions extends CommonOptions {
  host: string;
  port: number;
  ec2Endpoint?: string;
  /** An EventBridge endpoint (moto) to put the simulated Catalog's change-set events on. */
  eventsTo?: string;
}

export interface SandboxCatalog {
  url: string;
  stateDir: string;
  close(): Promise<void>;
}

/**
 * Wall-clock time that never runs behind the persisted sandbox clock: the sandbox's virtual clock may
 * have jumped ahead, and simulated time must not go backwards.
 */
function realTimeClock(persistedMs: number | undefined, now: () => number = Date.now): Clock {
  const offset = Math.max(0, (persistedMs ?? 0) - now());
  return {
    now: () => new Date(now() + offset),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  };
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

export async function startSandboxCatalog(options: SandboxCatalogOptions): Promise<SandboxCatalog> {
  const { config } = loadConfig(options.config);
  if (options.eventsTo && !config.cloud.sim.events)
    throw new UsageError('--events-to needs the simulated AWS to send events', {
      field: 'cloud.sim.events',
      value: false,
      rule: '--events-to forwards the events the simulated AWS sends',
      hint: 'set cloud.sim.events: true (the default) or leave out --events-to',
    });
  const stateDir = resolveStateDir(options);
  mkdirSync(stateDir, { recursive: true });
  const logger = createLogger(options);
  const { partition, settings } = listingPartition(config);
  const { createSimCloud, readSimClock } = await import('../cloud/sim/index.js');
  const { startCatalogServer } = await import('../cloud/sim/catalog-server.js');

  let ec2Cloud: Cloud | undefined;
  let ingestion: Ec2IngestionImages | undefined;
  if (options.ec2Endpoint) {
    const { createAwsCloud } = await import('../cloud/aws/aws-cloud.js');
    const { createEc2IngestionImages } = await import('../cloud/sim/ec2-ingestion.js');
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
    const { withIngestionRefresh } = await import('../cloud/sim/ec2-ingestion.js');
    catalog = withIngestionRefresh(catalog, ingestion, (withinMs) => sim.settlingAmis(withinMs));
  }
  const server = await startCatalogServer({
    catalog,
    host: options.host,
    port: options.port,
    sellerAccount: settings.sellerAccount.accountId,
  });
  const queue = options.eventsTo ? sim.eventQueue() : undefined;
  let forwarder: EventForwarder | undefined;
  if (options.eventsTo && queue) {
    const { startEventForwarder } = await import('../cloud/sim/event-forwarder.js');
    forwarder = startEventForwarder({
      queue,
      endpoint: options.eventsTo,
      region: config.events?.region ?? 'us-east-1',
      onError: (error) => logger.warn({ err: error, eventsTo: options.eventsTo }, 'event forwarding failed'),
    });
  }
  return {
    url: server.url,
    stateDir,
    async close() {
      await forwarder?.stop();
      await server.close();
      await sim.close();
      await ec2Cloud?.close();
      logger.flush();
    },
  };
}
