/** Event-driven waits: how soon a finished copy or change set is acted on, and what polling it saves. */
import { benchImages, realSettings, virtualSettings } from './pipeline-sections.js';
import { requirePublished, runPipeline, type PipelineRun } from './pipeline-run.js';
import type { BenchRow, BenchSection } from './section.js';
import { percentile, round } from './stats.js';

const callsPerImage = (run: PipelineRun) =>
  Object.values(run.calls).reduce((sum, c) => sum + c, 0) / run.jobs.length;

function latencyRows(label: string, samples: number[], note: string, target?: number): BenchRow[] {
  const s = (p: number) => percentile(samples, p) / 1000;
  return [
    { label: `${label} p50`, value: s(50), unit: 's', note },
    {
      label: `${label} p95`,
      value: s(95),
      unit: 's',
      ...(target !== undefined ? { target: { max: target } } : {}),
    },
    { label: `${label} max`, value: s(100), unit: 's', note: `${samples.length} waits` },
  ];
}

export const eventsSection: BenchSection = {
  name: 'events',
  description: `Event-driven waits: detection latency and AWS calls per image, ${benchImages} images, events on and off`,
  async run() {
    const polled = await runPipeline(virtualSettings);
    requirePublished(polled);
    const evented = await runPipeline({ ...virtualSettings, events: true });
    requirePublished(evented);
    const live = await runPipeline(realSettings(benchImages));
    requirePublished(live);
    return {
      rows: [
        ...latencyRows(
          'detection, events',
          live.detectionMs,
          'wall time from the event reaching the queue to the stage moving on; real clock, 50 ms per call, copies 3 s, sets 1+2 s (the path does not depend on how long AWS took); EventBridge delivery itself not included',
          10,
        ),
        ...latencyRows(
          'detection, polling',
          polled.detectionMs,
          'events off: simulated time from the event to the poll that saw it, sandbox timings (30 min copies, 2+15 min sets, 15 s/60 s polls)',
        ),
        {
          label: 'calls per image, events on',
          value: callsPerImage(evented),
          unit: 'calls',
          note: 'sandbox timings, virtual clock',
        },
        { label: 'calls per image, events off', value: callsPerImage(polled), unit: 'calls' },
      ],
      details: {
        eventsOn: evented.calls,
        eventsOff: polled.calls,
        detectionMs: {
          events: {
            p50: round(percentile(live.detectionMs, 50)),
            p95: round(percentile(live.detectionMs, 95)),
          },
          polling: {
            p50: round(percentile(polled.detectionMs, 50)),
            p95: round(percentile(polled.detectionMs, 95)),
          },
        },
      },
    };
  },
};
