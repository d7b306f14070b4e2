/**
 * The hostile and unlucky inputs of issue 10, as a user meets them on the command line: a message naming
 * an AMI that does not exist, a poison message, a staging announcement, a prerelease that must not take a
 * GA version's place, and a replay that admits what an earlier one skipped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { simStateFile } from '../../src/app/runtime.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { ExitCode } from '../../src/core/errors.js';
import {
  fixture,
  runCli,
  runJson,
  tempStateDir,
  type JobJson,
  type SandboxStateJson,
} from '../helpers/cli.js';

interface Quarantine {
  quarantine: Array<{ outcome: string; reason?: string; messageId?: string; source: string }>;
}

const message = JSON.parse(
  (await import('node:fs')).readFileSync(fixture('f41-x86_64-1.5.json'), 'utf8'),
) as { topic: string; id: string; body: Record<string, unknown> } & Record<string, unknown>;

/** A serialized message for `image_name`/`compose_id` with fresh AMIs and id. */
function announcement(n: number, body: Record<string, unknown> = {}, topic = message.topic) {
  const hex = String(n).padStart(4, '0');
  return {
    ...message,
    topic,
    id: `5c2f3d0e-7a41-4b8e-9f10-41aa1500${hex}`,
    body: {
      ...message.body,
      compose_id: `Fedora-41-2024111${n % 10}.0`,
      image_name: `Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.${n}`,
      regions: { 'us-east-1': `ami-0a41c0ffee01${hex}0`, 'eu-west-1': `ami-0a41c0ffee02${hex}0` },
      ...body,
    },
  };
}

async function quarantineOf(stateDir: string) {
  return (await runJson<Quarantine>(['status', '--quarantine'], { stateDir })).quarantine;
}

describe('a message naming an AMI that does not exist', () => {
  const state = tempStateDir();
  afterAll(() => state.remove());
  // No sandbox seeding: the simulated EC2 knows no image, as AWS would not.
  const config = join(state.dir, 'no-seed.yaml');
  writeFileSync(
    config,
    stringify({ ...sandboxConfig, cloud: { adapter: 'sim', sim: { seedSourceImages: false } } }),
  );

  it('is bad input: exit 3, one paragraph naming the file, the AMI and the rule, quarantined, no job', async () => {
    const file = join(state.dir, 'missing.json');
    writeFileSync(file, JSON.stringify(announcement(1)));
    const result = await runCli(['publish', '--config', config, '--message', file], { stateDir: state.dir });
    expect(result.code, result.stderr).toBe(ExitCode.badInput);
    const error = result.stderr.trim();
    expect(error.split('\n')).toHaveLength(1);
    expect(error).toContain(
      `${file} message ${announcement(1).id}: source AMI ami-0a41c0ffee0100010 was not found in us-east-1`,
    );
    expect(error).toMatch(/rule: the source image must exist, be owned by 125523088429/);
    const quarantine = await quarantineOf(state.dir);
    expect(quarantine).toEqual([expect.objectContaining({ messageId: announcement(1).id, source: 'file' })]);
    expect((await runJson<{ jobs: JobJson[] }>(['status'], { stateDir: state.dir })).jobs).toEqual([]);
  });

  it('does not stop a replay: the lines before and after it are published', async () => {
    const dump = join(state.dir, 'dump.jsonl');
    const lines = [announcement(2), announcement(3), announcement(4)].map((m) => JSON.stringify(m));
    writeFileSync(dump, `${lines.join('\n')}\n`);
    // Fedora's images of lines 1 and 3 exist; line 2 names an AMI nobody registered.
    const seeded = join(state.dir, 'seed-some.yaml');
    writeFileSync(
      seeded,
      stringify({ ...sandboxConfig, cloud: { adapter: 'sim', sim: { seedSourceImages: true } } }),
    );
    const { createSimCloud } = await import('../../src/cloud/sim/index.js');
    const { ManualClock } = await import('../../src/core/clock.js');
    const { loadConfig } = await import('../../src/config/load.js');
    const sim = createSimCloud({
      clock: new ManualClock(Date.now()),
      sim: loadConfig(config).config.cloud.sim,
      fedoraOwner: '125523088429',
      partitions: {},
      stateFile: simStateFile(state.dir),
    });
    for (const m of [announcement(2), announcement(4)]) {
      sim.seedImage({
        region: 'us-east-1',
        imageId: m.body.regions['us-east-1'],
        name: m.body.image_name,
        architecture: 'x86_64',
      });
    }
    await sim.close();

    const result = await runCli(['replay', dump, '--config', config, '--json'], { stateDir: state.dir });
    expect(result.code, result.stderr).toBe(0);
    const replay = result.json as { replay: Record<string, number>; jobs: JobJson[] };
    expect(replay.replay).toMatchObject({ lines: 3, accepted: 2, rejected: 1 });
    expect(replay.jobs.map((j) => [j.imageName, j.state])).toEqual([
      ['Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.2', 'published'],
      ['Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4', 'published'],
    ]);
    const quarantine = await quarantineOf(state.dir);
    expect(quarantine.at(-1)?.reason).toContain(`${dump} line 2 message ${announcement(3).id}: source AMI`);
  });
});

describe('poison and foreign messages', () => {
  const state = tempStateDir();
  afterAll(() => state.remove());

  it.each([
    [
      'a body nested 10,000 levels deep',
      `{"topic": "${message.topic}", "body": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      /nested too deep/,
    ],
    [
      'a valid body with a junk field nested 10,000 levels deep',
      JSON.stringify(announcement(5)).replace(/}$/, `, "junk": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
      /nested too deep/,
    ],
    [
      'a staging announcement',
      JSON.stringify(announcement(6, {}, message.topic.replace('.prod.', '.stg.'))),
      /another environment \(org\.fedoraproject\.stg\)/,
    ],
    [
      'a compose id of another release',
      JSON.stringify(announcement(7, { compose_id: 'Fedora-40-20241117.0' })),
      /compose id Fedora-40-20241117\.0 says 40/,
    ],
  ])('refuses %s with exit 3 and a quarantine row, never a crash', async (_name, text, reason) => {
    const file = join(state.dir, 'poison.json');
    writeFileSync(file, text);
    const before = (await quarantineOf(state.dir)).length;
    const result = await runCli(['publish', '--message', file], { stateDir: state.dir });
    expect(result.code, result.stderr).toBe(ExitCode.badInput);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).not.toMatch(/internal error|Maximum call stack/);
    const quarantine = await quarantineOf(state.dir);
    expect(quarantine).toHaveLength(before + 1);
    expect(quarantine.at(-1)?.reason).toMatch(reason);
    expect(quarantine.at(-1)?.reason).toContain(file);
  });
});

describe('prereleases', () => {
  const state = tempStateDir();
  const opts = { stateDir: state.dir };
  afterAll(() => state.remove());
  const beta = announcement(4, {
    compose_id: 'Fedora-41-20240917.1',
    image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-Prerelease-1.4',
  });
  const ga = announcement(14, {
    compose_id: 'Fedora-41-20241027.0',
    image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
  });

  it('a replay with --include-prerelease takes in what an earlier replay skipped', async () => {
    const dump = join(state.dir, 'beta.jsonl');
    writeFileSync(dump, `${JSON.stringify(beta)}\n`);
    const skipped = await runJson<{ replay: Record<string, number> }>(['replay', dump], opts);
    expect(skipped.replay).toMatchObject({ skipped: 1, accepted: 0 });
    const again = await runJson<{ replay: Record<string, number>; jobs: JobJson[] }>(
      ['replay', dump, '--include-prerelease'],
      opts,
    );
    expect(again.replay).toMatchObject({ accepted: 1, seen: 0, skipped: 0 });
    expect(again.jobs[0]).toMatchObject({
      state: 'published',
      prerelease: true,
      versionTitle: '41.1.4 Prerelease',
      productTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM Prerelease',
    });
  });

  it('never takes the GA version title: the GA 1.4 that follows is listed on its own product', async () => {
    const file = join(state.dir, 'ga.json');
    writeFileSync(file, JSON.stringify(ga));
    const { jobs } = await runJson<{ jobs: JobJson[] }>(['publish', '--message', file], opts);
    expect(jobs[0]).toMatchObject({
      state: 'published',
      versionTitle: '41.1.4',
      productTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM',
    });
    expect(jobs[0]?.versionExisted).toBeUndefined();
    const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state'], opts);
    const byTitle = new Map(sandbox.products.map((p) => [p.title, p.versions]));
    const gaMirror = jobs[0]?.mirroredAmis['us-east-1'];
    expect(byTitle.get('Fedora 41 Cloud Base Images (x86_64) HVM')).toEqual([
      expect.objectContaining({ title: '41.1.4', amiId: gaMirror }),
    ]);
    expect(byTitle.get('Fedora 41 Cloud Base Images (x86_64) HVM Prerelease')).toEqual([
      expect.objectContaining({ title: '41.1.4 Prerelease' }),
    ]);
  });
});
