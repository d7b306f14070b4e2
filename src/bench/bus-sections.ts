/**
 * AMQP intake benchmarks against the local RabbitMQ (RABBIT_URL, default guest@127.0.0.1:5672).
 *
 * `intake`: queues in pairs, each preloaded with the same 20,000 messages. A bare amqplib consumer that
 * only acks drains one queue of a pair; the listen intake (in this process, `--intake-only`: every
 * decision is validated, filtered and stored before its ack, but no job runs, so the figure is the
 * intake's alone) drains the other; the ratio of their rates is the figure. Both are timed from the
 * start of consuming to the last settled message: listen's connecting and declaring before that is
 * printed on its own. The built CLI's `listen --intake-only` drains one more queue as a child process
 * (`--no-http`: the web section measures the server), sampled for peak RSS, after an idle one on an
 * empty queue.
 *
 * The mix: 200 new images (one region each, so sandbox seeding stays cheap), 1,800 announcements of
 * those same images under new message ids (duplicates), 14,000 irrelevant (other architectures and
 * subvariants: skips) and 4,000 invalid (not JSON, broken bodies: quarantined).
 *
 * The ratio compares both consumers at listen's default prefetch (`bus.prefetch`; BENCH_PREFETCH
 * overrides it), as the ratio of their medians over three pairs; the other prefetches of 10, 100 and
 * 500 get one pair each, the two consumers one after the other so that the machine's load weighs on
 * both alike. Every decision of a prefetch window is committed in one transaction (with SQLite followed
 * by an fsync of the WAL) before the window is acked, so the intake rate grows with the prefetch.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import { stringify } from 'yaml';
import { startListener } from '../app/bus-service.js';
import { openRuntime } from '../app/runtime.js';
import { sandboxConfig } from '../config/sandbox-config.js';
import { defaultBusPrefetch, defaultBusRoutingKey as routingKey } from '../config/bus-schema.js';
import type { BusConfig } from '../config/bus-config.js';
import type { BenchSection } from './section.js';
import { median, round } from './stats.js';

const brokerUrl = process.env.RABBIT_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const prefetch = Number(process.env.BENCH_PREFETCH ?? defaultBusPrefetch);
const sweptPrefetches = [...new Set([10, 100, 500, prefetch])].sort((a, b) => a - b);
/**
 * Pairs run at the default prefetch, the one the goal is judged at. A bare consumer's rate varied from
 * 17,000 to 52,000 msg/s from one run to the next on the bench machine (the broker's, not the
 * consumer's, doing): the medians of three alternating pairs keep one such run from deciding the ratio.
 */
const roundsAtDefault = 3;
export const intakeMessages = 20_000;

interface BenchMessage {
  topic: string;
  body: string;
}

function ami(seed: string): string {
  return `ami-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;
}

function imageBody(n: number, arch = 'x86_64', subvariant = 'Cloud_Base'): Record<string, unknown> {
  const kind = subvariant.replace('_', '-');
  return {
    architecture: arch,
    compose_id: `Fedora-41-20241027.${n}`,
    image_name: `Fedora-${kind}-AmazonEC2.${arch}-41-1.${n}`,
    regions: { 'us-east-1': ami(`${n}/${arch}/${subvariant}`) },
    release: 41,
    subvariant,
  };
}

/** The 20,000-message mix described above, interleaved so every prefetch window sees every kind. */
export function intakeMix(total = intakeMessages): BenchMessage[] {
  const topic = (arch: string, subvariant: string) =>
    `org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.${subvariant}.41.${arch}`;
  const messages: BenchMessage[] = [];
  for (let i = 0; i < total; i++) {
    const slot = i % 100;
    let message: BenchMessage;
    if (slot < 10) {
      // 1 in 10 relevant: the first of each image is new, the rest re-announce one of 200 images.
      const n = (Math.floor(i / 100) * 10 + slot) % 200;
      message = { topic: topic('x86_64', 'Cloud_Base'), body: JSON.stringify(imageBody(n)) };
    } else if (slot < 45) {
      message = { topic: topic('ppc64le', 'Cloud_Base'), body: JSON.stringify(imageBody(i, 'ppc64le')) };
    } else if (slot < 80) {
      message = {
        topic: topic('x86_64', 'Container_Base'),
        body: JSON.stringify(imageBody(i, 'x86_64', 'Container_Base')),
      };
    } else if (slot < 90) {
      message = {
        topic: topic('x86_64', 'Cloud_Base'),
        body: `{"architecture": "x86_64", "compose_id": ${i}`,
      };
    } else {
      message = {
        topic: topic('x86_64', 'Cloud_Base'),
        body: JSON.stringify({ ...imageBody(i), regions: 'none' }),
      };
    }
    messages.push(message);
  }
  return messages;
}

/** A private exchange with `queues` bound alike, each preloaded with every message (one publish each). */
async function preload(
  channel: Channel & { waitForConfirms(): Promise<void> },
  exchange: string,
  queues: string[],
  messages: BenchMessage[],
): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
  for (const queue of queues) {
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, routingKey);
  }
  const headers = {
    fedora_messaging_severity: 20,
    fedora_messaging_schema: 'fedora_image_uploader.published.v1.aws',
  };
  for (const [i, m] of messages.entries()) {
    channel.publish(exchange, m.topic, Buffer.from(m.body), {
      messageId: randomUUID(),
      persistent: true,
      contentType: 'application/json',
      headers,
    });
    if (i % 1000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
}

/** Messages per second of a consumer that only acks, from consume() to the last ack. */
async function bareRate(
  connection: ChannelModel,
  queue: string,
  total: number,
  windowSize: number,
): Promise<number> {
  const channel = await connection.createChannel();
  await channel.prefetch(windowSize);
  let acked = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    void channel.consume(queue, (message) => {
      if (!message) return;
      channel.ack(message);
      acked += 1;
      if (acked === total) resolve();
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await channel.close();
  return total / seconds;
}

export function busConfig(exchange: string, queue: string, windowSize = prefetch): BusConfig {
  return {
    url: brokerUrl,
    exchange,
    queue: { name: queue, durable: true, autoDelete: false, exclusive: false, arguments: {} },
    routingKeys: [routingKey],
    prefetch: windowSize,
    topicPrefix: 'bench.fedora-marketplace',
    publishExchange: 'amq.topic',
  };
}

/**
 * Messages per second of the listen intake in this process, from its consumer's start (as the bare
 * consumer's: connecting and declaring come before, and are returned as `startSeconds`) to the last
 * stored decision.
 */
async function intakeRate(
  exchange: string,
  queue: string,
  total: number,
  windowSize: number,
): Promise<{ rate: number; startSeconds: number; counts: Record<string, number> }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fm-bench-intake-'));
  const runtime = await openRuntime({ stateDir });
  // 4,000 rejections would each log a warning here; the child-process run below keeps the logging cost.
  runtime.logger.level = 'error';
  try {
    const starting = performance.now();
    const listener = await startListener(runtime, {
      bus: busConfig(exchange, queue, windowSize),
      announce: false,
      intakeOnly: true,
    });
    const started = performance.now();
    const done = () =>
      Object.entries(listener.counts).reduce((sum, [k, v]) => (k === 'requeued' ? sum : sum + v), 0);
    let last = -1;
    let lastChange = performance.now();
    while (done() < total) {
      if (done() !== last) [last, lastChange] = [done(), performance.now()];
      else if (performance.now() - lastChange > 30_000)
        throw new Error(`listen intake stalled at ${last} of ${total} messages`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const seconds = (performance.now() - started) / 1000;
    await listener.stop();
    return {
      rate: total / seconds,
      startSeconds: (started - starting) / 1000,
      counts: { ...listener.counts },
    };
  } finally {
    await runtime.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function memoryKb(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/**
 * Runs the built `listen --intake-only` on `queue` until `until()` holds, then SIGTERM; returns its
 * peak RSS (VmHWM) and the seconds from spawn to `until()`. `http`: the address of its HTTP server, or
 * false for `--no-http`.
 */
export async function childListen(
  exchange: string,
  queue: string,
  until: (elapsed: number) => Promise<boolean>,
  http: string | false = false,
): Promise<{ peakKb: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'fm-bench-listen-'));
  const config = join(dir, 'config.yaml');
  const bus = busConfig(exchange, queue);
  writeFileSync(
    config,
    stringify({
      ...sandboxConfig,
      bus: {
        url: bus.url,
        exchange,
        queue: { name: queue },
        routingKeys: bus.routingKeys,
        prefetch,
        topicPrefix: bus.topicPrefix,
        announce: false,
      },
    }),
  );
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      cli,
      'listen',
      '--intake-only',
      '--config',
      config,
      '--state-dir',
      join(dir, 'state'),
      ...(http ? ['--http', http] : ['--no-http']),
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = performance.now();
  let peakKb = 0;
  try {
    for (;;) {
      const elapsed = (performance.now() - started) / 1000;
      if (child.exitCode !== null) throw new Error(`listen exited early with ${child.exitCode}`);
      peakKb = Math.max(peakKb, memoryKb(child.pid as number).hwm);
      if (await until(elapsed)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    peakKb = Math.max(peakKb, memoryKb(child.pid as number).hwm);
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`listen exited with ${code} after SIGTERM`);
    return { peakKb, seconds };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export const busIntakeSection: BenchSection = {
  name: 'intake',
  description: `listen intake of ${intakeMessages} mixed AMQP messages vs a bare ack-only consumer at prefetch ${sweptPrefetches.join(', ')}; listen peak RSS idle and draining`,
  async run() {
    const connection = await amqp.connect(brokerUrl);
    const id = randomUUID();
    const exchange = `bench.fm.${id}`;
    const pairs = sweptPrefetches.flatMap((windowSize) =>
      Array.from({ length: windowSize === prefetch ? roundsAtDefault : 1 }, (_, round) => ({
        windowSize,
        bare: `bench-bare-${windowSize}-${round}-${id}`,
        intake: `bench-intake-${windowSize}-${round}-${id}`,
      })),
    );
    const queues = {
      child: `bench-child-${id}`,
      idle: `bench-idle-${id}`,
    };
    const allQueues = [...pairs.flatMap((p) => [p.bare, p.intake]), queues.child, queues.idle];
    const channel = await connection.createConfirmChannel();
    try {
      const messages = intakeMix();
      await preload(channel, exchange, [...pairs.flatMap((p) => [p.bare, p.intake]), queues.child], messages);
      await channel.assertQueue(queues.idle, { durable: true });

      const runs: Array<{
        windowSize: number;
        bare: number;
        intake: number;
        startSeconds: number;
        counts: Record<string, number>;
      }> = [];
      for (const pair of pairs) {
        const bare = await bareRate(connection, pair.bare, messages.length, pair.windowSize);
        const { rate, startSeconds, counts } = await intakeRate(
          exchange,
          pair.intake,
          messages.length,
          pair.windowSize,
        );
        runs.push({ windowSize: pair.windowSize, bare, intake: rate, startSeconds, counts });
      }
      const rates = sweptPrefetches.map((windowSize) => {
        const of = runs.filter((r) => r.windowSize === windowSize);
        const spread = (values: number[]) =>
          `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`;
        return {
          windowSize,
          bare: median(of.map((r) => r.bare)),
          intake: median(of.map((r) => r.intake)),
          startSeconds: median(of.map((r) => r.startSeconds)),
          counts: (of[0] as (typeof runs)[number]).counts,
          // Where there are several runs, the rows say so and give their spread.
          notes:
            of.length > 1
              ? {
                  bare: `median of ${of.length} runs (${spread(of.map((r) => r.bare))})`,
                  intake: `median of ${of.length} runs (${spread(of.map((r) => r.intake))})`,
                }
              : undefined,
        };
      });
      const atDefault = rates.find((r) => r.windowSize === prefetch) as (typeof rates)[number];

      const idle = await childListen(`${exchange}.idle`, queues.idle, async (elapsed) => elapsed >= 3);
      const draining = await childListen(exchange, queues.child, async () => {
        const { messageCount } = await channel.checkQueue(queues.child);
        return messageCount === 0;
      });
      return {
        rows: [
          ...rates.flatMap(({ windowSize, bare, intake, notes }) => [
            {
              label: `bare amqplib consumer (ack only), prefetch ${windowSize}`,
              value: bare,
              unit: 'msg/s',
              ...(notes ? { note: notes.bare } : {}),
            },
            {
              label: `listen intake (validate, filter, persist, ack), prefetch ${windowSize}`,
              value: intake,
              unit: 'msg/s',
              ...(notes ? { note: notes.intake } : {}),
            },
          ]),
          {
            label: 'intake / bare consumer',
            value: atDefault.intake / atDefault.bare,
            unit: 'x',
            target: { min: 0.5 },
            note: `prefetch ${prefetch}, medians`,
          },
          {
            label: 'listen start-up before its first delivery (connect, declare, consume)',
            value: atDefault.startSeconds * 1000,
            unit: 'ms',
            note: `prefetch ${prefetch}; not in either rate`,
          },
          { label: 'listen peak RSS, idle 3 s', value: idle.peakKb / 1024, unit: 'MiB' },
          { label: 'listen peak RSS, draining the backlog', value: draining.peakKb / 1024, unit: 'MiB' },
          {
            label: 'listen child: spawn to drained',
            value: draining.seconds,
            unit: 's',
            note: `${messages.length} messages, incl. start-up`,
          },
        ],
        details: {
          messages: messages.length,
          prefetch,
          intakeCounts: atDefault.counts,
          runs: runs.map((r) => ({ prefetch: r.windowSize, bare: round(r.bare), intake: round(r.intake) })),
        },
      };
    } finally {
      for (const q of allQueues) await channel.deleteQueue(q).catch(() => {});
      await channel.deleteExchange(exchange).catch(() => {});
      await channel.deleteExchange(`${exchange}.idle`).catch(() => {});
      await connection.close().catch(() => {});
    }
  },
};
