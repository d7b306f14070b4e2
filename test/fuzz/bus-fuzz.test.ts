/**
 * 1,000 hostile bodies through `listen` on RabbitMQ: each is nacked without requeue and quarantined
 * once (a redelivery of one adds nothing), nothing is requeued, and the official announcements sent
 * before, between and after them become published jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListener } from '../../src/app/bus-service.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { ensureRabbit } from '../helpers/rabbit.js';
import { ListenBus, officialBody, tempDir, until } from '../bus/bus-harness.js';
import { hostileVariants } from './hostile-variants.js';

const seed = 424_242;
const count = 1_000;

describe('listen fed hostile messages', () => {
  const bus = new ListenBus(100);
  let runtime: Runtime | undefined;
  beforeAll(async () => {
    await ensureRabbit();
    await bus.open();
  });
  afterAll(async () => {
    await runtime?.close();
    await bus.close();
  });

  it('rejects each without requeue, quarantines each once, and publishes the good ones around them', async () => {
    runtime = await openRuntime({ stateDir: tempDir('fuzz-bus') });
    // A thousand rejections are a thousand warnings; the assertions below read the store instead.
    runtime.logger.level = 'silent';
    const listener = await startListener(runtime, { bus: bus.config, announce: false, stopTimeoutMs: 5_000 });
    const variants = hostileVariants(seed, count);
    const goodIds: string[] = [];
    const badIds = variants.map((_, i) => `fuzz-bus-${seed}-${i}`);
    const good = () => {
      const id = `good-${goodIds.length}`;
      goodIds.push(id);
      return { body: officialBody(goodIds.length), id };
    };
    const messages: Array<{ body: object | Buffer; id: string }> = [good()];
    variants.forEach((variant, i) => {
      messages.push({ body: variant.body, id: badIds[i] as string });
      if (i % 250 === 249) messages.push(good());
    });
    // A redelivery of a hostile message under the same id is not quarantined again.
    messages.push({ body: variants[0]!.body, id: badIds[0]! }, good());
    await bus.publishAll(messages);

    const store = runtime.store;
    await until(() => listener.counts.rejected === count + 1, 60_000, `${count + 1} rejections`);
    await until(
      async () => (await store.listJobs({ states: ['published'] })).length === goodIds.length,
      60_000,
      `${goodIds.length} published jobs`,
    );
    await until(async () => (await bus.queueDepth()) === 0, 10_000, 'an empty queue');
    await listener.stop();

    expect(listener.counts).toMatchObject({ accepted: goodIds.length, rejected: count + 1, requeued: 0 });
    const quarantine = await store.listIntake({ outcomes: ['rejected'] });
    expect(quarantine).toHaveLength(count);
    expect(new Set(quarantine.map((r) => r.messageId))).toEqual(new Set(badIds));
    for (const record of quarantine) {
      expect(record.reason).toContain(`message ${record.messageId}`);
      expect(record.reason).toMatch(/rule: /);
    }
    const jobs = await store.listJobs();
    expect(new Set(jobs.map((j) => j.request.origin.messageId))).toEqual(new Set(goodIds));
  }, 150_000);
});
