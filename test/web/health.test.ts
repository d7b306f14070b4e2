/**
 * /live and /ready over HTTP: the store must answer, and the cloud must not have failed every call for
 * longer than http.cloudFailureSeconds (an outage of the simulated AWS, its wall clock moved by hand).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { paths } from '../../src/web/paths.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';

const cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serve(now: () => number): Promise<{ runtime: Runtime; server: WebServer }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fm-web-health-'));
  cleanup.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const runtime = await openRuntime({ stateDir });
  cleanup.push(() => runtime.close());
  const server = await startWebServer(runtime, { host: '127.0.0.1', port: 0 }, { now });
  cleanup.push(() => server.close());
  return { runtime, server };
}

async function ready(server: WebServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${paths.ready}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/ready', () => {
  it('turns 503 once every cloud call has failed for longer than the limit, and back once one succeeds', async () => {
    let now = 1_000_000;
    const { runtime, server } = await serve(() => now);
    const limit = runtime.config.http.cloudFailureSeconds;
    const ec2 = runtime.cloud.clients('aws').ec2;
    const faults = runtime.config.cloud.sim.faults;

    faults.serverErrorRate = 1;
    await expect(ec2.describeRegions()).rejects.toMatchObject({ kind: 'server' });
    expect((await ready(server)).status).toBe(200);

    now += limit * 1000;
    await expect(ec2.describeRegions()).rejects.toMatchObject({ kind: 'server' });
    expect((await ready(server)).status).toBe(200);

    now += 1_000;
    const down = await ready(server);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'unready',
      checks: { store: { ok: true }, cloud: { ok: false } },
    });
    expect(JSON.stringify(down.body)).toMatch(
      new RegExp(
        `every cloud call has failed for ${limit + 1} s \\(limit ${limit} s\\); the last: ec2 DescribeRegions \\(server\\)`,
      ),
    );
    // Liveness does not depend on AWS: the process is fine, it only waits.
    expect((await fetch(`${server.url}${paths.live}`)).status).toBe(200);

    faults.serverErrorRate = 0;
    await ec2.describeRegions();
    expect(await ready(server)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { store: { ok: true }, cloud: { ok: true } } },
    });
  });

  it('counts an answer that refuses (not found) as the cloud answering', async () => {
    let now = 0;
    const { runtime, server } = await serve(() => now);
    const catalog = runtime.cloud.clients('aws').catalog;
    runtime.config.cloud.sim.faults.serverErrorRate = 1;
    await expect(catalog.describeEntity('prod-doesnotexist')).rejects.toMatchObject({ kind: 'server' });
    runtime.config.cloud.sim.faults.serverErrorRate = 0;
    await expect(catalog.describeEntity('prod-doesnotexist')).rejects.toMatchObject({ kind: 'not-found' });
    now += 10 * runtime.config.http.cloudFailureSeconds * 1000;
    expect((await ready(server)).status).toBe(200);
  });

  it('turns 503 naming the store when the store does not answer', async () => {
    const { runtime, server } = await serve(Date.now);
    await runtime.store.close();
    const down = await ready(server);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'unready',
      checks: { store: { ok: false }, cloud: { ok: true } },
    });
    expect((down.body['checks'] as { store: { reason: string } }).store.reason).toMatch(
      /^the job store does not answer: /,
    );
  });
});
