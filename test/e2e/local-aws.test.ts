/**
 * examples/local-aws.yaml end to end, as a user runs it: moto (EC2/SSM/STS) seeded with the message's
 * Fedora image, `sandbox serve` of the BUILT cli checking ingestion against moto and putting its
 * change-set events on moto's EventBridge (`--events-to`), whose rule fills the `events:` queue, then
 * `publish --config <local-aws with the actual ports> --message <file> --json` with the aws adapter.
 */
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRoute } from '../../src/cloud/sim/event-forwarder.js';
import { repoRoot, runJson, tempStateDir, type JobJson } from '../helpers/cli.js';
import {
  countingProxy,
  localAwsConfig,
  localCredentials as credentials,
  localInternalAccount as internalAccount,
  serveCatalog,
  stopServing,
} from '../helpers/local-aws.js';
import { fedoraOwner, startMoto, useDummyCredentials, type Moto } from '../helpers/moto.js';

const messageFile = join(repoRoot, 'test', 'fixtures', 'e2e', 'f41-local-aws.json');
const message = JSON.parse(readFileSync(messageFile, 'utf8')) as {
  body: { image_name: string; regions: Record<string, string> };
};
describe('examples/local-aws.yaml: publish with the aws adapter against moto and the local Catalog API', () => {
  let moto: Moto;
  let server: { child: ChildProcess; url: string };
  /** Between publish and sandbox serve: counts the Catalog API calls. */
  let catalog: Awaited<ReturnType<typeof countingProxy>>;
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
    const serveConfig = localAwsConfig(dirs.serve.dir, {
      moto: moto.endpoint,
      catalog: 'http://127.0.0.1:1',
    });
    useDummyCredentials();
    const queueUrl = await createEventRoute({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      name: 'fedora-marketplace-events',
    });
    server = await serveCatalog(
      ['--config', serveConfig, '--ec2-endpoint', moto.endpoint, '--events-to', moto.endpoint],
      dirs.serve.dir,
    );
    catalog = await countingProxy(server.url);
    configFile = localAwsConfig(
      dirs.publish.dir,
      { moto: moto.endpoint, catalog: catalog.url },
      {
        edit: (config) => {
          const aws = (config as { partitions: { aws: { endpoints: Record<string, string> } } }).partitions
            .aws;
          aws.endpoints.sqs = moto.endpoint;
          // moto's EC2 sends no AMI events (its copies are available at once): poll copies soon.
          config.events = { queueUrl, region: 'us-east-1', fallbackPollSeconds: { image: 1 } };
        },
      },
    );
  });

  afterAll(async () => {
    await catalog?.close();
    await stopServing(server);
    await moto?.stop();
    dirs.serve.remove();
    dirs.publish.remove();
  });

  it('publishes the message: mirrored into the internal account in moto, change sets ended by events', async () => {
    const result = await runJson<{ jobs: JobJson[] }>(
      ['publish', '--config', configFile, '--message', messageFile],
      { stateDir: dirs.publish.dir, env: credentials },
    );
    expect(result.jobs).toHaveLength(1);
    const job = result.jobs[0];
    expect(job).toMatchObject({
      state: 'published',
      changeSetStatus: 'SUCCEEDED',
      versionTitle: '41.1.6',
      productVisibility: 'Public',
    });
    expect(job?.productId).toMatch(/^prod-/);
    // Polling every 0.5 s (pipeline.pollSeconds) looks about 6 times at a change set that takes 3 s
    // (cloud.sim latencies); the events end each wait, so one look at each set (and a retry) suffices.
    const started = catalog.counts['/StartChangeSet'] ?? 0;
    expect(started).toBeGreaterThan(0);
    expect(catalog.counts['/DescribeChangeSet'] ?? 0).toBeLessThanOrEqual(2 * started);
    expect(job?.offerId).toMatch(/^offer-/);

    // Through sandbox serve and the SDK: the product and its offer read back as sent, nothing to plan.
    const plan = await runJson<{ plans: Array<{ changes: unknown[]; visibility: string; offerId: string }> }>(
      ['plan', '--config', configFile],
      { stateDir: dirs.publish.dir, env: credentials },
    );
    expect(plan.plans).toEqual([
      expect.objectContaining({ changes: [], visibility: 'Public', offerId: job?.offerId }),
    ]);
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
    // One publish process against moto and the local Catalog: a minute alone, more beside other tests.
  }, 180_000);

  it('doctor passes on the same setup, and flags a wrong internal account id with a fix', async () => {
    const good = await runJson<{ checks: Array<{ name: string; ok: boolean; hint?: string }> }>(
      ['doctor', '--config', configFile],
      { stateDir: dirs.publish.dir, env: credentials },
    );
    expect(good.checks.filter((c) => !c.ok)).toEqual([]);
    expect(good.checks.map((c) => c.name)).toContain('aws: Catalog API reachable');

    const wrong = localAwsConfig(
      dirs.publish.dir,
      { moto: moto.endpoint, catalog: server.url },
      { accountId: '210987654321' },
    );
    const bad = await runJson<{
      checks: Array<{ name: string; ok: boolean; detail: string; hint?: string }>;
    }>(['doctor', '--config', wrong], { stateDir: dirs.publish.dir, env: credentials }, 7);
    const failed = bad.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['aws: internal account identity']);
    expect(failed[0]?.detail).toContain('123456789012');
    expect(failed[0]?.hint).toContain('210987654321');
  });
});
