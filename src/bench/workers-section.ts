/**
 * Several workers on one store: the same images through one worker and through three (each its own
 * store connection, worker id and leases, sharing the store and the simulated cloud), on the real
 * clock with a realistic latency per API call. Prints both makespans, their ratio, and what the leases
 * and product locks cost in store queries per image.
 */
import { requirePublished, runPipeline, type PipelineRun, type PipelineRunSettings } from './pipeline-run.js';
import type { BenchSection } from './section.js';
import { round } from './stats.js';

export const workersImages = 200;

/** A real API call's latency; copies and change sets scaled down from minutes to seconds. */
const workersSettings = {
  apiCallMilliseconds: 50,
  copyImageSeconds: 1,
  changeSetPrepareSeconds: 0.5,
  changeSetApplySeconds: 1,
  publicReviewSeconds: 1.5,
  pollSeconds: { image: 0.2, changeSet: 0.2, review: 0.2 },
} as const;

/** The store methods that exist only to share work: claiming, renewing, releasing, waiting, locking. */
export const leaseMethods = [
  'claimDue',
  'renewLeases',
  'releaseJob',
  'outlook',
  'releaseGoneHolders',
  'tryLock',
  'unlock',
] as const;

function settings(workers: number): PipelineRunSettings {
  const { pollSeconds, publicReviewSeconds, ...latency } = workersSettings;
  // Each worker keeps the default pipeline.concurrency (16): three workers work on three times as much.
  return { images: workersImages, clock: 'real', latency, pollSeconds, publicReviewSeconds, workers };
}

export function perImage(run: PipelineRun, methods?: readonly string[]): number {
  const counted = Object.entries(run.storeCalls).filter(([m]) => !methods || methods.includes(m));
  return counted.reduce((sum, [, n]) => sum + n, 0) / run.jobs.length;
}

export const workersSection: BenchSection = {
  name: 'workers',
  description: `${workersImages} images through 1 and 3 workers on one store, real clock, ${workersSettings.apiCallMilliseconds} ms per simulated API call`,
  async run() {
    const one = await runPipeline(settings(1));
    requirePublished(one);
    const three = await runPipeline(settings(3));
    requirePublished(three);
    return {
      rows: [
        { label: 'makespan, 1 worker', value: one.wallMs / 1000, unit: 's' },
        { label: 'makespan, 3 workers', value: three.wallMs / 1000, unit: 's' },
        {
          label: 'speed-up, 3 workers',
          value: one.wallMs / three.wallMs,
          unit: 'x',
          note: 'makespan of 1 over makespan of 3; 3 would be linear',
        },
        {
          label: 'lease+lock queries per image, 1 worker',
          value: perImage(one, leaseMethods),
          unit: 'queries',
          note: leaseMethods.join(', '),
        },
        {
          label: 'lease+lock queries per image, 3 workers',
          value: perImage(three, leaseMethods),
          unit: 'queries',
        },
        { label: 'all store queries per image, 3 workers', value: perImage(three), unit: 'queries' },
        {
          label: 'event-loop busy, 3 workers',
          value: three.loopUtilization * 100,
          unit: '%',
          note: 'the three share one process here; separate processes do not',
        },
      ],
      details: {
        settings: workersSettings,
        concurrencyPerWorker: one.config.pipeline.concurrency,
        one: { wallMs: round(one.wallMs), storeCalls: one.storeCalls },
        three: { wallMs: round(three.wallMs), storeCalls: three.storeCalls },
      },
    };
  },
};
