import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startListener, type Listener } from '../../src/app/bus-service.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { closeBrokerConnection, ensureRabbit } from '../helpers/rabbit.js';
import { runJson } from '../helpers/cli.js';
import { ListenBus, officialBody, tempDir, until } from './bus-harness.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/announcement.v1.schema.json', import.meta.url), 'utf8'),
) as object;
const validateAnnouncement = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

interface Running {
  bus: ListenBus;
  runtime: Runtime;
  listener: Listener;
  stateDir: string;
  connectionName: string;
}

const open: Running[] = [];

async function listen(
  options: { intakeOnly?: boolean; prefetch?: number; sim?: Record<string, unknown> } = {},
): Promise<Running> {
  const bus = new ListenBus(options.prefetch);
  await bus.open();
  const stateDir = tempDir('listen');
  const runtime = await openRuntime({
    stateDir,
    ...(options.sim ? { config: bus.writeConfig(stateDir, options.sim) } : {}),
  });
  const connectionName = `fm-listen-test-${bus.id}`;
  const listener = await startListener(runtime, {
    bus: bus.config,
    announce: true,
    connectionName,
    ...(options.intakeOnly ? { intakeOnly: true } : {}),
  });
  const running = { bus, runtime, listener, stateDir, connectionName };
  open.push(running);
  return running;
}

async function shutdown(running: Running): Promise<void> {
  const i = open.indexOf(running);
  if (i >= 0) open.splice(i, 1);
  await running.listener.stop();
  await running.runtime.close();
  await running.bus.close();
}

beforeAll(async () => {
  await ensureRabbit();
});

afterEach(async () => {
  for (const running of [...open]) await shutdown(running);
});

describe('listen', () => {
  it('turns an official message into a published job and announces it with a schema-valid body', async () => {
    const { bus, runtime } = await listen();
    const messageId = await bus.publish(officialBody(1));

    const announcement = await bus.nextAnnouncement(60_000);
    expect(announcement.routingKey).toBe(`${bus.config.topicPrefix}.fedora_marketplace.version.published.v1`);
    expect(announcement.headers['fedora_messaging_schema']).toBe('fedora_marketplace.version.published.v1');
    expect(validateAnnouncement(announcement.body), JSON.stringify(validateAnnouncement.errors)).toBe(true);
    expect(announcement.body).toMatchObject({
      status: 'published',
      release: 41,
      compose_id: 'Fedora-41-20241027.1',
      reason: null,
    });

    const [job] = await runtime.store.listJobs();
    expect(job?.state).toBe('published');
    expect(job?.request.origin.messageId).toBe(messageId);
    expect(announcement.body['job_id']).toBe(job?.id);
    expect(announcement.body['change_set_id']).toBe(job?.data.changeSetId);
    expect(await bus.queueDepth()).toBe(0);
  });

  it('announces at start-up a job that ended before a crash could announce it, and only once', async () => {
    const first = await listen({ intakeOnly: true });
    await first.bus.publish(officialBody(7));
    await until(
      async () => (await first.runtime.store.listJobs()).length === 1,
      30_000,
      'the job to be stored',
    );
    // Finish the job without a listener running: as if the process died between storing the end and announcing it.
    const { stateDir, bus } = first;
    await first.listener.stop();
    await first.runtime.close();
    open.splice(open.indexOf(first), 1);
    const offline = await openRuntime({ stateDir });
    const { Scheduler } = await import('../../src/pipeline/scheduler.js');
    await new Scheduler(offline.ctx, { virtualClock: offline.virtualClock! }).settle();
    const [ended] = await offline.store.listJobs();
    expect(ended?.state).toBe('published');
    expect(ended?.request.origin.kind).toBe('bus');
    expect(ended?.data.announcedAt).toBeUndefined();
    await offline.close();

    const runtime = await openRuntime({ stateDir });
    const listener = await startListener(runtime, { bus: bus.config, announce: true });
    open.push({ bus, runtime, listener, stateDir, connectionName: 'restart' });
    const announcement = await bus.nextAnnouncement(30_000);
    expect(announcement.body).toMatchObject({ status: 'published', job_id: ended?.id });
    const [job] = await runtime.store.listJobs();
    expect(job?.data.announcedAt).toBeDefined();

    // A second start finds nothing left to announce.
    await listener.stop();
    const again = await startListener(runtime, { bus: bus.config, announce: true });
    open[open.length - 1]!.listener = again;
    await expect(bus.nextAnnouncement(1_500)).rejects.toThrow();
  });

  it('announces a failed job with its reason', async () => {
    const body = officialBody(5);
    const sourceAmi = (body['regions'] as Record<string, string>)['us-east-1'] as string;
    const { bus, runtime } = await listen({ sim: { faults: { failCopyOf: [sourceAmi] } } });
    await bus.publish(body);

    const announcement = await bus.nextAnnouncement(60_000);
    expect(announcement.routingKey).toBe(`${bus.config.topicPrefix}.fedora_marketplace.version.failed.v1`);
    expect(announcement.headers['fedora_messaging_severity']).toBe(40);
    expect(validateAnnouncement(announcement.body), JSON.stringify(validateAnnouncement.errors)).toBe(true);
    const [job] = await runtime.store.listJobs();
    expect(job?.state).toBe('failed');
    expect(job?.reason).toMatch(/mirror/);
    expect(announcement.body).toMatchObject({ status: 'failed', job_id: job?.id, reason: job?.reason });
  });

  it('rejects invalid messages without requeueing them and keeps them in the quarantine', async () => {
    const running = await listen({ intakeOnly: true });
    const { bus, runtime } = running;
    const notJson = await bus.publish('{"architecture": "x86_64", oops');
    const noRegions = await bus.publish({ ...officialBody(2), regions: 'none' });
    const good = await bus.publish(officialBody(3));

    await until(
      async () => (await runtime.store.hasMessage(good)) && running.listener.counts.rejected === 2,
      20_000,
      'the intake',
    );
    await until(async () => (await bus.queueDepth()) === 0, 10_000, 'an empty queue');
    expect(await runtime.store.listJobs()).toHaveLength(1);

    await shutdown(running);
    const status = await runJson<{
      quarantine: Array<{ messageId?: string; reason: string; payload?: string }>;
    }>(['status', '--quarantine'], { stateDir: running.stateDir });
    const byId = new Map(status.quarantine.map((r) => [r.messageId, r]));
    expect(byId.get(notJson)?.reason).toMatch(/message .* malformed JSON/);
    expect(byId.get(notJson)?.payload).toBe('{"architecture": "x86_64", oops');
    expect(byId.get(noRegions)?.reason).toMatch(/regions/);
    expect(status.quarantine).toHaveLength(2);
  });

  it('makes one job of a message published twice under one id and of an image announced twice; quarantines an id once', async () => {
    const running = await listen({ intakeOnly: true });
    const { bus, runtime } = running;
    const first = await bus.publish(officialBody(4));
    // A publisher's retry: the same id again, a new delivery (not flagged redelivered), so judged again.
    await bus.publish(officialBody(4), { id: first });
    const second = await bus.publish(officialBody(4));
    const broken = await bus.publish('{"architecture": "x86_64", oops');
    await bus.publish('{"architecture": "x86_64", oops', { id: broken });

    const { counts } = running.listener;
    await until(() => counts.duplicate === 2 && counts.rejected === 2, 20_000, 'five deliveries');
    const jobs = await runtime.store.listJobs();
    expect(jobs).toHaveLength(1);
    expect(counts).toMatchObject({ accepted: 1, seen: 0, duplicate: 2, rejected: 2 });
    const intake = await runtime.store.listIntake();
    expect(intake.filter((r) => r.outcome === 'accepted').map((r) => r.messageId)).toEqual([first]);
    expect(intake.filter((r) => r.outcome === 'duplicate').map((r) => r.messageId)).toEqual([first, second]);
    expect(intake.filter((r) => r.outcome === 'rejected').map((r) => r.messageId)).toEqual([broken]);
  });

  it('makes exactly one job per message when the broker closes its connection during a burst', async () => {
    const running = await listen({ intakeOnly: true, prefetch: 20 });
    const { bus, runtime, listener } = running;
    const total = 150;
    let reconnects = 0;
    listener.consumer.on('connected', ({ attempt }) => {
      if (attempt > 0) reconnects += 1;
    });

    let closed = 0;
    for (let n = 0; n < total; n++) {
      await bus.publish(officialBody(1000 + n));
      // Cut mid-burst, once deliveries are flowing, so unacked messages are in flight.
      if (n === 60) closed = await closeBrokerConnection(running.connectionName, 'resilience test');
    }
    expect(closed).toBe(1);

    await until(async () => (await runtime.store.listJobs()).length >= total, 60_000, `${total} jobs`);
    await until(async () => (await bus.queueDepth()) === 0, 20_000, 'an empty queue');
    const jobs = await runtime.store.listJobs();
    expect(jobs).toHaveLength(total);
    const composes = new Set(jobs.map((j) => j.request.composeId));
    expect(composes.size).toBe(total);
    for (let n = 0; n < total; n++) expect(composes.has(`Fedora-41-20241027.${1000 + n}`)).toBe(true);
    const accepted = (await runtime.store.listIntake({ outcomes: ['accepted'] })).length;
    expect(accepted).toBe(total);
    expect(reconnects).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
