/**
 * /metrics after a real sandbox run: the quick-start messages go through the shared intake and the
 * scheduler in this process, then the figures are scraped over HTTP and checked against what the
 * simulated cloud itself counted and what the store holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveJobs } from '../../src/app/jobs.js';
import { takeInMessageFiles } from '../../src/app/publish.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { stages, type Job } from '../../src/core/model/job.js';
import { observeStep } from '../../src/web/metrics.js';
import { paths } from '../../src/web/paths.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { quickStartMessages } from '../helpers/cli.js';
import { parseSamples, value, type Sample } from './prometheus-text.js';

let stateDir: string;
let runtime: Runtime;
let server: WebServer;
let jobs: Job[];

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${server.url}${paths.metrics}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parseSamples(text) };
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'fm-web-metrics-'));
  runtime = await openRuntime({ stateDir });
  server = await startWebServer(runtime, { host: '127.0.0.1', port: 0 });
  // What `publish --message` does: the app's intake of message files, then the scheduler.
  const taken = await takeInMessageFiles(
    runtime,
    { message: [quickStartMessages], subvariant: 'Cloud_Base' },
    () => {},
  );
  jobs = await driveJobs(runtime, taken.jobs, { detach: false });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('/metrics after the sandbox publishes Fedora 41 for two architectures', () => {
  it('counts jobs by state from the store and both change sets as SUCCEEDED', async () => {
    expect(jobs.map((j) => j.state)).toEqual(['published', 'published']);
    const { samples } = await scrape();
    expect(value(samples, 'fedora_marketplace_jobs', { state: 'published' })).toBe(2);
    expect(value(samples, 'fedora_marketplace_jobs', { state: 'failed' })).toBe(0);
    expect(value(samples, 'fedora_marketplace_change_sets_total', { status: 'SUCCEEDED' })).toBe(2);
    expect(value(samples, 'fedora_marketplace_change_sets_total', { status: 'FAILED' })).toBe(0);
    expect(value(samples, 'fedora_marketplace_oldest_job_age_seconds')).toBe(0);
    expect(value(samples, 'fedora_marketplace_quarantined_messages')).toBe(0);
  });

  it('observes every stage of both jobs, with the simulated copy and change-set times', async () => {
    const { samples } = await scrape();
    const count = (stage: string) =>
      value(samples, 'fedora_marketplace_stage_duration_seconds_count', { stage, outcome: 'advanced' });
    // Every stage but release: the set that creates each product releases it.
    for (const stage of stages) expect(count(stage)).toBe(stage === 'release' ? 0 : 2);
    const { copyImageSeconds, changeSetPrepareSeconds, changeSetApplySeconds } =
      runtime.config.cloud.sim.latency;
    const sum = (stage: string) => value(samples, 'fedora_marketplace_stage_duration_seconds_sum', { stage });
    expect(sum('mirror')).toBeGreaterThanOrEqual(2 * copyImageSeconds);
    expect(sum('await')).toBeGreaterThanOrEqual(2 * (changeSetPrepareSeconds + changeSetApplySeconds));
    // Each job's stages add up to the time from its creation to its end.
    const total = stages.map(sum).reduce((a, b) => a + b, 0);
    const lifetimes = jobs.map((j) => (j.updatedAt.getTime() - j.createdAt.getTime()) / 1000);
    expect(total).toBeCloseTo(
      lifetimes.reduce((a, b) => a + b, 0),
      3,
    );
  });

  it('counts AWS calls per service as many as the simulated cloud served, all ok', async () => {
    const { samples } = await scrape();
    const served = runtime.sim!.callCounts();
    const servedBy = (service: string) =>
      Object.entries(served)
        .filter(([key]) => key.startsWith(`${service}:`))
        .reduce((sum, [, n]) => sum + n, 0);
    const calls = (service: string, outcome?: string) =>
      value(samples, 'fedora_marketplace_aws_calls_total', { service, ...(outcome ? { outcome } : {}) });
    expect(calls('ec2')).toBe(servedBy('ec2'));
    expect(calls('marketplace-catalog')).toBe(servedBy('aws-marketplace'));
    expect(calls('ssm')).toBe(servedBy('ssm'));
    expect(calls('ec2', 'ok')).toBe(calls('ec2'));
    expect(
      value(samples, 'fedora_marketplace_aws_calls_total', {
        service: 'ec2',
        operation: 'CopyImage',
        outcome: 'ok',
      }),
    ).toBe(served['ec2:CopyImage']);
    expect(value(samples, 'fedora_marketplace_resource_in_use_waits_total')).toBe(0);
  });

  it('counts a StartChangeSet refused with ResourceInUseException as a wait', async () => {
    const productId = jobs[0]!.data.productId!;
    const catalog = runtime.cloud.clients('aws').catalog;
    const change = {
      ChangeType: 'UpdateInformation',
      Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
      DetailsDocument: { ShortDescription: 'Fedora Cloud Base' },
    };
    await catalog.startChangeSet({
      changes: [change],
      changeSetName: 'first',
      clientRequestToken: 'metrics-test-1',
    });
    await expect(
      catalog.startChangeSet({
        changes: [change],
        changeSetName: 'second',
        clientRequestToken: 'metrics-test-2',
      }),
    ).rejects.toMatchObject({ kind: 'resource-in-use', awsCode: 'ResourceInUseException' });
    const { samples } = await scrape();
    expect(value(samples, 'fedora_marketplace_resource_in_use_waits_total')).toBe(1);
    expect(
      value(samples, 'fedora_marketplace_aws_calls_total', {
        service: 'marketplace-catalog',
        operation: 'StartChangeSet',
        outcome: 'resource-in-use',
      }),
    ).toBe(1);
  });

  it('includes the default process metrics', async () => {
    const { text } = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ])
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
  });
});

describe('observeStep', () => {
  it('reports a stage that ended and a change set that ended, nothing for a wait', () => {
    const [job] = jobs;
    const base = {
      ...job!,
      data: { ...job!.data, changeSetStatus: 'APPLYING', stageStartedAt: '2026-01-01T00:00:00.000Z' },
    };
    const waited = { ...base, updatedAt: new Date('2026-01-01T00:10:00.000Z') };
    expect(
      observeStep({ previous: { ...base, state: 'await' }, job: { ...waited, state: 'await' } }),
    ).toEqual({});
    const ended = {
      ...waited,
      state: 'ssm' as const,
      data: { ...waited.data, changeSetStatus: 'SUCCEEDED' },
    };
    expect(observeStep({ previous: { ...base, state: 'await' }, job: ended })).toEqual({
      stageEnded: { stage: 'await', outcome: 'advanced', seconds: 600 },
      changeSetEnded: 'SUCCEEDED',
    });
    const failed = {
      ...waited,
      state: 'failed' as const,
      data: { ...waited.data, changeSetStatus: 'FAILED' },
    };
    expect(observeStep({ previous: { ...base, state: 'await' }, job: failed })).toEqual({
      stageEnded: { stage: 'await', outcome: 'failed', seconds: 600 },
      changeSetEnded: 'FAILED',
    });
  });
});
