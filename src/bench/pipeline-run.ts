/**
 * One measured pass of the real pipeline: a PipelineContext built directly (no CLI process), the
 * in-memory simulated cloud (no state file), a SQLite store in a temporary directory, and `count`
 * images accepted the way the CLI accepts them, then driven by the Scheduler until all are terminal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { acceptRequests } from '../app/jobs.js';
import { assembleRuntime, createLogger, simPartitions, type Runtime } from '../app/runtime.js';
import { createSimCloud } from '../cloud/sim/index.js';
import { parseConfig } from '../config/load.js';
import { sandboxConfig } from '../config/sandbox-config.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { ManualClock, systemClock, type Clock } from '../core/clock.js';
import type { Job } from '../core/model/job.js';
import { openStore } from '../store/open-store.js';
import { seedBenchImages } from './bench-requests.js';
import { countingStore } from './counting-store.js';
import { DetectionRecorder } from './detection.js';
import { openScheduler } from '../app/event-waits.js';

export interface PipelineRunSettings {
  images: number;
  /** `virtual`: a ManualClock the scheduler jumps (sandbox time); `real`: wall-clock time. */
  clock: 'virtual' | 'real';
  /** Overrides of cloud.sim.latency (sandbox defaults otherwise). */
  latency?: Partial<Config['cloud']['sim']['latency']>;
  pollSeconds?: { image: number; changeSet: number; review: number };
  /**
   * How long the simulated Public review takes (cloud.sim.marketplace.publicReview.seconds). A real-clock
   * run must scale it down like the other latencies: the sandbox default is a day.
   */
  publicReviewSeconds?: number;
  concurrency?: number;
  copiesPerRegion?: number;
  /**
   * Workers: schedulers each with their own store connection and worker id, sharing the SQLite file
   * and the simulated cloud, as several processes on one state directory would (default 1).
   */
  workers?: number;
  /** The simulated AWS events end waits (an event consumer per worker), as in the sandbox (default off). */
  events?: boolean;
}

export interface PipelineRun {
  config: Config;
  jobs: Job[];
  wallMs: number;
  /** process.cpuUsage() over the measured window, in milliseconds. */
  cpuMs: { user: number; system: number };
  /** Simulated AWS calls, keyed `service:Operation`. */
  calls: Record<string, number>;
  /** JobStore method calls during the measured window. */
  storeCalls: Record<string, number>;
  /** Event-loop delay over the measured window: how long work waited for the loop, in milliseconds. */
  loopDelayMs: { mean: number; max: number };
  /** Share of the window the event loop was busy (0..1): near 1, the run is CPU-bound on one thread. */
  loopUtilization: number;
  /** Per ended wait, ms from AWS's event to the job's stage moving on (detection.ts). */
  detectionMs: number[];
}

export function benchConfig(settings: PipelineRunSettings): Config {
  const base = sandboxConfig;
  const input: ConfigInput = {
    ...base,
    cloud: {
      adapter: 'sim',
      sim: {
        latency: { ...(settings.latency ?? {}) },
        ...(settings.publicReviewSeconds !== undefined
          ? { marketplace: { publicReview: { seconds: settings.publicReviewSeconds } } }
          : {}),
      },
    },
    pipeline: {
      ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}),
      ...(settings.copiesPerRegion !== undefined ? { copiesPerRegion: settings.copiesPerRegion } : {}),
      ...(settings.pollSeconds ? { pollSeconds: settings.pollSeconds } : {}),
    },
  };
  return parseConfig(input, '(bench)');
}

/**
 * Measures from accepting the requests to the last job settling; seeding Fedora's source images and
 * opening the store are setup, outside the window.
 */
export async function runPipeline(settings: PipelineRunSettings): Promise<PipelineRun> {
  const config = benchConfig(settings);
  const stateDir = await mkdtemp(join(tmpdir(), 'fedora-marketplace-bench-'));
  const virtualClock = settings.clock === 'virtual' ? new ManualClock(Date.now()) : undefined;
  const clock: Clock = virtualClock ?? systemClock;
  // No stateFile: the world stays in memory, so the figures exclude the sandbox's JSON persistence.
  const sim = createSimCloud({
    clock,
    sim: config.cloud.sim,
    fedoraOwner: config.fedora.ownerAccount,
    partitions: simPartitions(config),
  });
  const storeCalls: Record<string, number> = {};
  const logger = createLogger({});
  const runtimes: Runtime[] = [];
  for (let n = 0; n < (settings.workers ?? 1); n++) {
    const store = countingStore(await openStore({ driver: 'sqlite', stateDir }), storeCalls);
    runtimes.push(
      assembleRuntime({
        config,
        configSource: '(bench)',
        stateDir,
        store,
        cloud: sim,
        sim,
        clock,
        ...(virtualClock ? { virtualClock } : {}),
        logger,
      }),
    );
  }
  const runtime = runtimes[0] as Runtime;
  const detection = new DetectionRecorder();
  const queue = sim.eventQueue();

  try {
    const requests = seedBenchImages(sim, settings.images, config.fedora.sourceRegion);
    const callsBefore = sim.callCounts();
    for (const key of Object.keys(storeCalls)) delete storeCalls[key];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const eluBefore = performance.eventLoopUtilization();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();

    const accepted = await acceptRequests(runtime, requests, 'bench', () => undefined);
    const ids = accepted.map((j) => j.id);
    await Promise.all(runtimes.map((r) => settleWorker(r, ids, detection, settings.events === true)));

    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const counted = { ...storeCalls };
    loop.disable();
    const elu = performance.eventLoopUtilization(eluBefore);
    if (!settings.events && queue) await detection.readRest(queue);
    const jobs: Job[] = [];
    for (const { id } of accepted) {
      const job = await runtime.store.getJob(id);
      if (job) jobs.push(job);
    }
    return {
      config,
      jobs,
      wallMs,
      cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
      calls: subtractCounts(sim.callCounts(), callsBefore),
      storeCalls: counted,
      loopDelayMs: { mean: loop.mean / 1e6, max: loop.max / 1e6 },
      loopUtilization: elu.utilization,
      detectionMs: detection.samples(),
    };
  } finally {
    for (const r of runtimes) await r.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** One worker's scheduler until the jobs end, with the event consumer beside it when asked. */
async function settleWorker(
  runtime: Runtime,
  ids: string[],
  detection: DetectionRecorder,
  events: boolean,
): Promise<void> {
  const queue = runtime.sim?.eventQueue();
  const { scheduler, stop } = await openScheduler(
    {
      ...runtime,
      cloud: {
        ...runtime.cloud,
        eventQueue: () => (events && queue ? detection.recording(queue) : undefined),
      },
    },
    { onStep: (job, previous) => detection.step(job, previous) },
  );
  try {
    await scheduler.settle({ ids });
  } finally {
    await stop();
  }
}

/** Throws unless every job was published: a figure from a run that failed measures nothing. */
export function requirePublished(run: PipelineRun): void {
  const bad = run.jobs.filter((j) => j.state !== 'published');
  if (bad.length > 0 || run.jobs.length === 0) {
    const sample = bad
      .slice(0, 3)
      .map((j) => `${j.id} ${j.state}: ${j.reason ?? ''}`)
      .join('; ');
    throw new Error(`${bad.length} of ${run.jobs.length} job(s) were not published: ${sample}`);
  }
}

export function subtractCounts(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta > 0) out[key] = delta;
  }
  return out;
}
