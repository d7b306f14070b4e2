/**
 * The aws adapter against moto: AWS API calls per published image (counted by a ClientHook on every
 * SDK client the adapter creates), with AWS events ending the waits and without, and the wall time of
 * one full publish through moto and the served Catalog API divided by the same publish on the
 * in-process simulation, both in this run with the configuration of examples/local-aws.yaml (change
 * sets take its cloud.sim latencies in real time). With events, the served Catalog's change-set events
 * go to moto's EventBridge, whose rule fills the SQS queue of `events:`, as `sandbox serve --events-to`
 * does; moto's copies are available at once, so no copy waits for an event.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { acceptRequests, driveJobs } from '../app/jobs.js';
import { assembleRuntime, createLogger, simPartitions } from '../app/runtime.js';
import { createAwsCloud } from '../cloud/aws/aws-cloud.js';
import type { ClientHook } from '../cloud/aws/client-config.js';
import type { Cloud } from '../cloud/ports.js';
import { startCatalogServer } from '../cloud/sim/catalog-server.js';
import { createEc2IngestionImages, withIngestionRefresh } from '../cloud/sim/ec2-ingestion.js';
import { createEventRoute, startEventForwarder, type EventForwarder } from '../cloud/sim/event-forwarder.js';
import { createSimCloud, type SimCloud } from '../cloud/sim/index.js';
import { parseConfig } from '../config/load.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import type { ImageRequest } from '../core/model/image-request.js';
import type { Job } from '../core/model/job.js';
import { openStore } from '../store/open-store.js';
import type { BenchSection } from './section.js';

const fedoraOwner = '125523088429';
const image = {
  amiId: 'ami-0fed0410860be4c01',
  name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.7',
  release: 41,
  label: '1.7',
};

const request: ImageRequest = {
  release: image.release,
  arch: 'x86_64',
  subvariant: 'Cloud_Base',
  composeId: 'Fedora-41-20241215.0',
  imageName: image.name,
  label: image.label,
  sourceAmi: image.amiId,
  sourceRegion: 'us-east-1',
  regions: { 'us-east-1': image.amiId },
  prerelease: false,
  derived: [],
  origin: { kind: 'cli' },
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `python3 -m moto.server` with Fedora's image seeded (MOTO_AMIS_PATH); stopped by the returned function. */
async function startMoto(dir: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const amisPath = join(dir, 'amis.json');
  await writeFile(
    amisPath,
    JSON.stringify([
      {
        ami_id: image.amiId,
        name: image.name,
        description: image.name,
        owner_id: fedoraOwner,
        public: true,
        architecture: 'x86_64',
        virtualization_type: 'hvm',
        state: 'available',
        root_device_type: 'ebs',
        root_device_name: '/dev/sda1',
        hypervisor: 'xen',
      },
    ]),
  );
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(
    'python3',
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', endpoint.split(':')[2] ?? ''],
    {
      env: { ...process.env, MOTO_AMIS_PATH: amisPath, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
      stdio: 'ignore',
    },
  );
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited with code ${child.exitCode}`);
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) return { endpoint, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto did not answer on ${endpoint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A ClientHook counting every request, keyed `service:Operation`. */
function callCounter(): { hook: ClientHook; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return {
    counts,
    hook: (client, target) => {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const key = `${target.service}:${(context.commandName ?? '?').replace(/Command$/, '')}`;
          counts[key] = (counts[key] ?? 0) + 1;
          return next(args);
        },
        { step: 'finalizeRequest', name: 'benchCallCounter' },
      );
    },
  };
}

/** examples/local-aws.yaml with these endpoints (and, for the simulation, no copy latency). */
async function localConfig(
  endpoints: { moto: string; catalog: string },
  adapter: 'aws' | 'sim',
  eventQueueUrl?: string,
): Promise<Config> {
  const text = await readFile(new URL('../../examples/local-aws.yaml', import.meta.url), 'utf8');
  const input = parse(text) as ConfigInput & {
    cloud: { sim: { latency: Record<string, number> } };
    partitions: { aws: { endpoints: Record<string, string> } };
  };
  input.cloud = {
    ...input.cloud,
    adapter,
    sim: { ...input.cloud.sim, latency: { ...input.cloud.sim.latency, copyImageSeconds: 0 } },
  };
  input.partitions.aws.endpoints = {
    ec2: endpoints.moto,
    ssm: endpoints.moto,
    sts: endpoints.moto,
    marketplaceCatalog: endpoints.catalog,
    ...(eventQueueUrl ? { sqs: endpoints.moto } : {}),
  };
  // moto's EC2 sends no AMI events (its copies are available at once): copies are polled as without events.
  if (eventQueueUrl)
    input.events = { queueUrl: eventQueueUrl, region: 'us-east-1', fallbackPollSeconds: { image: 1 } };
  return parseConfig(input, 'examples/local-aws.yaml (bench)');
}

/** Accepts the request and drives it to a terminal state; returns the jobs and the wall time. */
async function publishOnce(
  config: Config,
  cloud: Cloud,
  sim?: SimCloud,
): Promise<{ jobs: Job[]; wallMs: number }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'fedora-marketplace-bench-aws-'));
  const store = await openStore({ driver: 'sqlite', stateDir });
  const logger = createLogger({});
  const runtime = assembleRuntime({
    config,
    configSource: '(bench)',
    stateDir,
    store,
    cloud,
    ...(sim ? { sim } : {}),
    clock: systemClock,
    logger,
  });
  try {
    const started = performance.now();
    const accepted = await acceptRequests(runtime, [request], 'bench', () => undefined);
    // As `publish` runs: with `events:`, the event consumer beside the scheduler.
    const jobs = await driveJobs(runtime, accepted, { detach: false });
    return { jobs, wallMs: performance.now() - started };
  } finally {
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Same-process publish through moto and the served Catalog API, with every SDK request counted. */
async function publishOnMoto(
  dir: string,
  withEvents: boolean,
): Promise<{ jobs: Job[]; wallMs: number; calls: Record<string, number> }> {
  const moto = await startMoto(dir);
  const ec2Only = createAwsCloud(
    await localConfig({ moto: moto.endpoint, catalog: 'http://127.0.0.1:1' }, 'aws'),
  );
  try {
    const serveConfig = await localConfig({ moto: moto.endpoint, catalog: 'http://127.0.0.1:1' }, 'aws');
    const ingestion = createEc2IngestionImages({
      ec2: ec2Only.clients('aws').ec2,
      region: 'us-east-1',
      owner: serveConfig.partitions.aws?.internalAccount.accountId ?? '',
    });
    const served = createSimCloud({
      clock: systemClock,
      sim: serveConfig.cloud.sim,
      fedoraOwner,
      partitions: simPartitions(serveConfig),
      externalEc2: { aws: ingestion.facts },
    });
    const server = await startCatalogServer({
      catalog: withIngestionRefresh(served.clients('aws').catalog, ingestion, (withinMs) =>
        served.settlingAmis(withinMs),
      ),
      host: '127.0.0.1',
      port: 0,
      sellerAccount: serveConfig.partitions.aws?.sellerAccount.accountId ?? '',
    });
    const queue = served.eventQueue();
    let forwarder: EventForwarder | undefined;
    try {
      await ingestion.refresh();
      const queueUrl = withEvents
        ? await createEventRoute({
            endpoint: moto.endpoint,
            region: 'us-east-1',
            name: 'fedora-marketplace-events',
          })
        : undefined;
      if (withEvents && queue)
        forwarder = startEventForwarder({
          queue,
          endpoint: moto.endpoint,
          region: 'us-east-1',
          onError: (error) => process.stderr.write(`bench: event forwarding failed: ${String(error)}\n`),
        });
      const config = await localConfig({ moto: moto.endpoint, catalog: server.url }, 'aws', queueUrl);
      const counter = callCounter();
      const cloud = createAwsCloud(config, { hooks: [counter.hook] });
      const run = await publishOnce(config, cloud);
      return { ...run, calls: counter.counts };
    } finally {
      await forwarder?.stop();
      await server.close();
      await served.close();
    }
  } finally {
    await ec2Only.close();
    await moto.stop();
  }
}

async function publishOnSimulation(): Promise<{ jobs: Job[]; wallMs: number }> {
  const config = await localConfig({ moto: 'http://127.0.0.1:1', catalog: 'http://127.0.0.1:1' }, 'sim');
  const sim = createSimCloud({
    clock: systemClock,
    sim: config.cloud.sim,
    fedoraOwner,
    partitions: simPartitions(config),
  });
  sim.seedImage({ region: 'us-east-1', name: image.name, architecture: 'x86_64', imageId: image.amiId });
  return publishOnce(config, sim, sim);
}

export const awsMotoSection: BenchSection = {
  name: 'aws-moto',
  description:
    'aws adapter on moto + served Catalog API vs the simulation: calls per image, publish wall-time ratio (1 image, local-aws.yaml latencies)',
  async run() {
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIALOCALBENCH000000';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local-bench-secret';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const dir = await mkdtemp(join(tmpdir(), 'fedora-marketplace-bench-moto-'));
    try {
      const moto = await publishOnMoto(dir, true);
      const polling = await publishOnMoto(dir, false);
      const sim = await publishOnSimulation();
      for (const [where, run] of [
        ['moto with events', moto],
        ['moto without events', polling],
        ['simulation', sim],
      ] as const) {
        const job = run.jobs[0];
        if (run.jobs.length !== 1 || job?.state !== 'published')
          throw new Error(
            `the publish on ${where} did not succeed: ${job?.state ?? 'no job'} ${job?.reason ?? ''}`,
          );
      }
      const images = moto.jobs.length;
      const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
      const describeChangeSet = 'marketplaceCatalog:DescribeChangeSet';
      return {
        rows: [
          {
            label: 'AWS API calls per image (moto, events)',
            value: total(moto.calls) / images,
            unit: 'calls',
            target: { max: 30 },
            note: 'ClientHook on every SDK client, SQS included',
          },
          ...Object.entries(moto.calls)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([operation, n]) => ({ label: `  ${operation}`, value: n / images, unit: 'calls' })),
          {
            label: 'AWS API calls per image (moto, polling)',
            value: total(polling.calls) / images,
            unit: 'calls',
            note: 'no events: section',
          },
          {
            label: `  ${describeChangeSet}`,
            value: (polling.calls[describeChangeSet] ?? 0) / images,
            unit: 'calls',
          },
          { label: 'publish wall time on moto (events)', value: moto.wallMs, unit: 'ms' },
          { label: 'publish wall time on the simulation', value: sim.wallMs, unit: 'ms' },
          {
            label: 'moto / simulation wall time',
            value: moto.wallMs / sim.wallMs,
            unit: 'x',
            note: 'same image, same config',
          },
        ],
        details: { images, calls: moto.calls, pollingCalls: polling.calls },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
