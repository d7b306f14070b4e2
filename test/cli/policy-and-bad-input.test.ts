import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { simStateFile } from '../../src/app/runtime.js';
import { createSimCloud } from '../../src/cloud/sim/index.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/core/clock.js';
import { ExitCode } from '../../src/core/errors.js';
import {
  fedoraAccount,
  fixture,
  internalAccount,
  repoRoot,
  runCli,
  runJson,
  tempStateDir,
  type JobJson,
  type SandboxStateJson,
  type SkippedJson,
} from '../helpers/cli.js';

interface Quarantine {
  quarantine: Array<{ outcome: string; reason?: string; messageId?: string }>;
}

describe('policy: images that are not official releases', () => {
  const state = tempStateDir();
  const opts = { stateDir: state.dir };
  afterAll(() => state.remove());

  it('skips rawhide, nightly, prerelease and azure announcements with a reason and exits 0', async () => {
    const result = await runJson<{ jobs: Array<JobJson | SkippedJson> }>(
      ['publish', '--message', fixture('not-official.jsonl')],
      opts,
    );
    expect(result.jobs).toHaveLength(4);
    const reasons = result.jobs.map((j) => {
      expect(j.state).toBe('skipped');
      return (j as SkippedJson).reason;
    });
    expect(reasons[0]).toMatch(/Rawhide/);
    expect(reasons[1]).toMatch(/nightly compose/);
    expect(reasons[2]).toMatch(/prerelease image .*--include-prerelease/);
    expect(reasons[3]).toMatch(/azure/);
    expect((await runJson<{ jobs: JobJson[] }>(['status'], opts)).jobs).toEqual([]);
  });

  it('admits the prerelease with --include-prerelease', async () => {
    const result = await runJson<{ jobs: JobJson[] }>(
      ['publish', '--message', fixture('f43-prerelease.json'), '--include-prerelease', '--detach'],
      opts,
      ExitCode.pending,
    );
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]).toMatchObject({
      release: 43,
      prerelease: true,
      imageName: 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-Prerelease-1.2',
    });
    expect(result.jobs[0]?.state).not.toBe('skipped');
  });
});

describe('an old announcement without release and subvariant', () => {
  const state = tempStateDir();
  afterAll(() => state.remove());

  it('is accepted with the derived fields shown on its job', async () => {
    const result = await runJson<{ jobs: JobJson[] }>(
      [
        'publish',
        '--message',
        join(repoRoot, 'test/fixtures/messages/old-body-without-release.json'),
        '--topic',
        'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.40.x86_64',
        '--detach',
      ],
      { stateDir: state.dir },
      ExitCode.pending,
    );
    expect(result.jobs).toHaveLength(1);
    const job = result.jobs[0] as JobJson;
    expect(job).toMatchObject({ release: 40, subvariant: 'Cloud_Base', arch: 'x86_64' });
    expect(job.derived?.map((d) => d.field).sort()).toEqual(['release', 'subvariant']);
    expect(job.derived?.find((d) => d.field === 'release')?.value).toBe('40');
  });
});

describe('bad input: exit 3, a clear error, no job, a recorded rejection', () => {
  const state = tempStateDir();
  const opts = { stateDir: state.dir };
  let rejections = 0;
  afterAll(() => state.remove());

  /** Publishes `file`, expects exit 3 and a one-paragraph error, and that nothing but a rejection was stored. */
  async function expectRejected(file: string, mentions: RegExp[]): Promise<void> {
    const result = await runCli(['publish', '--message', file], opts);
    expect(result.code, result.stderr).toBe(ExitCode.badInput);
    const error = result.stderr.trim();
    expect(error).toMatch(/^fedora-marketplace: error: /);
    expect(error.split('\n')).toHaveLength(1);
    for (const pattern of mentions) expect(error).toMatch(pattern);
    expect(result.stdout).not.toMatch(/^job /m);

    const status = await runJson<{ jobs: JobJson[] }>(['status'], opts);
    expect(status.jobs).toEqual([]);
    const quarantine = await runJson<Quarantine>(['status', '--quarantine'], opts);
    rejections += 1;
    expect(quarantine.quarantine).toHaveLength(rejections);
    const last = quarantine.quarantine.at(-1);
    expect(last?.outcome).toBe('rejected');
    for (const pattern of mentions) expect(last?.reason).toMatch(pattern);
  }

  it('rejects malformed JSON, naming the file and line', async () => {
    const file = join(state.dir, 'malformed.json');
    writeFileSync(
      file,
      '{"topic": "org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.41.x86_64", "body": {\n',
    );
    await expectRejected(file, [/malformed JSON/, /malformed\.json:?.*2/, /rule: must be valid JSON/]);
  });

  it('rejects a body that fails the schema, naming the field, value and rule', async () => {
    await expectRejected(join(repoRoot, 'test/fixtures/messages/invalid-ami-id.json'), [
      /field: body\.regions\.us-east-1/,
      /value: "ami-XYZ0123"/,
      /rule: must be an AMI id/,
    ]);
  });

  it("rejects a message whose AMI is not Fedora's (an impostor owns it)", async () => {
    // The publish seeding skips existing image ids, so the impostor stays the owner of this AMI.
    const sim = createSimCloud({
      clock: new ManualClock(Date.now()),
      sim: loadConfig().config.cloud.sim,
      fedoraOwner: fedoraAccount,
      partitions: {},
      stateFile: simStateFile(state.dir),
    });
    sim.seedImage({
      region: 'us-east-1',
      imageId: 'ami-0a41c0ffee0015001',
      name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.5',
      ownerId: '999999999999',
      architecture: 'x86_64',
    });
    await sim.close();

    await expectRejected(fixture('f41-x86_64-1.5.json'), [
      /field: body\.regions/,
      /ami-0a41c0ffee0015001/,
      new RegExp(`owned by ${fedoraAccount}`),
    ]);
    const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state'], opts);
    expect(sandbox.images.filter((i) => i.owner === internalAccount)).toEqual([]);
    expect(sandbox.changeSets).toEqual([]);
  });

  it('refuses a configuration with an unknown key with exit 4, naming the key path, and creates no job', async () => {
    const config = join(state.dir, 'unknown-key.yaml');
    writeFileSync(config, 'cloud:\n  adapter: sim\n  simulatorSpeed: 3\n');
    const result = await runCli(
      ['publish', '--message', fixture('f41-x86_64-1.5.json'), '--config', config],
      opts,
    );
    expect(result.code, result.stderr).toBe(ExitCode.config);
    expect(result.stderr).toMatch(/cloud\.simulatorSpeed: unknown key/);
    expect((await runJson<{ jobs: JobJson[] }>(['status'], opts)).jobs).toEqual([]);
  });
});

describe('help and config validate', () => {
  let help: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    help = await runCli(['--help'], { stateDir: null });
  });

  it('--help exits 0 and lists the commands', () => {
    expect(help.code).toBe(0);
    for (const command of ['publish', 'status', 'resume', 'config', 'sandbox'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('documents the exit codes the CLI uses', () => {
    const text = help.stdout.replace(/\s+/g, ' ');
    const documented: Record<string, keyof typeof ExitCode> = {
      ok: 'ok',
      'internal error': 'internal',
      usage: 'usage',
      'bad input': 'badInput',
      configuration: 'config',
      'a job failed': 'jobsFailed',
      'jobs still waiting': 'pending',
      'AWS error': 'cloud',
      'state directory unusable': 'state',
    };
    for (const [words, key] of Object.entries(documented))
      expect(text).toContain(`${ExitCode[key]} ${words}`);
  });

  it('config validate accepts every example configuration', async () => {
    for (const file of ['examples/fedora.yaml', 'examples/local-aws.yaml']) {
      const result = await runJson<{ valid: boolean; source: string; adapter: string }>(
        ['config', 'validate', join(repoRoot, file)],
        {
          stateDir: null,
        },
      );
      expect(result).toMatchObject({ valid: true, adapter: 'aws' });
    }
  });

  it.each([
    ['eulaUrl', "the EULA of the offer's legal terms"],
    ['refundPolicy', 'the refund policy of its support terms'],
    ['visibility', 'how far a product goes'],
  ])('config validate names a missing %s (%s)', async (key) => {
    const state = tempStateDir();
    try {
      const product: Record<string, unknown> = { ...sandboxConfig.products['Cloud_Base'] };
      delete product[key];
      const file = join(state.dir, `without-${key}.yaml`);
      writeFileSync(file, stringify({ ...sandboxConfig, products: { Cloud_Base: product } }));
      const result = await runCli(['config', 'validate', file], { stateDir: null });
      expect(result.code, result.stderr).toBe(ExitCode.config);
      expect(result.stderr).toContain(`field: products.Cloud_Base.${key}`);
    } finally {
      state.remove();
    }
  });

  it('config validate accepts the embedded default', async () => {
    const result = await runJson<{ valid: boolean; adapter: string; products: string[] }>(
      ['config', 'validate'],
      { stateDir: null },
    );
    expect(result).toMatchObject({ valid: true, adapter: 'sim', products: ['Cloud_Base'] });
  });
});
