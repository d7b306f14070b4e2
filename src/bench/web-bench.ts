/**
 * `web`: the operator's HTTP server over a store of 10,000 jobs. Each job is a copy of one the sandbox
 * pipeline really published (its full listing included, so rows are as large as real ones), spread over
 * releases, architectures, states and a year of creation times. /metrics, a 100-job API page and the
 * dashboard are fetched over loopback HTTP one after another; p50 and p99 are printed.
 *
 * Then the RSS of the built `listen` (idle, after start-up) with its HTTP server on and with `--no-http`,
 * against the local RabbitMQ like the intake section.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { createLogger } from '../app/runtime.js';
import { createTelemetry } from '../app/telemetry.js';
import { httpDefaults } from '../config/http-schema.js';
import { systemClock } from '../core/clock.js';
import { stages, type Job, type JobState } from '../core/model/job.js';
import { openStore } from '../store/open-store.js';
import type { JobStore } from '../store/store.js';
import { paths } from '../web/paths.js';
import { startWebServer } from '../web/server.js';
import { busConfig, childListen } from './bus-sections.js';
import { requirePublished, runPipeline } from './pipeline-run.js';
import type { BenchRow, BenchSection } from './section.js';
import { median, percentile, round } from './stats.js';

export const storedJobs = 10_000;
const requests = { metrics: 300, jobs: 300, dashboard: 40 };
const rssRuns = 3;

/** Mostly published, as a store is after some years; some failed, some still working. */
function stateOf(n: number): JobState {
  if (n % 20 === 0) return 'failed';
  if (n % 20 === 1) return stages[n % stages.length] as JobState;
  return 'published';
}

async function fillStore(store: JobStore, template: Job): Promise<void> {
  const yearAgo = Date.now() - 365 * 86_400_000;
  for (let n = 0; n < storedJobs; n++) {
    const release = 38 + (n % 6);
    const arch = n % 2 === 0 ? 'x86_64' : 'arm64';
    const composeId = `Fedora-${release}-bench.${n}`;
    const createdAt = new Date(yearAgo + n * 3_000_000);
    const job: Job = {
      ...template,
      id: `f${release}-${arch}-bench${n}`,
      key: `${template.request.subvariant}/${release}/${arch}/${composeId}`,
      state: stateOf(n),
      request: { ...template.request, release, arch, composeId },
      data: { ...template.data, stageStartedAt: createdAt.toISOString() },
      createdAt,
      updatedAt: createdAt,
      nextRunAt: createdAt,
      version: 0,
    };
    await store.createJob(job, { at: createdAt, stage: 'verify', kind: 'created', message: 'bench' });
  }
}

/** Milliseconds of each of `count` sequential GETs of `url`, after a few unmeasured ones. */
async function latencies(url: string, count: number): Promise<number[]> {
  const get = async () => {
    const response = await fetch(url);
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
    await response.arrayBuffer();
  };
  for (let i = 0; i < 5; i++) await get();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await get();
    samples.push(performance.now() - started);
  }
  return samples;
}

function latencyRows(what: string, samples: number[]): BenchRow[] {
  return [
    { label: `${what} p50`, value: percentile(samples, 50), unit: 'ms' },
    { label: `${what} p99`, value: percentile(samples, 99), unit: 'ms', note: `${samples.length} requests` },
  ];
}

/** Median peak RSS (MiB) of `rssRuns` idle `listen` processes, 3 s after start. */
async function listenRss(http: string | false): Promise<number> {
  const connection = await amqp.connect(busConfig('', '').url);
  const channel = await connection.createChannel();
  const peaks: number[] = [];
  try {
    for (let run = 0; run < rssRuns; run++) {
      const id = randomUUID();
      const [exchange, queue] = [`bench.fm.web.${id}`, `bench-web-${id}`];
      try {
        const { peakKb } = await childListen(exchange, queue, async (elapsed) => elapsed >= 3, http);
        peaks.push(peakKb / 1024);
      } finally {
        await channel.deleteQueue(queue).catch(() => {});
        await channel.deleteExchange(exchange).catch(() => {});
      }
    }
  } finally {
    await connection.close().catch(() => {});
  }
  return median(peaks);
}

export const webSection: BenchSection = {
  name: 'web',
  description: `HTTP server over ${storedJobs} stored jobs: /metrics and /api/v1/jobs?limit=100 latency (p50/p99); listen RSS with the server on and off`,
  async run() {
    const sample = await runPipeline({ images: 1, clock: 'virtual' });
    requirePublished(sample);
    const dir = mkdtempSync(join(tmpdir(), 'fm-bench-web-'));
    const store = await openStore({ driver: 'sqlite', stateDir: dir });
    try {
      const filling = performance.now();
      await fillStore(store, sample.jobs[0] as Job);
      const fillSeconds = (performance.now() - filling) / 1000;
      const logger = createLogger({});
      const server = await startWebServer(
        { config: { http: httpDefaults }, store, clock: systemClock, telemetry: createTelemetry(), logger },
        { host: '127.0.0.1', port: 0 },
      );
      let metrics: number[], jobs: number[], dashboard: number[];
      try {
        metrics = await latencies(`${server.url}${paths.metrics}`, requests.metrics);
        jobs = await latencies(`${server.url}${paths.jobs}?limit=100`, requests.jobs);
        dashboard = await latencies(`${server.url}${paths.dashboard}`, requests.dashboard);
      } finally {
        await server.close();
      }
      const on = await listenRss('127.0.0.1:0');
      const off = await listenRss(false);
      return {
        rows: [
          ...latencyRows('GET /metrics', metrics),
          ...latencyRows('GET /api/v1/jobs?limit=100', jobs),
          ...latencyRows('GET / (dashboard)', dashboard),
          {
            label: 'listen peak RSS idle, HTTP server on',
            value: on,
            unit: 'MiB',
            note: `median of ${rssRuns}`,
          },
          { label: 'listen peak RSS idle, --no-http', value: off, unit: 'MiB', note: `median of ${rssRuns}` },
          { label: 'RSS the HTTP server adds', value: on - off, unit: 'MiB' },
        ],
        details: { storedJobs, fillSeconds: round(fillSeconds), requests },
      };
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
