import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { createTelemetry, type Telemetry } from './telemetry.js';
import { observeCloud } from '../cloud/observed-cloud.js';
import type { Cloud } from '../cloud/ports.js';
import type { SimCloud } from '../cloud/sim/index.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ManualClock, systemClock, type Clock } from '../core/clock.js';
import { createPipelineContext, type PipelineContext } from '../pipeline/context.js';
import { imageShareAccounts, listingPartition } from '../config/partitions.js';
import type { JobStore } from '../store/store.js';
import { prepareStateDir, requireStateDir } from './state-dir.js';

export interface CommonOptions {
  config?: string;
  stateDir?: string;
  json?: boolean;
  verbose?: boolean;
}

export const stateDirVariable = 'FEDORA_MARKETPLACE_STATE_DIR';

export function resolveStateDir(options: CommonOptions): string {
  return resolve(options.stateDir ?? process.env[stateDirVariable] ?? '.fedora-marketplace');
}

/** Credentials and secrets that must never reach a log line (DESIGN invariant 6). */
const redactPaths = [
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.password',
  '*.authorization',
  '*.Authorization',
  'headers["x-amz-security-token"]',
  'credentials',
];

export function createLogger(options: CommonOptions): Logger {
  return pino(
    {
      level: options.verbose ? 'debug' : 'warn',
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: undefined,
    },
    pino.destination(2),
  );
}

/** Everything a command needs, opened from the common options; `close()` flushes and releases it. */
export interface Runtime {
  config: Config;
  configSource: string;
  /** The configuration file names cloud.adapter itself (see LoadedConfig). */
  adapterExplicit?: boolean;
  stateDir: string;
  store: JobStore;
  cloud: Cloud;
  /** Present when the cloud is the simulated one. */
  sim?: SimCloud;
  clock: Clock;
  /** Sandbox time: jumps instead of sleeping. */
  virtualClock?: ManualClock;
  logger: Logger;
  /** Cloud calls, job steps, intake and announcements as events (metrics and readiness subscribe). */
  telemetry: Telemetry;
  ctx: PipelineContext;
  close(): Promise<void>;
}

/**
 * A runtime over parts opened elsewhere (the CLI's own, or a benchmark's); it closes the cloud and store.
 * Its cloud and pipeline report to its telemetry.
 */
export function assembleRuntime(parts: Omit<Runtime, 'ctx' | 'close' | 'telemetry'>): Runtime {
  const telemetry = createTelemetry();
  const cloud = observeCloud(parts.cloud, (call) => telemetry.emit('cloudCall', call));
  const ctx = createPipelineContext({
    config: parts.config,
    cloud,
    store: parts.store,
    clock: parts.clock,
    logger: parts.logger,
    outputDir: join(parts.stateDir, 'listings'),
    onStep: (step) => telemetry.emit('step', step),
  });
  return {
    ...parts,
    cloud,
    telemetry,
    ctx,
    async close() {
      await parts.cloud.close();
      await parts.store.close();
      parts.logger.flush();
    },
  };
}

export function simStateFile(stateDir: string): string {
  return join(stateDir, 'sandbox-cloud.db');
}

/** The store alone, for commands that only read it (status): they work on a read-only state directory. */
export interface StoreReader {
  config: Config;
  stateDir: string;
  store: JobStore;
  close(): Promise<void>;
}

export async function openStoreReader(options: CommonOptions): Promise<StoreReader> {
  const { config } = loadConfig(options.config);
  const stateDir = resolveStateDir(options);
  // A PostgreSQL store does not live in the state directory.
  if (config.store.driver === 'sqlite') requireStateDir(stateDir);
  const { openStore } = await import('../store/open-store.js');
  const store = await openStore({
    driver: config.store.driver,
    stateDir,
    readOnly: true,
    ...(config.store.url ? { url: config.store.url } : {}),
  });
  return { config, stateDir, store, close: () => store.close() };
}

/** Crash tests only: the simulated cloud kills the process right after this call (`17`, `ec2.copyImage:2`). */
export const simCrashVariable = 'FEDORA_MARKETPLACE_SIM_CRASH_AFTER';

export async function openRuntime(options: CommonOptions): Promise<Runtime> {
  const { config, source, adapterExplicit } = loadConfig(options.config);
  const stateDir = resolveStateDir(options);
  prepareStateDir(stateDir);
  const logger = createLogger(options);
  const { openStore } = await import('../store/open-store.js');
  const store = await openStore({
    driver: config.store.driver,
    stateDir,
    ...(config.store.url ? { url: config.store.url } : {}),
  });

  let cloud: Cloud;
  let sim: SimCloud | undefined;
  let clock: Clock = systemClock;
  let virtualClock: ManualClock | undefined;
  if (config.cloud.adapter === 'sim') {
    const { createSimCloud, readSimClock, parseCrashPoint } = await import('../cloud/sim/index.js');
    const crashAt = process.env[simCrashVariable];
    const stateFile = simStateFile(stateDir);
    virtualClock = new ManualClock(readSimClock(stateFile) ?? Date.now());
    clock = virtualClock;
    sim = createSimCloud({
      clock,
      sim: config.cloud.sim,
      fedoraOwner: config.fedora.ownerAccount,
      partitions: simPartitions(config),
      stateFile,
      ...(crashAt ? { crashAfter: parseCrashPoint(crashAt, simCrashVariable) } : {}),
    });
    cloud = sim;
  } else {
    const { createAwsCloud } = await import('../cloud/aws/aws-cloud.js');
    cloud = createAwsCloud(config, { logger });
  }

  return assembleRuntime({
    config,
    configSource: source,
    adapterExplicit,
    stateDir,
    store,
    cloud,
    ...(sim ? { sim } : {}),
    clock,
    ...(virtualClock ? { virtualClock } : {}),
    logger,
  });
}

/** What a viewer of the store (`serve`) opens: the read-only store, the pipeline's clock, no cloud. */
export interface StoreView extends StoreReader {
  clock: Clock;
  logger: Logger;
  /** Only the viewer's own figures: it runs no job and calls no cloud. */
  telemetry: Telemetry;
}

/**
 * Opens the store to look at, never to run jobs. In the sandbox the clock is the simulated one, read from
 * the state file at each look, so ages agree with what other commands run meanwhile; the simulated cloud
 * itself is not opened, so closing the viewer cannot write an old copy of it over theirs.
 */
export async function openStoreView(options: CommonOptions): Promise<StoreView> {
  const reader = await openStoreReader(options);
  const logger = createLogger(options);
  let clock: Clock = systemClock;
  if (reader.config.cloud.adapter === 'sim') {
    const { readSimClock } = await import('../cloud/sim/index.js');
    const stateFile = simStateFile(reader.stateDir);
    clock = { now: () => new Date(readSimClock(stateFile) ?? Date.now()), sleep: systemClock.sleep };
  }
  return {
    ...reader,
    clock,
    logger,
    telemetry: createTelemetry(),
    async close() {
      await reader.close();
      logger.flush();
    },
  };
}

/**
 * The simulated accounts mirror the configured ones, so the sandbox checks the same rules AWS would:
 * the image must be readable by every account that needs it, the seller's access role included.
 */
export function simPartitions(config: Config) {
  const { partition, settings } = listingPartition(config);
  return {
    [partition]: {
      internalAccount: settings.internalAccount.accountId,
      sellerAccount: settings.sellerAccount.accountId,
      accessRoleArns: [settings.marketplace.accessRoleArn],
      marketplaceAccounts: imageShareAccounts(settings),
    },
  };
}
