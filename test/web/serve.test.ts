/**
 * `fedora-marketplace serve` as users run it: after the sandbox quick start it shows both Fedora 41 jobs,
 * it stops cleanly on SIGTERM, it refuses a bad address, and no credential it was given ever leaves it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { paths } from '../../src/web/paths.js';
import {
  quickStartMessages,
  runCli,
  runJson,
  tempStateDir,
  type JobJson,
  type SandboxStateJson,
} from '../helpers/cli.js';
import { killServing, startServing } from './serve-process.js';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => killServing());
afterAll(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function stateDir(): string {
  const made = tempStateDir('fm-serve-');
  dirs.push(made);
  return made.dir;
}

describe('serve', () => {
  it('shows the two Fedora 41 jobs of the sandbox quick start on the dashboard, then stops on SIGTERM', async () => {
    const dir = stateDir();
    const published = await runJson<{ jobs: JobJson[] }>(['publish', '--message', quickStartMessages], {
      stateDir: dir,
    });
    expect(published.jobs.map((j) => j.state)).toEqual(['published', 'published']);

    const serving = await startServing(['serve', '--http', '127.0.0.1:0'], { stateDir: dir });
    const page = await fetch(`${serving.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    for (const job of published.jobs) {
      expect(html).toContain(`data-job-id="${job.id}" data-state="published"`);
      expect(html).toContain(`https://aws.amazon.com/marketplace/management/requests/${job.changeSetId}`);
    }
    expect(html).toContain('Fedora 41 Cloud Base Images (x86_64) HVM');
    expect(html).toMatch(/<meta http-equiv="refresh" content="30">/);
    expect((await fetch(`${serving.url}${paths.ready}`)).status).toBe(200);

    const stopped = await serving.stop();
    expect(stopped.code, stopped.stderr).toBe(0);
  });

  it('shows what a publish run meanwhile adds, and leaves the sandbox cloud that run wrote as it was', async () => {
    const dir = stateDir();
    await runJson(['publish', '--message', quickStartMessages], { stateDir: dir });
    const serving = await startServing(['serve', '--http', '127.0.0.1:0'], { stateDir: dir });
    const added = await runJson<{ jobs: JobJson[] }>(
      [
        'publish',
        '--release',
        '42',
        '--arch',
        'x86_64',
        '--source-ami',
        'ami-0a42a42a42a42a42a',
        '--image-name',
        'Fedora-Cloud-Base-AmazonEC2.x86_64-42-1.1',
      ],
      { stateDir: dir },
    );
    expect(added.jobs[0]?.state).toBe('published');
    const html = await (await fetch(`${serving.url}/`)).text();
    expect(html).toContain(`data-job-id="${added.jobs[0]!.id}" data-state="published"`);
    // Ages are measured on the sandbox's simulated clock, which the second run moved on.
    expect(html).toMatch(/ended 0 s ago/);
    expect((await serving.stop()).code).toBe(0);

    const world = await runJson<SandboxStateJson>(['sandbox', 'state'], { stateDir: dir });
    expect(world.changeSets.map((c) => c.id)).toContain(added.jobs[0]!.changeSetId);
  });

  it('refuses an address that is not ADDR:PORT with a usage error naming it', async () => {
    const result = await runCli(['serve', '--http', 'localhost'], { stateDir: stateDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('field: --http; value: "localhost"; rule: must be ADDR:PORT');
  });

  it('refuses an address another process listens on with a configuration error naming it', async () => {
    const dir = stateDir();
    const first = await startServing(['serve', '--http', '127.0.0.1:0'], { stateDir: dir });
    const taken = new URL(first.url).host;
    const second = await runCli(['serve', '--http', taken], { stateDir: dir });
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(`cannot serve HTTP on ${taken} (EADDRINUSE)`);
    expect(second.stderr).toContain('Fix: pass another one with --http ADDR:PORT');
    expect((await first.stop()).code).toBe(0);
  });

  it('never shows a credential: store password, broker password or AWS keys', async () => {
    // PostgreSQL here trusts local connections and ignores the password, so a marker can stand in for one.
    const admin = new pg.Pool({
      connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    });
    const schema = `serve_secrets_${process.pid}_${Date.now()}`;
    await admin.query(`create schema ${schema}`);
    try {
      const secrets = {
        store: 'StorePassw0rdMarker',
        broker: 'BrokerPassw0rdMarker',
        keyId: 'AKIAMARKERMARKER1234',
        secretKey: 'SecretAccessKeyMarker/abcdefghijklmnop',
        token: 'SessionTokenMarker',
      };
      const dir = stateDir();
      const config = join(dir, 'config.yaml');
      writeFileSync(
        config,
        stringify({
          ...sandboxConfig,
          store: {
            driver: 'postgres',
            url: `postgres://postgres:${secrets.store}@127.0.0.1:5432/test?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
          },
          bus: { url: `amqp://fedora:${secrets.broker}@127.0.0.1:5672/%2F` },
        }),
      );
      const env = {
        AWS_ACCESS_KEY_ID: secrets.keyId,
        AWS_SECRET_ACCESS_KEY: secrets.secretKey,
        AWS_SESSION_TOKEN: secrets.token,
      };
      await runJson(['publish', '--config', config, '--message', quickStartMessages], { stateDir: dir, env });
      const serving = await startServing(
        ['serve', '--config', config, '--http', '127.0.0.1:0', '--verbose'],
        {
          stateDir: dir,
          env,
        },
      );
      const jobs = (await (await fetch(`${serving.url}${paths.jobs}`)).json()) as { jobs: JobJson[] };
      expect(jobs.jobs).toHaveLength(2);
      const bodies = [];
      for (const path of [
        paths.live,
        paths.ready,
        paths.metrics,
        paths.dashboard,
        paths.jobs,
        `${paths.jobs}/${jobs.jobs[0]!.id}`,
        paths.products,
        paths.quarantine,
        paths.openapi,
        '/no/such/route',
      ]) {
        const response = await fetch(`${serving.url}${path}`);
        bodies.push(`${path} ${JSON.stringify([...response.headers])} ${await response.text()}`);
      }
      const stopped = await serving.stop();
      const everything = [...bodies, stopped.stdout, stopped.stderr].join('\n');
      expect(everything).toContain(jobs.jobs[0]!.id);
      for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});
