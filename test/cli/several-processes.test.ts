/**
 * Several processes on one state directory, as an operator runs them: `publish` while `listen` runs on
 * the same SQLite store and sandbox, and two `publish` at once. Whatever the interleaving, the result
 * must be that of one process: one product per release and architecture, created once; one change set
 * per version; every job published, on a product and version the simulated cloud really has (no lost
 * write, no phantom); no failed job.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { ListenBus, until } from '../bus/bus-harness.js';
import {
  collect,
  internalAccount,
  runJson,
  spawnCli,
  tempStateDir,
  versionTitleOf,
  type JobJson,
  type SandboxStateJson,
} from '../helpers/cli.js';
import { announcement, dump, type ImageSpec } from '../helpers/messages.js';
import { ensureRabbit } from '../helpers/rabbit.js';

const x86 = (respin: number): ImageSpec => ({ release: 41, arch: 'x86_64', respin });
const arm = (respin: number): ImageSpec => ({ release: 41, arch: 'aarch64', respin });
const sandboxRegions = ['us-east-1', 'us-east-2', 'eu-west-1'];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function stateDir(): string {
  const state = tempStateDir('fm-several-');
  cleanups.push(state.remove);
  return state.dir;
}

/** What one process would have left: checked on the jobs and on the simulated cloud itself. */
async function expectOneProcessResult(dir: string, images: number, config: string[]): Promise<void> {
  const { jobs } = await runJson<{ jobs: JobJson[] }>(['status', ...config], { stateDir: dir });
  expect(jobs).toHaveLength(images);
  for (const job of jobs)
    expect(job, job.id).toMatchObject({ state: 'published', changeSetStatus: 'SUCCEEDED' });

  const cloud = await runJson<SandboxStateJson>(['sandbox', 'state', ...config], { stateDir: dir });
  expect(cloud.products.map((p) => p.title).sort()).toEqual([
    'Fedora 41 Cloud Base Images (aarch64) HVM',
    'Fedora 41 Cloud Base Images (x86_64) HVM',
  ]);
  const creates = cloud.changeSets.filter((cs) => cs.changes.some((c) => c.changeType === 'CreateProduct'));
  expect(creates.map((cs) => cs.product).sort()).toEqual(cloud.products.map((p) => p.id).sort());
  const added = cloud.changeSets.flatMap((cs) =>
    cs.changes
      .filter((c) => c.changeType === 'AddDeliveryOptions')
      .map((c) => `${cs.product} ${versionTitleOf(c.details)}`),
  );
  expect(added).toHaveLength(images);
  expect(new Set(added).size).toBe(images);
  expect(cloud.changeSets.every((cs) => cs.status === 'SUCCEEDED')).toBe(true);

  const mirrors = cloud.images.filter((i) => i.owner === internalAccount);
  expect(mirrors).toHaveLength(images * sandboxRegions.length);
  for (const job of jobs) {
    // No phantom: the product and version the job names exist, with the job's own AMI.
    const product = cloud.products.find((p) => p.id === job.productId);
    expect(product?.versions.find((v) => v.title === job.versionTitle)?.amiId, job.id).toBe(
      job.mirroredAmis['us-east-1'],
    );
    // No lost write: every mirror the job recorded is in the cloud.
    for (const region of sandboxRegions)
      expect(mirrors.some((m) => m.id === job.mirroredAmis[region] && m.region === region)).toBe(true);
  }
}

describe('several processes on one state directory', () => {
  beforeAll(async () => {
    await ensureRabbit();
  });

  it('publish while listen runs on the same SQLite state and sandbox', async () => {
    const bus = new ListenBus(5);
    cleanups.push(() => bus.close());
    await bus.open();
    const dir = stateDir();
    const config = bus.writeConfig(dir);
    const listen = spawnCli(['listen', '--config', config], { stateDir: dir });
    const listened = collect(listen);
    cleanups.push(() => {
      if (listen.exitCode === null) listen.kill('SIGKILL');
    });

    // The bus and the file overlap on one image and share both products.
    for (const spec of [x86(1), x86(2), x86(3), arm(1)]) {
      const message = announcement(spec);
      await bus.publish(message.body, { id: message.id, topic: message.topic });
    }
    const file = join(dir, 'more.jsonl');
    writeFileSync(file, dump([x86(4), x86(5), arm(2), x86(1)]));
    const published = await collect(
      spawnCli(['publish', '--message', file, '--config', config], { stateDir: dir }),
    );
    expect(published.code, published.stderr).toBe(ExitCode.ok);

    await until(
      async () => {
        const { jobs } = await runJson<{ jobs: JobJson[] }>(['status', '--config', config], {
          stateDir: dir,
        });
        return jobs.length === 7 && jobs.every((j) => j.state === 'published' || j.state === 'failed');
      },
      90_000,
      'seven finished jobs',
    );
    listen.kill('SIGTERM');
    expect((await listened).code).toBe(0);
    await expectOneProcessResult(dir, 7, ['--config', config]);
    expect(await bus.queueDepth()).toBe(0);
  }, 150_000);

  it('two publish processes on one sandbox state directory', async () => {
    const dir = stateDir();
    const first = join(dir, 'first.jsonl');
    const second = join(dir, 'second.jsonl');
    writeFileSync(first, dump([x86(1), x86(2), x86(3), arm(1)]));
    writeFileSync(second, dump([x86(3), x86(4), x86(5), arm(1), arm(2)]));
    const runs = await Promise.all(
      [first, second].map((file) => collect(spawnCli(['publish', '--message', file], { stateDir: dir }))),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(ExitCode.ok);
    await expectOneProcessResult(dir, 7, []);
  }, 120_000);
});
