import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { JobStore } from '../../src/store/store.js';
import { event, job, t0 } from './fixtures.js';

/** Two stores (two connections, as two workers have) on one fresh database, leasing by `wallClock`. */
export type OpenPair = (wallClock: ManualClock) => Promise<[JobStore, JobStore]>;

const at = (ms: number) => new Date(t0 + ms);
const ids = (jobs: Array<{ id: string }>) => jobs.map((j) => j.id);

/**
 * Leases and locks as every JobStore backend must show them: a due job goes to one worker only, a lease
 * ends when its worker stops renewing it, and a lock has one holder at a time.
 */
export function leaseSuite(openPair: OpenPair, options: { localHolders: boolean }): void {
  async function setUp() {
    const wall = new ManualClock(t0);
    const [a, b] = await openPair(wall);
    return { wall, a, b };
  }

  describe('claimDue', () => {
    it('hands due jobs, earliest first, to one worker; the next worker gets the rest', async () => {
      const { a, b } = await setUp();
      const late = job({ nextRunAt: at(3_000) });
      const early = job({ nextRunAt: at(1_000) });
      const middle = job({ nextRunAt: at(2_000), state: 'await' });
      const future = job({ nextRunAt: at(100_000) });
      const done = job({ nextRunAt: at(0), state: 'published' });
      for (const j of [late, early, middle, future, done]) await a.createJob(j, event('created', j.id));

      expect(await a.claimDue('w1', at(999), 60_000, 10)).toEqual([]);
      expect(ids(await a.claimDue('w1', at(10_000), 60_000, 2))).toEqual([early.id, middle.id]);
      expect(ids(await b.claimDue('w2', at(10_000), 60_000, 10))).toEqual([late.id]);
      expect(await a.claimDue('w1', at(10_000), 60_000, 10)).toEqual([]);
      expect(await b.claimDue('w2', at(10_000), 60_000, 0)).toEqual([]);
      // The claimed rows are the stored jobs, ready to run.
      const [claimed] = await b.claimDue('w2', at(200_000), 60_000);
      expect(claimed).toEqual(await a.getJob(future.id));
    });

    it('never gives one job to two workers claiming at the same time', async () => {
      const { a, b } = await setUp();
      const all = Array.from({ length: 24 }, (_, n) => job({ nextRunAt: at(n) }));
      for (const j of all) await a.createJob(j, event('created', j.id));
      const drain = async (store: JobStore, worker: string) => {
        const mine: string[] = [];
        for (;;) {
          const claimed = await store.claimDue(worker, at(60_000), 60_000, 1 + (mine.length % 3));
          if (claimed.length === 0) return mine;
          mine.push(...ids(claimed));
        }
      };
      const [first, second] = await Promise.all([drain(a, 'w1'), drain(b, 'w2')]);
      expect([...first, ...second].sort()).toEqual(ids(all).sort());
      expect(new Set([...first, ...second]).size).toBe(all.length);
    });

    it('lets another worker take a job whose lease ran out, and a release hands it over at once', async () => {
      const { wall, a, b } = await setUp();
      const one = job({ nextRunAt: at(0) });
      const two = job({ nextRunAt: at(0) });
      for (const j of [one, two]) await a.createJob(j, event('created', j.id));
      expect(ids(await a.claimDue('w1', at(0), 30_000, 2))).toEqual([one.id, two.id]);

      // Renewed in time: still w1's. Not renewed: w2 takes it when the lease ends.
      wall.advance(20_000);
      expect(await a.renewLeases('w1', [one.id], 30_000)).toEqual([one.id]);
      wall.advance(15_000);
      expect(ids(await b.claimDue('w2', at(0), 30_000, 10))).toEqual([two.id]);
      // w1 learns that it lost the job, and its late release does not free w2's lease.
      expect(await a.renewLeases('w1', [one.id, two.id], 30_000)).toEqual([one.id]);
      await a.releaseJob('w1', two.id);
      expect(await a.claimDue('w3', at(0), 30_000, 10)).toEqual([]);

      await a.releaseJob('w1', one.id);
      expect(ids(await a.claimDue('w3', at(0), 30_000, 10))).toEqual([one.id]);
    });

    it('gives the lease back in the save that stores a wait, only if that worker still holds it', async () => {
      const { wall, a, b } = await setUp();
      const one = job({ nextRunAt: at(0) });
      const two = job({ nextRunAt: at(0) });
      for (const j of [one, two]) await a.createJob(j, event('created', j.id));
      const [first, second] = await a.claimDue('w1', at(0), 30_000, 2);
      await a.saveJob({ ...first! }, [], { releaseFrom: 'w1' });
      expect(ids(await b.claimDue('w2', at(0), 120_000, 10))).toEqual([one.id]);
      // w3 took the second job once w1's lease ran out: w1's late save does not free w3's lease.
      wall.advance(31_000);
      expect(ids(await b.claimDue('w3', at(0), 30_000, 10))).toEqual([two.id]);
      await a.saveJob({ ...second! }, [], { releaseFrom: 'w1' });
      expect(await b.claimDue('w4', at(0), 30_000, 10)).toEqual([]);
    });
  });

  describe('outlook', () => {
    it('says when a free job is next due, and until when other workers hold jobs', async () => {
      const { wall, a, b } = await setUp();
      expect(await a.outlook()).toEqual({});
      const failed = job({ nextRunAt: at(0), state: 'failed' });
      const soon = job({ nextRunAt: at(5_000) });
      const later = job({ nextRunAt: at(9_000), state: 'submit' });
      const held = job({ nextRunAt: at(1_000) });
      for (const j of [failed, soon, later, held]) await a.createJob(j, event('created', j.id));
      await b.claimDue('w2', at(1_000), 60_000);
      const leaseEnd = new Date(t0 + 60_000);

      expect(await a.outlook()).toEqual({ dueAt: at(5_000), heldUntil: leaseEnd, busyUntil: leaseEnd });
      expect(await a.outlook([later.id, failed.id])).toEqual({ dueAt: at(9_000), busyUntil: leaseEnd });
      expect(await a.outlook([failed.id])).toEqual({ busyUntil: leaseEnd });
      expect(await a.outlook([])).toEqual({ busyUntil: leaseEnd });
      // The caller's own running jobs are left out.
      expect(await b.outlook(undefined, [held.id, soon.id])).toEqual({ dueAt: at(9_000) });
      // A live lock means some worker is busy too, and an expired one does not.
      await a.tryLock('product X', 'w3 job', 10_000);
      await a.tryLock('product Y', 'w3 job', 1);
      wall.advance(1);
      expect(await b.outlook(undefined, [held.id, soon.id])).toEqual({
        dueAt: at(9_000),
        busyUntil: new Date(t0 + 10_000),
      });
    });
  });

  describe('locks', () => {
    it('has one holder at a time, until it unlocks or its lock expires', async () => {
      const { wall, a, b } = await setUp();
      expect(await a.tryLock('product X', 'w1 job-1', 30_000)).toBe(true);
      expect(await b.tryLock('product X', 'w2 job-2', 30_000)).toBe(false);
      // Another name is another lock; the holder may take its own lock again (renewal).
      expect(await b.tryLock('product Y', 'w2 job-2', 30_000)).toBe(true);
      wall.advance(20_000);
      expect(await a.tryLock('product X', 'w1 job-1', 30_000)).toBe(true);
      wall.advance(20_000);
      expect(await b.tryLock('product X', 'w2 job-2', 30_000)).toBe(false);
      // Only the holder can unlock.
      await b.unlock('product X', 'w2 job-2');
      expect(await b.tryLock('product X', 'w2 job-2', 30_000)).toBe(false);
      await a.unlock('product X', 'w1 job-1');
      expect(await b.tryLock('product X', 'w2 job-2', 30_000)).toBe(true);
      // Not renewed: it expires and the next worker takes it over.
      wall.advance(30_000);
      expect(await a.tryLock('product X', 'w1 job-3', 30_000)).toBe(true);
    });

    it('is taken by exactly one of many concurrent attempts', async () => {
      const { a, b } = await setUp();
      const attempts = Array.from({ length: 10 }, (_, n) =>
        (n % 2 ? a : b).tryLock('product Z', `w${n} job`, 30_000),
      );
      expect((await Promise.all(attempts)).filter(Boolean)).toHaveLength(1);
    });
  });

  describe('releaseGoneHolders', () => {
    it(
      options.localHolders
        ? 'ends the leases and locks of holders that are gone, and only theirs'
        : 'leaves leases to expire: holders on other machines cannot be checked',
      async () => {
        const { a, b } = await setUp();
        const dead = job({ nextRunAt: at(0) });
        const alive = job({ nextRunAt: at(0) });
        for (const j of [dead, alive]) await a.createJob(j, event('created', j.id));
        await a.claimDue('gone', at(0), 60_000);
        await b.claimDue('alive', at(0), 60_000);
        await a.tryLock('product X', 'gone job', 60_000);
        await a.tryLock('product Y', 'alive job', 60_000);

        const released = await b.releaseGoneHolders((holder) => holder.startsWith('gone'));
        if (!options.localHolders) {
          expect(released).toBe(0);
          expect(await b.claimDue('w3', at(0), 60_000)).toEqual([]);
          return;
        }
        expect(released).toBe(2);
        expect(ids(await b.claimDue('w3', at(0), 60_000, 10))).toEqual([dead.id]);
        expect(await b.tryLock('product X', 'w3 job', 60_000)).toBe(true);
        expect(await b.tryLock('product Y', 'w3 job', 60_000)).toBe(false);
      },
    );
  });

  describe('wakeAwaiting', () => {
    /** A stored job waiting until 10 minutes from t0 for change set `id`. */
    async function waitingJob(store: JobStore, id: string) {
      const created = job({ nextRunAt: at(0), state: 'await' });
      await store.createJob(created, event('created', created.id));
      const stored = (await store.getJob(created.id))!;
      return store.saveJob({
        ...stored,
        nextRunAt: at(600_000),
        data: { ...stored.data, awaiting: { changeSets: [id] } },
      });
    }

    it('makes the job waiting for it due at once; an unknown or duplicate event changes nothing', async () => {
      const { a, b } = await setUp();
      const waiting = await waitingJob(a, 'cs-1');

      expect(await b.wakeAwaiting('change-set/cs-other', at(1_000))).toBe(0);
      expect(await b.wakeAwaiting('image/cs-1', at(1_000))).toBe(0);
      expect(await a.getJob(waiting.id)).toEqual(waiting);

      expect(await b.wakeAwaiting('change-set/cs-1', at(1_000))).toBe(1);
      const woken = await a.getJob(waiting.id);
      expect(woken).toEqual({ ...waiting, nextRunAt: at(1_000) });
      expect(await b.wakeAwaiting('change-set/cs-1', at(2_000))).toBe(0);
      expect(await a.getJob(waiting.id)).toEqual(woken);

      const [first, second] = await Promise.all([
        a.claimDue('w1', at(2_000), 60_000, 5),
        b.claimDue('w2', at(2_000), 60_000, 5),
      ]);
      expect([...ids(first), ...ids(second)]).toEqual([waiting.id]);
    });

    it('keeps a job that another worker holds due: its holder saves the wait, and one worker runs it next', async () => {
      const { a, b } = await setUp();
      const waiting = await waitingJob(a, 'cs-2');
      const [held] = await a.claimDue('w1', at(600_000), 60_000);
      expect(held?.id).toBe(waiting.id);

      // The event arrives while w1 runs the stage (it saw the set still APPLYING).
      expect(await b.wakeAwaiting('change-set/cs-2', at(600_500))).toBe(1);
      const saved = await a.saveJob({ ...held!, nextRunAt: at(1_200_000) });
      expect(saved.nextRunAt).toEqual(at(600_500));
      expect(await b.getJob(waiting.id)).toEqual(saved);
      await a.releaseJob('w1', waiting.id);

      const [first, second] = await Promise.all([
        a.claimDue('w1', at(600_500), 60_000, 5),
        b.claimDue('w2', at(600_500), 60_000, 5),
      ]);
      expect([...ids(first), ...ids(second)]).toEqual([waiting.id]);
      // That claim is the run the event asked for: the next save stores its own wait again.
      const next = [...first, ...second][0]!;
      expect((await a.saveJob({ ...next, nextRunAt: at(1_800_000) })).nextRunAt).toEqual(at(1_800_000));
    });

    it('forgets what a job waited for once it waits for something else or ends', async () => {
      const { a, b } = await setUp();
      const waiting = await waitingJob(a, 'cs-3');
      const moved = await a.saveJob({
        ...waiting,
        data: { ...waiting.data, awaiting: { images: ['ami-0123456789abcdef0'] } },
      });
      expect(await b.wakeAwaiting('change-set/cs-3', at(1_000))).toBe(0);
      const ended = await a.saveJob({ ...moved, state: 'published' });
      expect(await b.wakeAwaiting('image/ami-0123456789abcdef0', at(1_000))).toBe(0);
      expect(await a.getJob(waiting.id)).toEqual(ended);
    });
  });
}
