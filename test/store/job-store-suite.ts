import { describe, expect, it } from 'vitest';
import { StaleJobError } from '../../src/store/store.js';
import { recentSkips } from '../../src/store/sql-job-store.js';
import type { IntakeRecord, JobStore } from '../../src/store/store.js';
import { emptyJobData, parkedUntil } from '../../src/core/model/job.js';
import { event, job, request, t0 } from './fixtures.js';

/**
 * Behaviour every JobStore backend must show. `open` yields a fresh, migrated, empty store; the
 * caller's hooks close it.
 */
export function jobStoreSuite(open: () => Promise<JobStore>): void {
  describe('createJob', () => {
    it('creates a job with its creation event, and coalesces a duplicate key onto it', async () => {
      const store = await open();
      const first = job();
      const created = await store.createJob(first, event('created', 'from bus'));
      expect(created.created).toBe(true);
      expect(created.job).toEqual(first);

      const duplicate = {
        ...job({ request: first.request }),
        data: { mirroredAmis: { x: 'ami-1' }, mirroredSnapshots: {} },
      };
      expect(duplicate.id).not.toBe(first.id);
      const again = await store.createJob(duplicate, event('created', 'second announcement'));
      expect(again.created).toBe(false);
      expect(again.job).toEqual(first);

      expect(await store.getJob(duplicate.id)).toBeUndefined();
      expect(await store.events(duplicate.id)).toEqual([]);
      expect(await store.events(first.id)).toEqual([{ jobId: first.id, ...event('created', 'from bus') }]);
      expect(await store.findJobByKey(first.key)).toEqual(first);
    });

    it('creates exactly one job when the same key is announced concurrently', async () => {
      const store = await open();
      const req = request({ composeId: 'Fedora-41-concurrent' });
      const results = await Promise.all(
        [job({ request: req }), job({ request: req }), job({ request: req })].map((j) =>
          store.createJob(j, event('created', j.id)),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const winner = results.find((r) => r.created)!.job;
      expect(new Set(results.map((r) => r.job.id))).toEqual(new Set([winner.id]));
      expect(await store.listJobs()).toHaveLength(1);
      expect((await store.events(winner.id)).map((e) => e.message)).toEqual([winner.id]);
    });
  });

  describe('saveJob', () => {
    it('bumps the version, persists every field, and clears a removed reason', async () => {
      const store = await open();
      const { job: stored } = await store.createJob(
        job({ reason: 'waiting for copy' }),
        event('created', 'c'),
      );
      const next = {
        ...stored,
        state: 'mirror' as const,
        reason: undefined,
        attempts: 2,
        nextRunAt: new Date(t0 + 60_000),
        updatedAt: new Date(t0 + 1_000),
        data: { ...stored.data, mirroredAmis: { 'aws:us-east-1': 'ami-0aaa' } },
      };
      delete next.reason;
      const saved = await store.saveJob(next, [event('advanced', 'verified', t0 + 1_000)]);
      expect(saved.version).toBe(stored.version + 1);
      expect(saved).toEqual({ ...next, version: stored.version + 1 });
      const reread = await store.getJob(stored.id);
      expect(reread).toEqual(saved);
      expect(reread).not.toHaveProperty('reason');
    });

    it('lets only the first of two saves from the same version win', async () => {
      const store = await open();
      const { job: stored } = await store.createJob(job(), event('created', 'c'));
      const a = await store.saveJob({ ...stored, state: 'mirror' }, [event('advanced', 'a')]);
      const b = store.saveJob({ ...stored, state: 'failed', reason: 'b' }, [event('failed', 'b')]);
      await expect(b).rejects.toBeInstanceOf(StaleJobError);
      await expect(b).rejects.toMatchObject({ jobId: stored.id, expectedVersion: stored.version });
      expect(await store.getJob(stored.id)).toEqual(a);
      expect((await store.events(stored.id)).map((e) => e.message)).toEqual(['c', 'a']);
      // Saving from the version it returned works again.
      await expect(store.saveJob({ ...a, state: 'share' })).resolves.toMatchObject({
        version: a.version + 1,
      });
    });

    it('lets exactly one of concurrent saves from the same version win', async () => {
      const store = await open();
      const { job: stored } = await store.createJob(job(), event('created', 'c'));
      const results = await Promise.allSettled(
        (['mirror', 'share', 'failed'] as const).map((state) =>
          store.saveJob({ ...stored, state }, [event('advanced', state)]),
        ),
      );
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(2);
      for (const reason of lost) expect(reason).toBeInstanceOf(StaleJobError);
      expect(await store.getJob(stored.id)).toEqual(won[0]);
      expect((await store.events(stored.id)).map((e) => e.message)).toEqual(['c', won[0]!.state]);
    });

    it('rejects a save of a job that was never created', async () => {
      const store = await open();
      await expect(store.saveJob(job())).rejects.toBeInstanceOf(StaleJobError);
    });
  });

  it('lists jobs by state, id, release and limit, oldest first', async () => {
    const store = await open();
    const a = job({ createdAt: new Date(t0 + 1) });
    const b = job({
      createdAt: new Date(t0 + 2),
      state: 'published',
      request: request({ release: 42, composeId: 'Fedora-42-20250415.0' }),
    });
    const c = job({ createdAt: new Date(t0 + 3), state: 'share' });
    for (const j of [c, a, b]) await store.createJob(j, event('created', j.id));

    const ids = (jobs: Array<{ id: string }>) => jobs.map((j) => j.id);
    expect(ids(await store.listJobs())).toEqual([a.id, b.id, c.id]);
    expect(ids(await store.listJobs({ states: ['verify', 'share'] }))).toEqual([a.id, c.id]);
    expect(ids(await store.listJobs({ ids: [c.id, b.id] }))).toEqual([b.id, c.id]);
    expect(ids(await store.listJobs({ release: 42 }))).toEqual([b.id]);
    expect(ids(await store.listJobs({ release: 41, limit: 1 }))).toEqual([a.id]);
    expect(await store.listJobs({ states: [] })).toEqual([]);
  });

  it('filters by architecture and pages in (createdAt, id) order after a given job', async () => {
    const store = await open();
    const arm = (n: number) => request({ arch: 'arm64', composeId: `Fedora-41-arm.${n}` });
    // Two jobs share a creation time: the id orders them, so no page skips or repeats one.
    const a = job({ createdAt: new Date(t0 + 1), id: 'job-b' });
    const b = job({ createdAt: new Date(t0 + 1), id: 'job-c', request: arm(1) });
    const c = job({ createdAt: new Date(t0 + 2), id: 'job-a', request: arm(2) });
    for (const j of [c, b, a]) await store.createJob(j, event('created', j.id));

    const ids = (jobs: Array<{ id: string }>) => jobs.map((j) => j.id);
    expect(ids(await store.listJobs({ arch: 'arm64' }))).toEqual(['job-c', 'job-a']);
    expect(ids(await store.listJobs({ arch: 'x86_64' }))).toEqual(['job-b']);
    const first = await store.listJobs({ limit: 2 });
    expect(ids(first)).toEqual(['job-b', 'job-c']);
    const last = first[first.length - 1]!;
    expect(ids(await store.listJobs({ limit: 2, after: last }))).toEqual(['job-a']);
    expect(ids(await store.listJobs({ after: { createdAt: new Date(t0 + 1), id: 'job-b' } }))).toEqual([
      'job-c',
      'job-a',
    ]);
    expect(ids(await store.recentJobs(2))).toEqual(['job-a', 'job-c']);
  });

  it('summarizes jobs per state, the oldest stage entry per unfinished stage, and the quarantine', async () => {
    const store = await open();
    expect(await store.summarize()).toEqual({ jobs: {}, oldestInStage: {}, quarantined: 0 });
    await store.ping();

    const entered = (ms: number) => ({ ...emptyJobData(), stageStartedAt: new Date(t0 + ms).toISOString() });
    const copying = job({ state: 'mirror', data: entered(5_000) });
    const copyingLonger = job({ state: 'mirror', data: entered(1_000) });
    // A job still in its first stage has no stage start: its creation counts.
    const verifying = job({ state: 'verify', createdAt: new Date(t0 + 7_000) });
    const failed = job({ state: 'failed', data: entered(0) });
    const done = job({ state: 'published', data: entered(0) });
    for (const j of [copying, copyingLonger, verifying, failed, done])
      await store.createJob(j, event('created', j.id));
    // A save moves the stage start with the job.
    const { job: moving } = await store.createJob(job({ state: 'share' }), event('created', 'c'));
    await store.saveJob({ ...moving, state: 'describe', data: entered(9_000) });
    await store.recordIntake({ at: new Date(t0), source: 'bus', outcome: 'rejected', reason: 'bad' });
    await store.recordIntake({ at: new Date(t0), source: 'bus', outcome: 'skipped', reason: 'rawhide' });

    expect(await store.summarize()).toEqual({
      jobs: { mirror: 2, verify: 1, failed: 1, published: 1, describe: 1 },
      oldestInStage: {
        mirror: new Date(t0 + 1_000),
        verify: new Date(t0 + 7_000),
        describe: new Date(t0 + 9_000),
      },
      quarantined: 1,
    });
  });

  it("keeps apply's progress per product, replaced by each save", async () => {
    const store = await open();
    expect(await store.listApplies(['Cloud_Base/41/x86_64'])).toEqual([]);
    const first = {
      key: 'Cloud_Base/41/x86_64',
      data: { phase: 'follow', changeSetId: 'cs-1' },
      nextRunAt: new Date(t0 + 60_000),
      updatedAt: new Date(t0),
    };
    await store.saveApply(first);
    await store.saveApply({ ...first, key: 'Cloud_Base/41/arm64', data: { phase: 'done' } });
    const replaced = { ...first, data: { phase: 'plan' }, nextRunAt: new Date(t0 + 1) };
    await store.saveApply(replaced);
    expect(await store.listApplies(['Cloud_Base/41/x86_64', 'Cloud_Base/42/x86_64'])).toEqual([replaced]);
    expect(await store.listApplies([])).toEqual([]);
  });

  it('returns events in the order they were written', async () => {
    const store = await open();
    const { job: stored } = await store.createJob(job(), event('created', 'one'));
    // Same timestamps on purpose: order must come from insertion, not from `at`.
    const saved = await store.saveJob(stored, [
      event('advanced', 'two'),
      event('waiting', 'three', t0, 'mirror'),
    ]);
    await store.saveJob(saved, [event('note', 'four', t0 - 1)]);
    const events = await store.events(stored.id);
    expect(events.map((e) => [e.kind, e.message])).toEqual([
      ['created', 'one'],
      ['advanced', 'two'],
      ['waiting', 'three'],
      ['note', 'four'],
    ]);
    expect(events[2]).toEqual({
      jobId: stored.id,
      at: new Date(t0),
      stage: 'mirror',
      kind: 'waiting',
      message: 'three',
    });
  });

  it('keeps the intake log and knows which messages were already handled', async () => {
    const store = await open();
    const at = (ms: number) => new Date(t0 + ms);
    await store.recordIntake({
      at: at(1),
      source: 'bus',
      outcome: 'accepted',
      messageId: 'm1',
      topic: 't',
      jobId: 'job-x',
    });
    await store.recordIntake({
      at: at(2),
      source: 'bus',
      outcome: 'duplicate',
      messageId: 'm1',
      topic: 't',
      jobId: 'job-x',
    });
    await store.recordIntake({
      at: at(3),
      source: 'file',
      outcome: 'rejected',
      messageId: 'm2',
      reason: 'bad arch',
      payload: '{"arch":"s390x"}',
    });
    await store.recordIntake({
      at: at(4),
      source: 'bus',
      outcome: 'skipped',
      messageId: 'm3',
      reason: 'end of life',
    });
    await store.recordIntake({ at: at(5), source: 'cli', outcome: 'accepted', jobId: 'job-y' });

    expect(await store.hasMessage('m1')).toBe(true);
    // A skip is not final (a later run may admit it) and a rejected message may come back fixed:
    // neither made a job.
    expect(await store.hasMessage('m3')).toBe(false);
    expect(await store.hasMessage('m2')).toBe(false);
    expect(await store.hasMessage('m4')).toBe(false);
    const outcomes = await store.intakeOutcomes(['m1', 'm2', 'm3', 'm4']);
    expect([...outcomes].map(([id, found]) => [id, [...found].sort()])).toEqual([
      ['m1', ['accepted', 'duplicate']],
      ['m2', ['rejected']],
      ['m3', ['skipped']],
    ]);
    // Lookups of any length, past one query's worth of ids, find each recorded id once.
    for (const length of [3, 5, 700]) {
      const ids = Array.from({ length }, (_, i) => `absent-${i}`);
      ids[1] = 'm3';
      ids[length - 1] = 'm1';
      const found = await store.intakeOutcomes(ids);
      expect([...found.keys()].sort()).toEqual(['m1', 'm3']);
      expect([...(found.get('m1') ?? [])].sort()).toEqual(['accepted', 'duplicate']);
    }

    const all = await store.listIntake();
    expect(all.map((r) => r.at.getTime() - t0)).toEqual([1, 2, 3, 4, 5]);
    expect(all[2]).toEqual({
      at: at(3),
      source: 'file',
      outcome: 'rejected',
      messageId: 'm2',
      reason: 'bad arch',
      payload: '{"arch":"s390x"}',
    });
    expect(all[4]).toEqual({ at: at(5), source: 'cli', outcome: 'accepted', jobId: 'job-y' });
    expect((await store.listIntake({ outcomes: ['accepted'] })).map((r) => r.jobId)).toEqual([
      'job-x',
      'job-y',
    ]);
    expect((await store.listIntake({ limit: 2 })).map((r) => r.outcome)).toEqual(['skipped', 'accepted']);
    expect(await store.listIntake({ outcomes: [] })).toEqual([]);
  });

  it('finds a skip by message id among the latest records only, and a job or quarantine entry at any age', async () => {
    const store = await open();
    const record = (outcome: IntakeRecord['outcome'], messageId: string): IntakeRecord => ({
      at: new Date(t0),
      source: 'bus',
      outcome,
      messageId,
      ...(outcome === 'accepted' ? { jobId: 'job-old' } : {}),
    });
    await store.commitIntake([
      { record: record('skipped', 'skip-old') },
      { record: record('accepted', 'job-old') },
      { record: record('rejected', 'bad-old') },
    ]);
    // recentSkips records later, the first skip is out of reach; the others have their own index.
    await store.commitIntake(
      Array.from({ length: recentSkips - 2 }, (_, i) => ({ record: record('skipped', `filler-${i}`) })),
    );
    await store.commitIntake([{ record: record('skipped', 'skip-new') }]);
    const found = await store.intakeOutcomes(['skip-old', 'job-old', 'bad-old', 'skip-new', 'filler-0']);
    expect([...found].map(([id, outcomes]) => [id, [...outcomes]]).sort()).toEqual([
      ['bad-old', ['rejected']],
      ['filler-0', ['skipped']],
      ['job-old', ['accepted']],
      ['skip-new', ['skipped']],
    ]);
  });

  it('quarantines an input once: per message id, else per digest, whatever writes it', async () => {
    const store = await open();
    const rejected = (n: number, ref: { messageId?: string; digest?: string }): IntakeRecord => ({
      at: new Date(t0 + n),
      source: 'bus',
      outcome: 'rejected',
      reason: `attempt ${n}`,
      payload: 'x',
      ...ref,
    });
    await store.recordIntake(rejected(1, { messageId: 'q1', digest: 'd1' }));
    await store.recordIntake(rejected(2, { messageId: 'q1', digest: 'd2' }));
    await store.recordIntake(rejected(3, { digest: 'd3' }));
    await store.commitIntake([
      { record: rejected(4, { digest: 'd3' }) },
      { record: rejected(5, { digest: 'd4' }) },
      { record: rejected(6, { digest: 'd4' }) },
    ]);
    const quarantine = await store.listIntake({ outcomes: ['rejected'] });
    expect(quarantine.map((r) => [r.messageId ?? null, r.digest, r.reason])).toEqual([
      ['q1', 'd1', 'attempt 1'],
      [null, 'd3', 'attempt 3'],
      [null, 'd4', 'attempt 5'],
    ]);
  });

  describe('commitIntake', () => {
    const record = (n: number, outcome: IntakeRecord['outcome'], messageId: string): IntakeRecord => ({
      at: new Date(t0 + n),
      source: 'bus',
      outcome,
      messageId,
      ...(outcome === 'rejected' ? { reason: `bad ${n}`, payload: 'x' } : {}),
    });
    const entry = (n: number, messageId: string, composeId: string) => ({
      job: job({ request: request({ composeId }) }),
      event: event('created', `job ${n}`),
      record: { at: new Date(t0 + n), source: 'bus', messageId },
    });

    it('writes a mixed window in order: new jobs, a duplicate within the window and of an older job, skips, one quarantine row', async () => {
      const store = await open();
      const older = await store.createJob(
        job({ request: request({ composeId: 'c-old' }) }),
        event('created', 'old'),
      );
      const results = await store.commitIntake([
        entry(1, 'm1', 'c-new'),
        { record: record(2, 'skipped', 'm2') },
        entry(3, 'm3', 'c-new'),
        { record: record(4, 'rejected', 'm4') },
        entry(5, 'm5', 'c-old'),
        { record: record(6, 'rejected', 'm4') },
      ]);
      expect(results.map((r) => r?.created)).toEqual([true, undefined, false, undefined, false, undefined]);
      const created = results[0]!.job;
      expect(results[2]!.job.id).toBe(created.id);
      expect(results[4]!.job).toEqual(older.job);
      expect((await store.listJobs()).map((j) => j.request.composeId).sort()).toEqual(['c-new', 'c-old']);
      expect((await store.events(created.id)).map((e) => e.message)).toEqual(['job 1']);
      const log = await store.listIntake();
      expect(log.map((r) => [r.messageId, r.outcome, r.jobId ?? null])).toEqual([
        ['m1', 'accepted', created.id],
        ['m2', 'skipped', null],
        ['m3', 'duplicate', created.id],
        ['m4', 'rejected', null],
        ['m5', 'duplicate', older.job.id],
      ]);
    });

    it('writes nothing of a window when one of its entries cannot be written', async () => {
      const store = await open();
      const broken = { ...record(3, 'skipped', 'm3'), source: null as unknown as string };
      await expect(
        store.commitIntake([
          entry(1, 'm1', 'c-1'),
          { record: record(2, 'skipped', 'm2') },
          { record: broken },
        ]),
      ).rejects.toThrow();
      expect(await store.listJobs()).toEqual([]);
      expect(await store.listIntake()).toEqual([]);
    });
  });

  it('round-trips request and data JSON and dates to the millisecond', async () => {
    const store = await open();
    const original = job({
      request: request({
        composeId: 'Fedora-41-roundtrip',
        prerelease: true,
        derived: [{ field: 'sourceRegion', value: 'us-east-1', from: 'default "sönder" \u2603' }],
        origin: { kind: 'replay', file: '/tmp/dump.jsonl' },
      }),
      data: {
        source: {
          imageId: 'ami-0123',
          region: 'us-east-1',
          name: 'Fedora',
          snapshotIds: ['snap-1', 'snap-2'],
          creationDate: '2024-10-27T08:09:10.000Z',
        },
        mirroredAmis: { 'aws:us-east-1': 'ami-1', 'aws:eu-west-1': 'ami-2' },
        mirroredSnapshots: { 'ami-1': ['snap-a'] },
        changeSetErrors: [{ code: 'INVALID', message: 'line\nbreak "quoted"' }],
        createsProduct: false,
      },
      nextRunAt: new Date(Date.UTC(2030, 5, 30, 23, 59, 59, 999)),
      createdAt: new Date(1),
      updatedAt: new Date(t0),
      reason: 'waiting',
      attempts: 7,
    });
    await store.createJob(original, event('created', 'c'));
    const reread = await store.getJob(original.id);
    expect(reread).toEqual(original);
    // ISO strings inside data stay strings; only the job's own timestamps are Dates.
    expect(typeof reread!.data.source!.creationDate).toBe('string');
    expect(reread!.nextRunAt).toBeInstanceOf(Date);
  });

  describe('products', () => {
    const key = 'Cloud_Base/41/x86_64';
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);

    it('records a product, keeps what a later record leaves out, and lists products by key', async () => {
      const store = await open();
      expect(await store.getProduct(key)).toBeUndefined();
      await store.saveProduct({ key, productId: 'prod-a', visibility: 'Draft', updatedAt: at(1) });
      await store.saveProduct({
        key,
        productId: 'prod-a',
        offerId: 'offer-a',
        visibility: 'Limited',
        updatedAt: at(2),
      });
      await store.saveProduct({ key, productId: 'prod-a', updatedAt: at(3) });
      await store.saveProduct({ key: 'Cloud_Base/41/arm64', productId: 'prod-b', updatedAt: at(1) });
      expect(await store.getProduct(key)).toEqual({
        key,
        productId: 'prod-a',
        offerId: 'offer-a',
        visibility: 'Limited',
        updatedAt: at(3),
      });
      expect((await store.listProducts()).map((p) => [p.key, p.productId, p.visibility])).toEqual([
        ['Cloud_Base/41/arm64', 'prod-b', undefined],
        [key, 'prod-a', 'Limited'],
      ]);
    });

    it('wakes the jobs parked until the product is Public, in the statement that records it Public', async () => {
      const store = await open();
      await store.saveProduct({ key, productId: 'prod-a', visibility: 'Limited', updatedAt: at(1) });
      const { job: created } = await store.createJob(job({ state: 'ssm' }), event('created', 'c'));
      const other = (
        await store.createJob(
          job({ state: 'ssm', request: request({ arch: 'arm64' }) }),
          event('created', 'c'),
        )
      ).job;
      const parked = await store.saveJob({ ...created, nextRunAt: parkedUntil, updatedAt: at(2) });
      await store.saveJob({ ...other, nextRunAt: parkedUntil, updatedAt: at(2) });
      expect(await store.claimDue('w', at(60 * 24 * 365), 30_000, 10)).toEqual([]);
      expect((await store.outlook()).dueAt).toBeUndefined();

      await store.saveProduct({ key, productId: 'prod-a', visibility: 'Limited', updatedAt: at(3) });
      expect((await store.getJob(created.id))?.nextRunAt).toEqual(parkedUntil);
      await store.saveProduct({ key, productId: 'prod-a', visibility: 'Public', updatedAt: at(4) });
      const woken = await store.getJob(created.id);
      expect(woken?.nextRunAt).toEqual(at(4));
      expect(woken?.version).toBe(parked.version + 1);
      // Another product's parked job stays parked.
      expect((await store.getJob(other.id))?.nextRunAt).toEqual(parkedUntil);
      expect((await store.claimDue('w', at(5), 30_000, 10)).map((j) => j.id)).toEqual([created.id]);
    });

    it('leaves a job due at once when it parks for a product already recorded Public', async () => {
      const store = await open();
      await store.saveProduct({ key, productId: 'prod-a', visibility: 'Public', updatedAt: at(1) });
      const { job: created } = await store.createJob(job({ state: 'ssm' }), event('created', 'c'));
      await store.saveJob({ ...created, nextRunAt: parkedUntil, updatedAt: at(2) });
      expect((await store.getJob(created.id))?.nextRunAt).toEqual(at(2));
    });

    it('never lets an older observation overwrite a newer one', async () => {
      const store = await open();
      await store.saveProduct({ key, productId: 'prod-a', visibility: 'Public', updatedAt: at(10) });
      await store.saveProduct({ key, productId: 'prod-a', visibility: 'Limited', updatedAt: at(5) });
      expect((await store.getProduct(key))?.visibility).toBe('Public');
    });
  });
}
