import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { ExitCode } from '../../src/core/errors.js';
import {
  fixture,
  quickStartMessages,
  runCli,
  runJson,
  tempStateDir,
  type JobJson,
  type SandboxStateJson,
} from '../helpers/cli.js';

describe('publish --detach, then resume', () => {
  const state = tempStateDir();
  const opts = { stateDir: state.dir };
  afterAll(() => state.remove());

  it('returns exit 6 with the jobs waiting, and resume finishes them', async () => {
    const detached = await runJson<{ jobs: JobJson[] }>(
      ['publish', '--message', quickStartMessages, '--detach'],
      opts,
      ExitCode.pending,
    );
    expect(detached.jobs).toHaveLength(2);
    for (const job of detached.jobs) {
      expect(['mirror', 'await']).toContain(job.state);
      expect(job.reason).toMatch(/waiting/);
    }

    const human = await runCli(['status'], opts);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/waiting for copies/);

    const resumed = await runJson<{ jobs: JobJson[] }>(['resume'], opts);
    expect(resumed.jobs.map((j) => j.id).sort()).toEqual(detached.jobs.map((j) => j.id).sort());
    for (const job of resumed.jobs)
      expect(job).toMatchObject({ state: 'published', changeSetStatus: 'SUCCEEDED' });

    const nothingLeft = await runCli(['resume'], opts);
    expect(nothingLeft.code).toBe(0);
    expect(nothingLeft.stdout).toMatch(/resuming 0 unfinished job/);
  });
});

describe('a failed job and resume --retry-failed', () => {
  const state = tempStateDir();
  const opts = { stateDir: join(state.dir, 'state') };
  afterAll(() => state.remove());

  /** The embedded sandbox configuration as a file, with the x86_64 recommended instance type replaced. */
  function configWith(file: string, recommendedInstanceType: string): string {
    const config = structuredClone(sandboxConfig);
    const product = config.products?.['Cloud_Base'];
    if (!product) throw new Error('the sandbox configuration has no Cloud_Base product');
    product.recommendedInstanceType = recommendedInstanceType;
    const path = join(state.dir, file);
    writeFileSync(path, JSON.stringify(config, null, 2)); // JSON is YAML
    return path;
  }

  it('fails in describe when the recommended instance type is not offered (exit 5), and publishes once fixed', async () => {
    const bad = configWith('bad.yaml', 'x9.superlarge');
    const failed = await runJson<{ jobs: JobJson[] }>(
      ['publish', '--message', fixture('f41-x86_64-1.5.json'), '--config', bad],
      opts,
      ExitCode.jobsFailed,
    );
    expect(failed.jobs).toHaveLength(1);
    const job = failed.jobs[0] as JobJson;
    expect(job.state).toBe('failed');
    expect(job.reason).toMatch(/^describe: .*recommendedInstanceType.*x9\.superlarge/);

    // A plain resume leaves failed jobs alone.
    const plain = await runCli(['resume', '--config', bad], opts);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/resuming 0 unfinished job/);

    const good = configWith('good.yaml', 't3.small');
    const retried = await runJson<{ jobs: JobJson[] }>(['resume', '--retry-failed', '--config', good], opts);
    expect(retried.jobs).toHaveLength(1);
    expect(retried.jobs[0]).toMatchObject({
      id: job.id,
      state: 'published',
      versionTitle: '41.1.5',
      changeSetStatus: 'SUCCEEDED',
    });
    // Mirrors made before the failure are reused, not copied again.
    expect(retried.jobs[0]?.mirroredAmis).toEqual(job.mirroredAmis);

    const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state', '--config', good], opts);
    // The product with its offer and version (released with them) and the request for Public: nothing twice.
    expect(sandbox.changeSets.map((c) => c.changes[0]?.changeType)).toEqual([
      'CreateProduct',
      'UpdateVisibility',
    ]);
    expect(sandbox.images.filter((i) => i.owner === '111122223333')).toHaveLength(3);
  });
});
