/**
 * The multi-worker deployment, end to end: three `listen` processes (the built CLI, the aws adapter) on
 * one PostgreSQL store and one RabbitMQ queue, with moto for EC2/SSM/STS and `sandbox serve` for the
 * Catalog API. 60 images of 20 releases and architectures are announced on the broker, and one worker
 * is killed with SIGKILL midway. Then: one mirror per image and region, one change set per version, one
 * CreateProduct per product, every message's job published, the queue empty.
 */
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store.js';
import { ListenBus, until } from '../bus/bus-harness.js';
import {
  collect,
  runJson,
  spawnCli,
  tempStateDir,
  versionTitleOf,
  type CliResult,
  type SandboxStateJson,
} from '../helpers/cli.js';
import {
  localAwsConfig,
  localCredentials,
  localInternalAccount,
  serveCatalog,
  stopServing,
} from '../helpers/local-aws.js';
import { announcement, imageName, sourceAmi, type ImageSpec } from '../helpers/messages.js';
import { fedoraOwner, startMoto, type Moto } from '../helpers/moto.js';
import { postgresSchemas } from '../helpers/postgres.js';
import { ensureRabbit } from '../helpers/rabbit.js';

/** Releases 31-40 on both architectures, three respins each. */
const specs: ImageSpec[] = [];
for (let release = 31; release <= 40; release++)
  for (const arch of ['x86_64', 'aarch64'] as const)
    for (let respin = 1; respin <= 3; respin++) specs.push({ release, arch, respin });
const regions = ['us-east-1'];

describe('three listen workers on one PostgreSQL store and one queue', () => {
  const schemas = postgresSchemas('workers');
  const dirs = { serve: tempStateDir('fm-workers-serve-'), work: tempStateDir('fm-workers-') };
  const bus = new ListenBus(4);
  let moto: Moto;
  let server: { child: ChildProcess; url: string } | undefined;
  let store: JobStore;
  let serveConfig: string;
  let config: string;
  const workers: Array<{ child: ChildProcess; done: Promise<CliResult> }> = [];

  beforeAll(async () => {
    await ensureRabbit();
    await bus.open();
    moto = await startMoto({
      images: specs.map((s) => ({
        ami_id: sourceAmi(s),
        name: imageName(s),
        owner_id: fedoraOwner,
        architecture: s.arch === 'aarch64' ? 'arm64' : 'x86_64',
      })),
    });
    const fast = (c: Record<string, unknown>) => {
      c['cloud'] = {
        adapter: 'aws',
        sim: {
          latency: { changeSetPrepareSeconds: 0.3, changeSetApplySeconds: 0.7 },
          // Each product is released and made Public; the review takes moments here, days on AWS.
          marketplace: { publicReview: { seconds: 0.5 } },
        },
      };
    };
    serveConfig = localAwsConfig(
      dirs.serve.dir,
      { moto: moto.endpoint, catalog: 'http://127.0.0.1:1' },
      { edit: fast },
    );
    server = await serveCatalog(['--config', serveConfig, '--ec2-endpoint', moto.endpoint], dirs.serve.dir);
    const url = await schemas.create();
    config = localAwsConfig(
      dirs.work.dir,
      { moto: moto.endpoint, catalog: server.url },
      {
        edit: (c) => {
          fast(c);
          c['store'] = { driver: 'postgres', url };
          c['bus'] = {
            url: bus.config.url,
            exchange: bus.config.exchange,
            queue: { name: bus.config.queue.name },
            routingKeys: bus.config.routingKeys,
            prefetch: 4,
            topicPrefix: bus.config.topicPrefix,
            publishExchange: bus.config.publishExchange,
          };
          c['pipeline'] = {
            concurrency: 8,
            copiesPerRegion: 8,
            pollSeconds: { image: 0.2, changeSet: 0.3, review: 0.3 },
            retry: { maxAttempts: 5, baseDelaySeconds: 0.2, maxDelaySeconds: 1 },
            // moto has no Marketplace SSM parameters: one look, then published with the gap recorded.
            ssmCheckAttempts: 1,
            // A killed worker's jobs go to the others after this long, its product locks after 15 s: a
            // StartChangeSet it sent as it died is in the Catalog's list by then.
            leaseSeconds: 2,
            productLockSeconds: 15,
          };
        },
      },
    );
    store = await openStore({ driver: 'postgres', stateDir: dirs.work.dir, url });
  }, 60_000);

  afterAll(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await store?.close();
    await stopServing(server);
    await moto?.stop();
    await bus.close();
    await schemas.dropAll();
    dirs.serve.remove();
    dirs.work.remove();
  });

  it('publishes every image once although a worker is killed midway', async () => {
    for (let n = 0; n < 3; n++) {
      const child = spawnCli(
        ['listen', '--config', config, '--no-http', '--connection-name', `${bus.id}-w${n}`],
        {
          stateDir: dirs.work.dir,
          env: localCredentials,
        },
      );
      workers.push({ child, done: collect(child) });
    }
    const ids: string[] = [];
    for (const spec of specs) {
      const message = announcement(spec);
      ids.push(await bus.publish(message.body, { id: message.id, topic: message.topic }));
    }

    // Midway: a few versions are listed, most are on their way; the first worker dies without a word.
    await until(
      async () => (await store.listJobs({ states: ['published'] })).length >= 5,
      // Generous: on a loaded 2-core machine three workers, moto and the Catalog share two cores.
      180_000,
      'five published jobs',
    );
    const unfinished = (await store.listJobs()).filter((j) => j.state !== 'published');
    expect(unfinished.length).toBeGreaterThan(specs.length / 2);
    workers[0]!.child.kill('SIGKILL');
    expect((await workers[0]!.done).signal).toBe('SIGKILL');

    await until(
      async () => {
        const jobs = await store.listJobs();
        return (
          jobs.length === specs.length && jobs.every((j) => j.state === 'published' || j.state === 'failed')
        );
      },
      300_000,
      `${specs.length} finished jobs`,
    );
    for (const w of workers.slice(1)) w.child.kill('SIGTERM');
    for (const w of workers.slice(1)) expect((await w.done).code).toBe(0);

    // Every message's job is published, and the queue is empty.
    const jobs = await store.listJobs();
    expect(jobs.filter((j) => j.state !== 'published').map((j) => `${j.id}: ${j.reason}`)).toEqual([]);
    for (const id of ids) expect(await store.hasMessage(id), id).toBe(true);
    expect(await bus.queueDepth()).toBe(0);

    // One mirror per image and region, in moto, and it is the one the job recorded.
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      for (const region of regions) {
        ec2.config.region = async () => region;
        const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: [localInternalAccount] }));
        const mirrors = Images.filter((i) => i.Name?.endsWith('-marketplace'));
        expect(mirrors, region).toHaveLength(specs.length);
        expect(new Set(mirrors.map((i) => i.Name)).size, region).toBe(specs.length);
        const recorded = new Set(jobs.map((j) => j.data.mirroredAmis[region]));
        for (const image of mirrors)
          expect(recorded.has(image.ImageId), `${region} ${image.Name}`).toBe(true);
      }
    } finally {
      ec2.destroy();
    }

    // One change set per version, one CreateProduct per product, all succeeded.
    const catalog = await runJson<SandboxStateJson>(['sandbox', 'state'], { stateDir: dirs.serve.dir });
    expect(
      catalog.products.map((p) => p.title).filter((t, i, all) => all.indexOf(t) !== i),
      await twinsDiagnosis(catalog),
    ).toEqual([]);
    expect(catalog.products).toHaveLength(20);
    expect(catalog.changeSets.every((cs) => cs.status === 'SUCCEEDED')).toBe(true);
    const versions = catalog.changeSets.flatMap((cs) =>
      cs.changes
        .filter((c) => c.changeType === 'AddDeliveryOptions')
        .map((c) => `${cs.product} ${versionTitleOf(c.details)}`),
    );
    expect(versions).toHaveLength(specs.length);
    expect(new Set(versions).size).toBe(specs.length);
    const creates = catalog.changeSets.filter((cs) =>
      cs.changes.some((c) => c.changeType === 'CreateProduct'),
    );
    expect(creates.map((cs) => cs.product).sort()).toEqual(catalog.products.map((p) => p.id).sort());
  }, 540_000);

  /** A product created twice: its creating change sets, and every worker log line that names one. */
  async function twinsDiagnosis(catalog: SandboxStateJson): Promise<string> {
    const titleOf = new Map(catalog.products.map((p) => [p.id, p.title]));
    const creating = catalog.changeSets
      .filter((cs) => cs.changes.some((c) => c.changeType === 'CreateProduct'))
      .map(({ id, name, product, status, startTime, endTime }) => ({
        id,
        name,
        title: titleOf.get(product ?? ''),
        status,
        startTime,
        endTime,
      }));
    const twinTitles = new Set(
      creating.map((c) => c.title).filter((t, i, all) => t !== undefined && all.indexOf(t) !== i),
    );
    const twins = creating.filter((c) => twinTitles.has(c.title));
    const logs = (await Promise.all(workers.map((w) => w.done))).flatMap((r, n) =>
      `${r.stdout}\n${r.stderr}`
        .split('\n')
        .filter((line) => twins.some((t) => line.includes(t.id)))
        .map((line) => `worker ${n}: ${line}`),
    );
    return `products created twice:\n${JSON.stringify(twins, null, 2)}\n${logs.join('\n')}`;
  }
});
