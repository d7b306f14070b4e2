/**
 * listen commits every decision of a prefetch window in one transaction, then acks the window: against
 * the real broker, a connection lost between the commit and the acks, and a commit that fails.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startListener, type Listener } from '../../src/app/bus-service.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import type { IntakeEntry, JobStore } from '../../src/store/store.js';
import { closeBrokerConnection, ensureRabbit } from '../helpers/rabbit.js';
import { ListenBus, awsTopic, officialBody, tempDir, until } from './bus-harness.js';

interface Running {
  bus: ListenBus;
  runtime: Runtime;
  listener: Listener;
  connectionName: string;
  /** The entries of every commitIntake call the intake made, in order. */
  commits: IntakeEntry[][];
}

const open: Running[] = [];

/**
 * listen --intake-only on a fresh bus whose store runs `around` in place of each commitIntake call
 * (`commit` is the store's own); `around` also sees the running listener.
 */
async function listen(
  prefetch: number,
  around: (
    commit: () => ReturnType<JobStore['commitIntake']>,
    running: Running,
  ) => ReturnType<JobStore['commitIntake']>,
): Promise<Running> {
  const bus = new ListenBus(prefetch);
  await bus.open();
  const runtime = await openRuntime({ stateDir: tempDir('group-commit') });
  const store = runtime.store;
  const running = {
    bus,
    runtime,
    commits: [],
    connectionName: `fm-group-commit-${bus.id}`,
  } as unknown as Running;
  runtime.store = Object.assign(Object.create(store) as JobStore, {
    commitIntake: (entries: IntakeEntry[]) => {
      running.commits.push(entries);
      return around(() => store.commitIntake(entries), running);
    },
  });
  running.listener = await startListener(runtime, {
    bus: bus.config,
    announce: false,
    intakeOnly: true,
    connectionName: running.connectionName,
  });
  open.push(running);
  return running;
}

beforeAll(async () => {
  await ensureRabbit();
});

afterEach(async () => {
  for (const running of open.splice(0)) {
    await running.listener.stop();
    await running.runtime.close();
    await running.bus.close();
  }
});

const containerTopic = awsTopic.replace('Cloud_Base', 'Container_Base');
function containerBody(n: number): Record<string, unknown> {
  return {
    ...officialBody(n, 1),
    subvariant: 'Container_Base',
    image_name: `Fedora-Container-Base-AmazonEC2.x86_64-41-1.${n}`,
  };
}

/** 40 messages of every kind, interleaved: new images, re-announcements, skips, bad input. */
function mixedBurst(): Array<{ body: string | object; topic?: string }> {
  return Array.from({ length: 40 }, (_, i) => {
    switch (i % 4) {
      case 0:
        return { body: officialBody(100 + (i % 8), 1) };
      case 1:
        return { body: containerBody(i), topic: containerTopic };
      case 2:
        return { body: `{"architecture": "x86_64", "n": ${i}` };
      default:
        return { body: { ...officialBody(i, 1), regions: 'none' } };
    }
  });
}

/** What the intake log holds per message id, and how many rows it has. */
async function intakeByMessage(runtime: Runtime): Promise<Map<string, string[]>> {
  const byId = new Map<string, string[]>();
  for (const record of await runtime.store.listIntake()) {
    const id = record.messageId ?? '(none)';
    byId.set(id, [...(byId.get(id) ?? []), record.outcome]);
  }
  return byId;
}

describe('listen group commit', () => {
  it('writes a mixed window in one transaction: new jobs, re-announcements, skips and quarantines together', async () => {
    const running = await listen(50, (commit) => commit());
    const { bus, runtime, listener } = running;
    const ids = await bus.publishAll(mixedBurst());
    await until(
      () => Object.values(listener.counts).reduce((a, b) => a + b, 0) === ids.length,
      30_000,
      'every delivery decided',
    );
    await until(async () => (await bus.queueDepth()) === 0, 10_000, 'an empty queue');

    // 10 announcements of 2 images... i % 8 over i = 0, 4, ..., 36 gives images 100 and 104.
    const jobs = await runtime.store.listJobs();
    expect(jobs.map((j) => j.request.composeId).sort()).toEqual([
      'Fedora-41-20241027.100',
      'Fedora-41-20241027.104',
    ]);
    expect(listener.counts).toMatchObject({ accepted: 2, duplicate: 8, skipped: 10, rejected: 20 });
    const byId = await intakeByMessage(runtime);
    expect([...byId.keys()].sort()).toEqual([...ids].sort());
    for (const outcomes of byId.values()) expect(outcomes).toHaveLength(1);
    // Some commit carried a new job together with records of the other kinds.
    const kinds = (entries: IntakeEntry[]) =>
      new Set(entries.map((e) => (e.job ? 'job' : (e.record as { outcome: string }).outcome)));
    expect(running.commits.some((c) => kinds(c).has('job') && kinds(c).size >= 3)).toBe(true);
  }, 60_000);

  it('after a connection lost between the commit and the acks, the redelivered window is recognised: no second job, no second record', async () => {
    let cut = false;
    const running = await listen(20, async (commit, { connectionName }) => {
      const results = await commit();
      if (!cut) {
        cut = true;
        // Committed, not yet acked: the broker takes the window back as a crash would leave it.
        expect(await closeBrokerConnection(connectionName, 'cut between commit and ack')).toBe(1);
      }
      return results;
    });
    const { bus, runtime, listener } = running;
    const ids = await bus.publishAll(mixedBurst());
    await until(
      async () => (await bus.queueDepth()) === 0 && listener.consumer.connected,
      60_000,
      'an empty queue',
    );
    await until(
      async () => (await intakeByMessage(runtime)).size === ids.length,
      30_000,
      'every message recorded',
    );

    const firstWindow = running.commits[0]!.length;
    expect(firstWindow).toBeGreaterThan(0);
    // The redeliveries of the first window were seen (accepted, duplicate, skipped) or quarantined again.
    expect(listener.counts.seen).toBeGreaterThan(0);
    expect((await runtime.store.listJobs()).map((j) => j.request.composeId).sort()).toEqual([
      'Fedora-41-20241027.100',
      'Fedora-41-20241027.104',
    ]);
    const byId = await intakeByMessage(runtime);
    for (const [id, outcomes] of byId) expect(outcomes, id).toHaveLength(1);
  }, 90_000);

  it('a commit that fails writes nothing and leaves every message of its window to the broker, which delivers them again', async () => {
    let failed = 0;
    const running = await listen(20, async (commit) => {
      if (failed === 0) {
        failed = 1;
        throw new Error('disk full');
      }
      return commit();
    });
    const { bus, runtime, listener } = running;
    const ids = await bus.publishAll(mixedBurst());
    await until(
      async () => (await intakeByMessage(runtime)).size === ids.length,
      60_000,
      'every message recorded',
    );
    await until(async () => (await bus.queueDepth()) === 0, 10_000, 'an empty queue');

    const failedWindow = running.commits[0]!;
    const failedIds = new Set(failedWindow.map((e) => e.record.messageId));
    expect(failedIds.size).toBeGreaterThan(0);
    // Each delivery of the failed window was requeued (none acked, none dropped) and came back.
    expect(listener.counts.requeued).toBe(failedWindow.length);
    const byId = await intakeByMessage(runtime);
    for (const id of failedIds) expect(byId.get(id as string), id).toHaveLength(1);
    for (const outcomes of byId.values()) expect(outcomes).toHaveLength(1);
    expect(await runtime.store.listJobs()).toHaveLength(2);
  }, 90_000);
});
