/**
 * Crash safety end to end, deterministically: the built CLI kills itself (SIGKILL) right after a chosen
 * simulated AWS call took effect and before it could record it (FEDORA_MARKETPLACE_SIM_CRASH_AFTER), at
 * every stage of a three-image publish (two images of one product), and is restarted with `publish` or
 * `resume` each time. The simulated cloud must end with exactly what one clean run leaves: one mirror per
 * image and region, one change set per version, one CreateProduct per product. crash-sqlite.test.ts and
 * crash-postgres.test.ts run it on each store, in parallel.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { simCrashVariable } from '../../src/app/runtime.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { ExitCode } from '../../src/core/errors.js';
import {
  fixture,
  internalAccount,
  marketplaceAccounts,
  runCli,
  runJson,
  tempStateDir,
  versionTitleOf,
  type JobJson,
  type SandboxStateJson,
} from '../helpers/cli.js';

const messages = fixture('three-images.jsonl');
const regions = ['us-east-1', 'us-east-2', 'eu-west-1'];

/**
 * Where each run dies, in order, on one state directory: right after the call that does a stage's work
 * and before the stage's result is stored. Each restart must find that work instead of doing it again.
 */
const crashPoints: Array<{ command: 'publish' | 'resume'; after: string; stage: string }> = [
  { command: 'publish', after: 'ec2.describeImages:1', stage: 'intake (source lookup)' },
  { command: 'publish', after: 'ec2.describeImages:2', stage: 'verify' },
  { command: 'publish', after: 'ec2.copyImage:1', stage: 'mirror (first copy)' },
  { command: 'resume', after: 'ec2.copyImage:2', stage: 'mirror (more copies)' },
  { command: 'resume', after: 'ec2.modifyImageLaunchPermission:1', stage: 'share (image)' },
  { command: 'resume', after: 'ec2.modifySnapshotCreateVolumePermission:2', stage: 'share (snapshots)' },
  { command: 'resume', after: 'ec2.describeInstanceTypes:1', stage: 'describe' },
  { command: 'publish', after: 'catalog.startChangeSet:1', stage: 'submit (a product is being created)' },
  { command: 'resume', after: 'catalog.startChangeSet:1', stage: 'submit (the other product)' },
  { command: 'resume', after: 'catalog.describeChangeSet:1', stage: 'await' },
  {
    command: 'resume',
    after: 'catalog.startChangeSet:1',
    stage: 'submit (a version of an existing product)',
  },
  { command: 'resume', after: 'catalog.startChangeSet:1', stage: 'release (Draft -> Limited)' },
  { command: 'resume', after: 'catalog.startChangeSet:1', stage: 'visibility (the request for Public)' },
  { command: 'resume', after: 'ssm.getParameter:1', stage: 'ssm' },
  { command: 'resume', after: 'ssm.getParameter:2', stage: 'ssm (again)' },
];

/** The sandbox, with short leases and locks: on PostgreSQL a killed worker's end by expiry only. */
function crashConfig(dir: string, store: ConfigInput['store']): string {
  const file = join(dir, 'crash.yaml');
  const input: ConfigInput = {
    ...sandboxConfig,
    cloud: { adapter: 'sim' },
    pipeline: { leaseSeconds: 1, productLockSeconds: 1 },
    ...(store ? { store } : {}),
  };
  writeFileSync(file, stringify(input));
  return file;
}

/** The whole sequence on one store: `store` is the configuration's store section (none: SQLite). */
export function crashSuite(name: string, storeOf: () => Promise<ConfigInput['store']>): void {
  describe(`killed right after the AWS call of each stage, on ${name}`, () => {
    const state = tempStateDir('fm-crash-');
    const opts = { stateDir: state.dir };
    afterAll(() => state.remove());

    it('ends with one mirror per image and region, one change set per version, every job published', async () => {
      const config = crashConfig(state.dir, await storeOf());
      for (const point of crashPoints) {
        const args = point.command === 'publish' ? ['publish', '--message', messages] : ['resume'];
        const run = await runCli([...args, '--config', config], {
          ...opts,
          env: { [simCrashVariable]: point.after },
        });
        // The crash is a call count, not a timer: it always happens, exactly there.
        expect(
          { stage: point.stage, signal: run.signal, stderr: run.stderr },
          `exit ${run.code}: ${run.stdout.slice(-1500)}`,
        ).toEqual({ stage: point.stage, signal: 'SIGKILL', stderr: '' });
      }

      const final = await runCli(['publish', '--message', messages, '--config', config], opts);
      expect(final.code, final.stderr).toBe(ExitCode.ok);
      const resumed = await runCli(['resume', '--config', config], opts);
      expect(resumed.code, resumed.stderr).toBe(ExitCode.ok);

      const { jobs } = await runJson<{ jobs: JobJson[] }>(['status', '--config', config], opts);
      expect(jobs).toHaveLength(3);
      for (const job of jobs)
        expect(job, job.id).toMatchObject({ state: 'published', changeSetStatus: 'SUCCEEDED' });

      const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state', '--config', config], opts);

      // Mirrors: exactly one copy per image per target region, and it is the one the job recorded.
      const mirrors = sandbox.images.filter((i) => i.owner === internalAccount);
      expect(mirrors).toHaveLength(jobs.length * regions.length);
      for (const job of jobs) {
        for (const region of regions) {
          const copies = mirrors.filter(
            (i) => i.region === region && i.tags['fedora-marketplace:source-ami'] === job.sourceAmi,
          );
          expect(
            copies.map((c) => c.id),
            `${job.id} ${region}`,
          ).toEqual([job.mirroredAmis[region]]);
          expect(copies[0]?.state).toBe('available');
          expect([...(copies[0]?.launchPermissions ?? [])].sort()).toEqual(marketplaceAccounts);
        }
      }

      // Change sets: one per product and version title, and per product one CreateProduct (which
      // releases it) and one request for Public, all succeeded.
      expect(sandbox.changeSets).toHaveLength(5);
      const byVersion = new Map<string, number>();
      const perProduct = new Map<string, number>();
      const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
      for (const cs of sandbox.changeSets) {
        expect(cs.status, cs.id).toBe('SUCCEEDED');
        for (const change of cs.changes) {
          if (change.changeType === 'AddDeliveryOptions')
            count(byVersion, `${cs.product} ${versionTitleOf(change.details)}`);
          if (['CreateProduct', 'ReleaseProduct', 'UpdateVisibility'].includes(change.changeType))
            count(perProduct, `${cs.product} ${change.changeType}`);
        }
      }
      expect([...byVersion.values()]).toEqual([1, 1, 1]);
      expect([...perProduct.values()]).toEqual([1, 1, 1, 1, 1, 1]);
      for (const job of jobs) expect(job.productVisibility).toBe('Public');
      expect(sandbox.products).toHaveLength(2);
      const x86 = sandbox.products.find((p) => p.title === 'Fedora 41 Cloud Base Images (x86_64) HVM');
      expect(x86?.versions.map((v) => v.title).sort()).toEqual(['41.1.4', '41.1.5']);
      for (const job of jobs)
        expect(job.changeSetId && sandbox.changeSets.some((c) => c.id === job.changeSetId)).toBe(true);
    }, 120_000);
  });
}
