/**
 * A pipeline on the in-process simulated cloud: virtual clock, in-memory sim (no state file), SQLite
 * store in a temporary directory, silent logger, and the sandbox configuration with overrides.
 */
import { simPartitions } from '../../src/app/runtime.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createSimCloud, type SimCloud } from '../../src/cloud/sim/index.js';
import { parseConfig } from '../../src/config/load.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { toFedoraArch, type AwsArch } from '../../src/core/arch.js';
import { ManualClock } from '../../src/core/clock.js';
import type { ImageRequest } from '../../src/core/model/image-request.js';
import { createPipelineContext, type PipelineContext } from '../../src/pipeline/context.js';
import { newJob, type Job, type JobState } from '../../src/core/model/job.js';
import { runStage } from '../../src/pipeline/runner.js';
import { Scheduler, type SettleOptions } from '../../src/pipeline/scheduler.js';
import { openEventWaits } from '../../src/app/event-waits.js';
import type { EventCounts } from '../../src/pipeline/event-consumer.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store.js';

export const fedoraOwner = '125523088429';
export const internalAccount = '111122223333';
export const impostorAccount = '999999999999';

export interface HarnessOptions {
  /** Edits a deep copy of the sandbox configuration input before it is parsed. */
  configure?: (input: ConfigInput) => void;
  /** Reuse these (a "restart": a new context over the same store and cloud). */
  store?: JobStore;
  sim?: SimCloud;
  clock?: ManualClock;
  dir?: string;
}

export interface Harness {
  ctx: PipelineContext;
  config: Config;
  sim: SimCloud;
  clock: ManualClock;
  store: JobStore;
  dir: string;
  /** A Fedora-owned source image seeded in us-east-1 and the request announcing it. */
  request(spec?: RequestSpec): ImageRequest;
  /** Stores a job for the request, as intake does. */
  createJob(request: ImageRequest): Promise<Job>;
  /** Runs a fresh Scheduler on the virtual clock until the jobs end (or, with detach, until none is due). */
  publishAll(options?: SettleOptions): Promise<Job[]>;
  /** publishAll with the simulated AWS events ending waits, as publish and listen run in the sandbox. */
  publishWithEvents(options?: SettleOptions): Promise<{ jobs: Job[]; events: EventCounts }>;
  job(id: string): Promise<Job>;
  close(): Promise<void>;
}

export interface RequestSpec {
  release?: number;
  arch?: AwsArch;
  label?: string;
  composeId?: string;
  /** Seed the source image with this owner (an impostor's AMI). */
  ownerId?: string;
}

/** Tests poll the same way the product does, just with small intervals to keep event logs short. */
function baseInput(): ConfigInput {
  const input = structuredClone(sandboxConfig);
  input.cloud = {
    adapter: 'sim',
    sim: {
      latency: {
        copyImageSeconds: 1800,
        changeSetPrepareSeconds: 120,
        changeSetApplySeconds: 900,
        apiCallMilliseconds: 0,
      },
      faults: { throttleRate: 0, serverErrorRate: 0, failCopyOf: [], seed: 1 },
    },
  };
  input.pipeline = { concurrency: 8, pollSeconds: { image: 60, changeSet: 60 } };
  return input;
}

export function makeConfig(configure?: (input: ConfigInput) => void): Config {
  const input = baseInput();
  configure?.(input);
  return parseConfig(input, 'test');
}

export async function makeHarness(options: HarnessOptions = {}): Promise<Harness> {
  const config = makeConfig(options.configure);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'fm-pipeline-'));
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  const store = options.store ?? (await openStore({ driver: 'sqlite', stateDir: dir }));
  const sim =
    options.sim ??
    createSimCloud({
      clock,
      sim: config.cloud.sim,
      fedoraOwner: config.fedora.ownerAccount,
      partitions: simPartitions(config),
    });
  const ctx = createPipelineContext({
    config,
    cloud: sim,
    store,
    clock,
    logger: pino({ level: 'silent' }),
    outputDir: join(dir, 'listings'),
  });

  return {
    ctx,
    config,
    sim,
    clock,
    store,
    dir,
    request(spec = {}) {
      const release = spec.release ?? 41;
      const arch = spec.arch ?? 'x86_64';
      const label = spec.label ?? '1.4';
      const imageName = `Fedora-Cloud-Base-AmazonEC2.${toFedoraArch(arch)}-${release}-${label}`;
      const image = sim.seedImage({
        region: 'us-east-1',
        name: imageName,
        architecture: arch,
        ...(spec.ownerId ? { ownerId: spec.ownerId } : {}),
      });
      return {
        release,
        arch,
        subvariant: 'Cloud_Base',
        composeId: spec.composeId ?? `Fedora-${release}-${label}`,
        imageName,
        label,
        sourceAmi: image.imageId,
        sourceRegion: 'us-east-1',
        regions: { 'us-east-1': image.imageId },
        prerelease: false,
        derived: [],
        origin: { kind: 'cli' },
      };
    },
    async createJob(request) {
      const now = clock.now();
      const { job } = await store.createJob(newJob(request, now), {
        at: now,
        stage: 'verify',
        kind: 'created',
        message: `accepted ${request.imageName}`,
      });
      return job;
    },
    async publishAll(settle = {}) {
      await new Scheduler(ctx, { virtualClock: clock }).settle(settle);
      return store.listJobs();
    },
    async publishWithEvents(settle = {}) {
      const waits = openEventWaits({
        cloud: sim,
        store,
        clock,
        virtualClock: clock,
        logger: pino({ level: 'silent' }),
        ctx,
      });
      if (!waits) throw new Error('the simulated cloud has no event queue (sim.events: false?)');
      const scheduler = new Scheduler(ctx, { virtualClock: clock, ...waits.schedulerOptions });
      await waits.start(scheduler);
      try {
        await scheduler.settle(settle);
      } finally {
        await waits.stop();
      }
      return { jobs: await store.listJobs(), events: waits.consumer.counts };
    },
    async job(id) {
      const found = await store.getJob(id);
      if (!found) throw new Error(`job ${id} is not in the store`);
      return found;
    },
    async close() {
      // A restarted harness borrows the first one's store and directory; their owner releases them.
      if (!options.store) await store.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one job stage by stage (jumping the clock over its waits) until it reaches `state`. */
export async function runUntil(h: Harness, jobId: string, state: JobState): Promise<Job> {
  let job = await h.job(jobId);
  for (let step = 0; step < 200 && job.state !== state; step++) {
    h.clock.advanceTo(job.nextRunAt);
    job = (await runStage(job, h.ctx))!.job;
  }
  if (job.state !== state)
    throw new Error(`job ${jobId} did not reach ${state}: ${job.state} ${job.reason ?? ''}`);
  return job;
}
