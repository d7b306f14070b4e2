/** `listen` as users run it: the built CLI as a child process, stopped with SIGTERM. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { collect, runJson, spawnCli, type CliResult, type JobJson } from '../helpers/cli.js';
import { ensureRabbit, rabbitUrl } from '../helpers/rabbit.js';
import { ListenBus, officialBody, tempDir, until } from './bus-harness.js';

interface Child {
  process: ChildProcess;
  stderr: () => string;
  result: Promise<CliResult>;
}

function startListen(args: string[], stateDir: string): Child {
  const child = spawnCli(['listen', ...args], { stateDir });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { process: child, stderr: () => stderr, result: collect(child) };
}

const buses: ListenBus[] = [];
const children: ChildProcess[] = [];

function newBus(): ListenBus {
  const bus = new ListenBus(5);
  buses.push(bus);
  return bus;
}

beforeAll(async () => {
  await ensureRabbit();
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const bus of buses.splice(0)) await bus.close();
});

/** A fedora-messaging TOML for `bus`, as an operator already has one (no fedora-marketplace config). */
function writeToml(bus: ListenBus, dir: string): string {
  const queue = bus.config.queue.name as string;
  const toml = join(dir, 'fedora-messaging.toml');
  writeFileSync(
    toml,
    [
      `amqp_url = "${rabbitUrl}"`,
      `topic_prefix = "${bus.config.topicPrefix}"`,
      '[client_properties]',
      'app = "fedora-marketplace test"',
      `[queues."${queue}"]`,
      'durable = true',
      'auto_delete = false',
      'exclusive = false',
      'arguments = {}',
      '[[bindings]]',
      `queue = "${queue}"`,
      `exchange = "${bus.config.exchange}"`,
      `routing_keys = ${JSON.stringify(bus.config.routingKeys)}`,
      '[qos]',
      'prefetch_count = 5',
      '',
    ].join('\n'),
  );
  return toml;
}

const intakeLines = (text: string) => text.split('\n').filter((l) => l.includes('"msg":"intake"'));

describe('listen (child process)', () => {
  it('exits 0 on SIGTERM in the middle of work, and a restart finishes every job exactly once', async () => {
    const bus = newBus();
    await bus.open();
    const stateDir = tempDir('sigterm');
    const config = bus.writeConfig(stateDir);
    const total = 4;
    for (let n = 0; n < total; n++) await bus.publish(officialBody(2000 + n));

    const first = startListen(['--config', config], stateDir);
    children.push(first.process);
    await until(() => intakeLines(first.stderr()).length >= 1, 30_000, 'the first intake');
    first.process.kill('SIGTERM');
    const stopped = await first.result;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/stopped \(SIGTERM\)/);
    // Nothing in the logs carries the broker password.
    expect(stopped.stderr).not.toMatch(/guest:guest/);

    const second = startListen(['--config', config], stateDir);
    children.push(second.process);
    const announced = new Set<string>();
    await until(
      async () => {
        const jobs = (await runJson<{ jobs: JobJson[] }>(['status'], { stateDir })).jobs;
        return jobs.length === total && jobs.every((j) => j.state === 'published');
      },
      90_000,
      `${total} published jobs`,
    );
    second.process.kill('SIGINT');
    expect((await second.result).code).toBe(0);
    // Every job was announced (each at most once per run that finished it).
    for (;;) {
      const a = await bus.nextAnnouncement(1_000).catch(() => undefined);
      if (!a) break;
      expect(a.body['status']).toBe('published');
      announced.add(String(a.body['job_id']));
    }
    expect(announced.size).toBe(total);
    expect(await bus.queueDepth()).toBe(0);
  }, 180_000);

  it('reads the broker from a fedora-messaging TOML with --bus-config', async () => {
    const bus = newBus();
    await bus.open();
    const stateDir = tempDir('toml');
    const queue = bus.config.queue.name as string;
    const toml = writeToml(bus, stateDir);
    const child = startListen(['--bus-config', toml, '--intake-only', '--no-http', '--sandbox'], stateDir);
    children.push(child.process);
    const id = await bus.publish(officialBody(3000));
    await until(
      () => intakeLines(child.stderr()).some((l) => l.includes(id) && l.includes('"outcome":"accepted"')),
      30_000,
      'the intake',
    );
    child.process.kill('SIGTERM');
    const result = await child.result;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`"queue":"${queue}"`);
    const jobs = (await runJson<{ jobs: JobJson[] }>(['status'], { stateDir })).jobs;
    expect(jobs).toHaveLength(1);
    // --intake-only stores the job without running it.
    expect(jobs[0]?.state).toBe('verify');
  }, 60_000);

  it('refuses to consume on the simulated cloud unless it was chosen, and says why and how', async () => {
    const bus = newBus();
    await bus.open();
    const stateDir = tempDir('refuse');
    await bus.publish(officialBody(3100));
    const refused = await collect(
      spawnCli(['listen', '--bus-config', writeToml(bus, stateDir)], { stateDir }),
    );
    expect(refused.code).toBe(ExitCode.config);
    expect(refused.stderr).toMatch(/field: cloud\.adapter/);
    expect(refused.stderr).toMatch(/acknowledges every message/);
    expect(refused.stderr).toMatch(/cloud\.adapter: aws.*--sandbox/);
    // Nothing was taken from the queue.
    expect(await bus.queueDepth()).toBe(1);

    // A configuration file without cloud.adapter is refused the same way.
    const config = join(stateDir, 'no-adapter.yaml');
    writeFileSync(
      config,
      readFileSync(bus.writeConfig(stateDir), 'utf8').replace(/^cloud:\n( {2}.*\n)*/m, ''),
    );
    expect(readFileSync(config, 'utf8')).not.toMatch(/adapter/);
    const again = await collect(spawnCli(['listen', '--config', config], { stateDir }));
    expect(again.code, again.stderr).toBe(ExitCode.config);
    expect(await bus.queueDepth()).toBe(1);
  }, 60_000);
});
