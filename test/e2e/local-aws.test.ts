/**
 * examples/local-aws.yaml end to end, as a user runs it: moto (EC2/SSM/STS) seeded with the message's
 * Fedora image, `sandbox serve` of the BUILT cli checking ingestion against moto, then
 * `publish --config <local-aws with the actual ports> --message <file> --json` with the aws adapter.
 */
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { repoRoot, runJson, spawnCli, tempStateDir, type JobJson } from '../helpers/cli.js';
import { fedoraOwner, startMoto, type Moto } from '../helpers/moto.js';

const messageFile = join(repoRoot, 'test', 'fixtures', 'e2e', 'f41-local-aws.json');
const message = JSON.parse(readFileSync(messageFile, 'utf8')) as {
  body: { image_name: string; regions: Record<string, string> };
};
/** moto's default account: the example's internal account. */
const internalAccount = '123456789012';
const credentials = {
  AWS_ACCESS_KEY_ID: 'AKIALOCALEXAMPLE0000',
  AWS_SECRET_ACCESS_KEY: 'local-example-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PROFILE: '',
};

/** Starts `sandbox serve` and resolves with its URL (first stdout line, --json). */
function serve(args: string[], stateDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnCli(['sandbox', 'serve', '--port', '0', '--json', ...args], {
    stateDir,
    env: credentials,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => reject(new Error(`sandbox serve exited ${code}: ${err}`)));
  });
}

/** examples/local-aws.yaml with the actual ports. */
function localConfig(
  dir: string,
  motoEndpoint: string,
  catalogUrl: string,
  accountId = internalAccount,
): string {
  const config = parse(readFileSync(join(repoRoot, 'examples', 'local-aws.yaml'), 'utf8')) as {
    partitions: { aws: { endpoints: Record<string, string>; internalAccount: { accountId: string } } };
  };
  const aws = config.partitions.aws;
  aws.endpoints = { ec2: motoEndpoint, ssm: motoEndpoint, sts: motoEndpoint, marketplaceCatalog: catalogUrl };
  aws.internalAccount.accountId = accountId;
  const file = join(dir, `local-aws-${accountId}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

describe('examples/local-aws.yaml: publish with the aws adapter against moto and the local Catalog API', () => {
  let moto: Moto;
  let server: { child: ChildProcess; url: string };
  const dirs = { serve: tempStateDir('fm-serve-'), publish: tempStateDir('fm-local-aws-') };
  let configFile: string;

  beforeAll(async () => {
    moto = await startMoto({
      images: [
        {
          ami_id: message.body.regions['us-east-1'] ?? '',
          name: message.body.image_name,
          owner_id: fedoraOwner,
          architecture: 'x86_64',
        },
      ],
    });
    // The example's accounts and latencies; the catalog URL is not known yet and not needed by serve.
    const serveConfig = localConfig(dirs.serve.dir, moto.endpoint, 'http://127.0.0.1:1');
    server = await serve(['--config', serveConfig, '--ec2-endpoint', moto.endpoint], dirs.serve.dir);
    configFile = localConfig(dirs.publish.dir, moto.endpoint, server.url);
  });

  afterAll(async () => {
    if (server?.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    await moto?.stop();
    dirs.serve.remove();
    dirs.publish.remove();
  });

  it('publishes the message: mirrored into the internal account in moto, change set SUCCEEDED', async () => {
    const result = await runJson<{ jobs: JobJson[] }>(
      ['publish', '--config', configFile, '--message', messageFile],
      { stateDir: dirs.publish.dir, env: credentials },
    );
    expect(result.jobs).toHaveLength(1);
    const job = result.jobs[0];
    expect(job).toMatchObject({ state: 'published', changeSetStatus: 'SUCCEEDED', versionTitle: '41.1.6' });
    expect(job?.productId).toMatch(/^prod-/);
    const mirrored = job?.mirroredAmis['us-east-1'];
    expect(mirrored).toMatch(/^ami-/);
    expect(mirrored).not.toBe(message.body.regions['us-east-1']);

    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      const { Images } = await ec2.send(
        new DescribeImagesCommand({ Owners: [internalAccount], ImageIds: [mirrored ?? ''] }),
      );
      expect(Images?.map((i) => [i.ImageId, i.OwnerId, i.Name])).toEqual([
        [mirrored, internalAccount, expect.any(String)],
      ]);
    } finally {
      ec2.destroy();
    }
  });

  it('doctor passes on the same setup, and flags a wrong internal account id with a fix', async () => {
    const good = await runJson<{ checks: Array<{ name: string; ok: boolean; hint?: string }> }>(
      ['doctor', '--config', configFile],
      { stateDir: dirs.publish.dir, env: credentials },
    );
    expect(good.checks.filter((c) => !c.ok)).toEqual([]);
    expect(good.checks.map((c) => c.name)).toContain('aws: Catalog API reachable');

    const wrong = localConfig(dirs.publish.dir, moto.endpoint, server.url, '210987654321');
    const bad = await runJson<{
      checks: Array<{ name: string; ok: boolean; detail: string; hint?: string }>;
    }>(['doctor', '--config', wrong], { stateDir: dirs.publish.dir, env: credentials }, 7);
    const failed = bad.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['aws: internal account identity', 'aws: access role ARN']);
    expect(failed[0]?.detail).toContain('123456789012');
    expect(failed[0]?.hint).toContain('210987654321');
  });
});
