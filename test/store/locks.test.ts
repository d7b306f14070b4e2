import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { withLock } from '../../src/store/locks.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function store(wallClock?: ManualClock): Promise<JobStore> {
  const dir = mkdtempSync(join(tmpdir(), 'fm-locks-'));
  const opened = await openStore({ driver: 'sqlite', stateDir: dir, ...(wallClock ? { wallClock } : {}) });
  cleanups.push(async () => {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return opened;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withLock', () => {
  it('keeps the lock while the work runs longer than its lifetime, and releases it after', async () => {
    const s = await store();
    const lock = { name: 'product X', holder: 'w1 job-1', ttlMs: 150 };
    let othersGotIt = false;
    const result = await withLock(s, lock, async () => {
      for (let i = 0; i < 6; i++) {
        await sleep(100);
        othersGotIt ||= await s.tryLock('product X', 'w2 job-2', 150);
      }
      return 'done';
    });
    expect(result).toEqual({ held: true, value: 'done' });
    expect(othersGotIt).toBe(false);
    expect(await s.tryLock('product X', 'w2 job-2', 150)).toBe(true);
    // Held by another: the work does not run at all.
    expect(await withLock(s, lock, async () => 'ran')).toEqual({ held: false });
  });

  it('tells a holder that stalled past the lifetime that it lost the lock', async () => {
    const wall = new ManualClock(Date.UTC(2026, 0, 1));
    const s = await store(wall);
    const result = await withLock(
      s,
      { name: 'product Y', holder: 'w1 job-1', ttlMs: 60_000 },
      async (stillHeld) => {
        const before = await stillHeld();
        wall.advance(61_000);
        const takenOver = await s.tryLock('product Y', 'w2 job-2', 60_000);
        return { before, takenOver, after: await stillHeld() };
      },
    );
    expect(result).toEqual({ held: true, value: { before: true, takenOver: true, after: false } });
    // The late holder's release leaves the new holder's lock alone.
    expect(await s.tryLock('product Y', 'w3 job-3', 60_000)).toBe(false);
  });
});
