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
