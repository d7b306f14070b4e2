/** Sections that drive the real pipeline over the simulated cloud. */
import { minimumCalls, summarizeCalls } from './minimum-calls.js';
import { requirePublished, runPipeline, type PipelineRunSettings } from './pipeline-run.js';
import type { BenchSection } from './section.js';
import { round } from './stats.js';

export const benchImages = 40;

/** A tiny run first, so module loading and JIT warm-up are not charged to the measured run. */
async function warmUp(): Promise<void> {
  requirePublished(await runPipeline({ images: 2, clock: 'virtual' }));
}

/** Sandbox defaults: 30-minute copies, 2+15-minute change sets, 15 s / 60 s polls, in virtual time. */
export const virtualSettings: PipelineRunSettings = {
  images: benchImages,
  clock: 'virtual',
  concurrency: benchImages,
  copiesPerRegion: benchImages,
};

export const cpuSection: BenchSection = {
  name: 'cpu',
  description: `CPU per published image: ${benchImages} images, zero API latency, virtual clock, sandbox AWS timings`,
  async run() {
    await warmUp();
    const run = await runPipeline(virtualSettings);
    requirePublished(run);
    const n = run.jobs.length;
    const cpu = run.cpuMs.user + run.cpuMs.system;
    return {
      rows: [
        {
          label: 'cpu per image',
          value: cpu / n,
          unit: 'ms',
          note: `user+system over accept..settle, N=${n}`,
        },
        { label: 'user cpu per image', value: run.cpuMs.user / n, unit: 'ms' },
        { label: 'system cpu per image', value: run.cpuMs.system / n, unit: 'ms' },
        { label: 'wall per image', value: run.wallMs / n, unit: 'ms', note: 'includes SQLite fsyncs' },
      ],
      details: {
        images: n,
        wallMs: round(run.wallMs),
        cpuMs: { user: round(run.cpuMs.user), system: round(run.cpuMs.system) },
        storeCalls: run.storeCalls,
      },
    };
  },
};

/**
 * Real time, scaled down from AWS (copy ~30 min -> 3 s, change set 2+15 min -> 1+2 s) with a fixed
 * per-call latency, so scheduling overhead and contention show up as makespan above the critical path.
 * The Public review (days on AWS) is cut to one change set's length, or it would be the whole makespan.
 */
export const realisticSettings = {
  apiCallMilliseconds: 50,
  copyImageSeconds: 3,
  changeSetPrepareSeconds: 1,
  changeSetApplySeconds: 2,
  publicReviewSeconds: 3,
  pollSeconds: { image: 0.2, changeSet: 0.2, review: 0.2 },
} as const;

export function realSettings(images: number): PipelineRunSettings {
  const { pollSeconds, publicReviewSeconds, ...latency } = realisticSettings;
  return {
    images,
    clock: 'real',
    latency,
    pollSeconds,
    publicReviewSeconds,
    concurrency: benchImages,
    copiesPerRegion: benchImages,
    // As the sandbox runs: AWS events end the waits, polls are the fallback.
    events: true,
  };
}

export const makespanSection: BenchSection = {
  name: 'makespan',
  description: `Makespan of ${benchImages} concurrent images vs the critical path of one, real clock, scaled-down AWS latencies`,
  async run() {
    await warmUp();
    const single = await runPipeline(realSettings(1));
    requirePublished(single);
    const many = await runPipeline(realSettings(benchImages));
    requirePublished(many);
    const ratio = many.wallMs / single.wallMs;
    const perImageCalls = (calls: Record<string, number>, n: number) =>
      Object.values(calls).reduce((s, c) => s + c, 0) / n;
    return {
      rows: [
        { label: 'critical path (1 image)', value: single.wallMs / 1000, unit: 's' },
        { label: `makespan (${benchImages} images)`, value: many.wallMs / 1000, unit: 's' },
        { label: 'makespan / critical path', value: ratio, unit: 'x', target: { max: 1.05 } },
        {
          label: 'store queries (1 image)',
          value: sumCounts(single.storeCalls),
          unit: 'calls',
          note: 'claims, outlooks, releases, saves...',
        },
        { label: `store queries (${benchImages} images)`, value: sumCounts(many.storeCalls), unit: 'calls' },
        { label: `event-loop delay max (${benchImages})`, value: many.loopDelayMs.max, unit: 'ms' },
        { label: `event-loop busy (${benchImages})`, value: many.loopUtilization * 100, unit: '%' },
        {
          label: `cpu (${benchImages} images)`,
          value: (many.cpuMs.user + many.cpuMs.system) / 1000,
          unit: 's',
        },
      ],
      details: {
        settings: realisticSettings,
        concurrency: benchImages,
        copiesPerRegion: benchImages,
        single: runSummary(single, perImageCalls(single.calls, 1)),
        many: runSummary(many, perImageCalls(many.calls, benchImages)),
      },
    };
  },
};

function sumCounts(counts: Record<string, number>): number {
  return Object.values(counts).reduce((s, c) => s + c, 0);
}

function runSummary(run: Awaited<ReturnType<typeof runPipeline>>, callsPerImage: number) {
  return {
    wallMs: round(run.wallMs),
    cpuMs: { user: round(run.cpuMs.user), system: round(run.cpuMs.system) },
    callsPerImage: round(callsPerImage),
    storeCalls: run.storeCalls,
    loopDelayMs: { mean: round(run.loopDelayMs.mean), max: round(run.loopDelayMs.max) },
    loopUtilization: round(run.loopUtilization, 3),
  };
}

export const callsSection: BenchSection = {
  name: 'calls',
  description: `AWS calls per published image vs the stages' minimum: ${benchImages} images, sandbox AWS timings, virtual clock`,
  async run() {
    const run = await runPipeline({ ...virtualSettings, events: true });
    requirePublished(run);
    const n = run.jobs.length;
    const summary = summarizeCalls(run.calls, minimumCalls(run.config, run.jobs));
    const per = (v: number) => v / n;
    return {
      rows: [
        { label: 'calls per image', value: per(summary.total), unit: 'calls' },
        {
          label: 'minimum per image',
          value: per(summary.minimum),
          unit: 'calls',
          note: 'derived from stage needs',
        },
        {
          label: 'polls per image',
          value: per(summary.polls),
          unit: 'calls',
          note: 'DescribeImages/DescribeChangeSet repeats',
        },
        {
          label: 'redundant per image',
          value: per(summary.redundant),
          unit: 'calls',
          note: 'non-poll calls above minimum',
        },
        {
          label: 'total / minimum',
          value: summary.total / summary.minimum,
          unit: 'x',
          target: { max: 1.5 },
          note: 'events on',
        },
        ...summary.rows.map((r) => ({
          label: `  ${r.operation}`,
          value: per(r.total),
          unit: 'calls',
          note: `minimum ${round(per(r.minimum))}, excess ${round(per(r.excess))}`,
        })),
      ],
      details: {
        images: n,
        pollSeconds: run.config.pipeline.pollSeconds,
        latency: run.config.cloud.sim.latency,
        perOperation: Object.fromEntries(
          summary.rows.map((r) => [r.operation, { total: r.total, minimum: r.minimum }]),
        ),
      },
    };
  },
};
