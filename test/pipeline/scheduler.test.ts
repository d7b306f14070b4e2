import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/pipeline/scheduler.js';
import { until } from '../bus/bus-harness.js';
import { makeHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a scheduler running as a service', () => {
  it('takes a job another process stored without telling it, within an image poll interval', async () => {
    h = await makeHarness({
      configure: (c) => void (c.pipeline = { ...c.pipeline, pollSeconds: { image: 0.05, changeSet: 0.05 } }),
    });
    const abort = new AbortController();
    const service = new Scheduler(h.ctx).settle({ forever: true, signal: abort.signal });
    try {
      // Idle: nothing stored, nothing held, nothing due. Then a job appears, and nobody calls wake().
      await new Promise((resolve) => setTimeout(resolve, 100));
      const job = await h.createJob(h.request());
      await until(async () => (await h!.job(job.id)).state !== 'verify', 5_000, 'the job to be taken');
      expect((await h.store.events(job.id)).map((e) => e.kind)).toContain('advanced');
    } finally {
      abort.abort();
      await service;
    }
  });
});

describe('lease renewal', () => {
  /**
   * A job held in its first save (so it stays running) while the store's renewal answers as `held` says;
   * returns the warnings logged by the time renewal `renewals` has come and gone (the next one started).
   */
  async function warningsWhile(held: (call: number) => boolean, renewals: number): Promise<string[]> {
    h = await makeHarness({ configure: (c) => void (c.pipeline = { ...c.pipeline, leaseSeconds: 0.15 }) });
    const store = h.store;
    let calls = 0;
    let inSave!: () => void;
    const saving = new Promise<void>((resolve) => (inSave = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const warnings: string[] = [];
    const logger = Object.assign(Object.create(h.ctx.logger) as typeof h.ctx.logger, {
      warn: (_fields: unknown, message: string) => void warnings.push(message),
    });
    const wrapped: typeof store = Object.assign(Object.create(store) as typeof store, {
      renewLeases: async (worker: string, ids: string[], ms: number) => {
        calls += 1;
        const renewed = await store.renewLeases(worker, ids, ms);
        return held(calls) ? renewed : [];
      },
      saveJob: async (...args: Parameters<typeof store.saveJob>) => {
        inSave();
        await gate;
        return store.saveJob(...args);
      },
    });
    const scheduler = new Scheduler({ ...h.ctx, store: wrapped, logger });
    await h.createJob(h.request());
    const run = scheduler.settle({ detach: true });
    await saving;
    await until(async () => calls > renewals, 5_000, `${renewals} lease renewals`);
    const seen = [...warnings];
    release();
    await run;
    return seen;
  }

  it('does not call a lease lost that one renewal missed (a step giving it back as it saves)', async () => {
    expect(await warningsWhile((call) => call !== 1, 4)).toEqual([]);
  });

  it('calls a lease lost once two renewals in a row miss a running job', async () => {
    const warnings = await warningsWhile(() => false, 2);
    expect(warnings.length).toBeGreaterThan(0);
    expect(new Set(warnings)).toEqual(new Set(['lease lost: another worker may run this job']));
  });
});
