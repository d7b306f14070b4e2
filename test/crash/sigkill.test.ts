/**
 * Crash safety end to end: the built CLI is killed with SIGKILL at many points of a three-image publish
 * (two images of one product), restarted with `publish` or `resume` each time, and the simulated cloud
 * must end with exactly what one clean run leaves: one mirror per image and region, one change set per
 * version, one CreateProduct per product.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { ExitCode } from '../../src/core/errors.js';
import {
  collect,
  fixture,
  internalAccount,
  runCli,
  runJson,
  spawnCli,
  tempStateDir,
  versionTitleOf,
  type CliResult,
  type JobJson,
  type SandboxStateJson,
} from '../helpers/cli.js';

const messages = fixture('three-images.jsonl');
const regions = ['us-east-1', 'us-east-2', 'eu-west-1'];

/**
 * When to kill: `ms` after start, or `ms` after stdout shows `after` (a number: that many lines). A
 * publish prints three "seeded" lines and three "job" lines before its first stage step; a resume prints
 * one line. Each step line is printed once that step is stored, so a kill just after one lands inside the
 * next step's AWS calls: between a CopyImage and the save of its id, between StartChangeSet and its
 * record, while the load form is written. The patterns walk the kill points through every stage.
 */
interface KillPoint {
  command: 'publish' | 'resume';
  after?: RegExp | number;
  ms: number;
}

const killPoints: KillPoint[] = [
  { command: 'publish', ms: 5 },
  { command: 'publish', ms: 150 },
  { command: 'publish', after: 2, ms: 0 },
  { command: 'publish', after: 5, ms: 0 },
  { command: 'publish', after: /verify -> mirror/, ms: 0 },
  { command: 'resume', after: /copy started/, ms: 0 },
  { command: 'publish', after: /waiting for copies/, ms: 3 },
  { command: 'resume', after: /mirror -> share/, ms: 0 },
  { command: 'resume', after: /share -> describe/, ms: 0 },
  { command: 'publish', after: /describe -> submit/, ms: 0 },
  { command: 'resume', after: /describe -> submit/, ms: 2 },
  { command: 'resume', after: /submit -> await/, ms: 0 },
  { command: 'publish', after: /has an open change set|is PREPARING/, ms: 0 },
  { command: 'resume', after: /is APPLYING/, ms: 0 },
  { command: 'resume', after: /await -> published/, ms: 0 },
  { command: 'publish', after: /await -> published/, ms: 5 },
];

interface KillRun {
  point: KillPoint;
  killed: boolean;
  result: CliResult;
}

/**
 * The sandbox with 15 ms of real latency per simulated AWS call: without it a whole stage can finish
 * between a progress line and the SIGKILL it triggers, and the kill would land after the work, not in it.
 */
function slowSandboxConfig(dir: string): string {
  const file = join(dir, 'slow-sandbox.yaml');
  writeFileSync(
    file,
    stringify({ ...sandboxConfig, cloud: { adapter: 'sim', sim: { latency: { apiCallMilliseconds: 15 } } } }),
  );
  return file;
}

function runAndKill(point: KillPoint, stateDir: string, config: string): Promise<KillRun> {
  const args = [
    ...(point.command === 'publish' ? ['publish', '--message', messages] : ['resume']),
    '--config',
    config,
  ];
  const child = spawnCli(args, { stateDir });
  let killed = false;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
  };
  const trigger = point.after;
  if (trigger === undefined) {
    setTimeout(kill, point.ms);
  } else {
    let seen = '';
    let armed = false;
    child.stdout?.on('data', (chunk: Buffer | string) => {
      seen += String(chunk);
      const hit = typeof trigger === 'number' ? seen.split('\n').length - 1 >= trigger : trigger.test(seen);
      if (!armed && hit) {
        armed = true;
        setTimeout(kill, point.ms);
      }
    });
  }
  return collect(child).then((result) => ({ point, killed, result }));
}

describe('SIGKILL at many points, then restart', () => {
  const state = tempStateDir('fm-crash-');
  const opts = { stateDir: state.dir };
  const config = slowSandboxConfig(state.dir);
  afterAll(() => state.remove());

  it(
    'ends with one mirror per image and region, one change set per version, every job published',
    { timeout: 120_000 },
    async () => {
      const runs: KillRun[] = [];
      for (const point of killPoints) {
        const run = await runAndKill(point, state.dir, config);
        runs.push(run);
        if (!run.killed) {
          // It finished before the kill point: then it must have finished cleanly.
          expect(run.result.code, `${point.command} ${JSON.stringify(point)}: ${run.result.stderr}`).toBe(
            ExitCode.ok,
          );
        } else {
          expect(run.result.signal).toBe('SIGKILL');
        }
      }
      const summary = runs
        .map(
          (r) =>
            `${r.point.command} after ${String(r.point.after ?? 'start')} +${r.point.ms}ms: ${r.killed ? 'killed' : `exit ${r.result.code}`}`,
        )
        .join('\n');
      const killedRuns = runs.filter((r) => r.killed);
      // The crashes really happened, and some of them in the middle of stage work, not only at start-up.
      expect(killedRuns.length, summary).toBeGreaterThanOrEqual(killPoints.length / 2);
      for (const stage of [
        /copy started/,
        /mirror -> share/,
        /describe -> submit/,
        /started change set/,
        /is APPLYING/,
      ]) {
        expect(
          killedRuns.some((r) => stage.test(r.result.stdout)),
          `no kill after ${stage}\n${summary}`,
        ).toBe(true);
      }

      const final = await runCli(['publish', '--message', messages, '--config', config], opts);
      expect(final.code, final.stderr).toBe(ExitCode.ok);
      const resumed = await runCli(['resume', '--config', config], opts);
      expect(resumed.code, resumed.stderr).toBe(ExitCode.ok);

      const { jobs } = await runJson<{ jobs: JobJson[] }>(['status'], opts);
      expect(jobs).toHaveLength(3);
      for (const job of jobs)
        expect(job, job.id).toMatchObject({ state: 'published', changeSetStatus: 'SUCCEEDED' });

      const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state'], opts);

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
          expect(copies[0]?.launchPermissions.length).toBe(2);
        }
      }

      // Change sets: one per product and version title, one CreateProduct per product, all succeeded.
      expect(sandbox.changeSets).toHaveLength(3);
      const byVersion = new Map<string, number>();
      const creates = new Map<string, number>();
      for (const cs of sandbox.changeSets) {
        expect(cs.status, cs.id).toBe('SUCCEEDED');
        for (const change of cs.changes) {
          if (change.changeType === 'AddDeliveryOptions') {
            const key = `${cs.product} ${versionTitleOf(change.details)}`;
            byVersion.set(key, (byVersion.get(key) ?? 0) + 1);
          }
          if (change.changeType === 'CreateProduct')
            creates.set(cs.product ?? '?', (creates.get(cs.product ?? '?') ?? 0) + 1);
        }
      }
      expect([...byVersion.values()]).toEqual([1, 1, 1]);
      expect([...creates.values()]).toEqual([1, 1]);
      expect(sandbox.products).toHaveLength(2);
      const x86 = sandbox.products.find((p) => p.title === 'Fedora 41 Cloud Base Images (x86_64) HVM');
      expect(x86?.versions.map((v) => v.title).sort()).toEqual(['41.1.4', '41.1.5']);
      for (const job of jobs)
        expect(job.changeSetId && sandbox.changeSets.some((c) => c.id === job.changeSetId)).toBe(true);
    },
  );
});
