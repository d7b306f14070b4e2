import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesced, walSync } from '../../src/store/wal-sync.js';

/** A run that only ends when the test says so, counting how often it started. */
function gatedRun() {
  const gates: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const run = () =>
    new Promise<void>((resolve, reject) => {
      gates.push({ resolve, reject });
    });
  return { run, gates };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesced', () => {
  it('runs at once when nothing is in flight', async () => {
    const { run, gates } = gatedRun();
    const sync = coalesced(run);
    const first = sync();
    expect(gates).toHaveLength(1);
    gates[0]?.resolve();
    await first;
  });

  it('makes every caller during a run wait for one run that starts after it', async () => {
    const { run, gates } = gatedRun();
    const sync = coalesced(run);
    const order: string[] = [];
    const first = sync().then(() => order.push('first'));
    const later = [sync(), sync(), sync()].map((p, i) => p.then(() => order.push(`later${i}`)));
    expect(gates).toHaveLength(1);
    gates[0]?.resolve();
    await first;
    await tick();
    // The callers that came during the first run are not satisfied by it: their commit may be newer.
    expect(order).toEqual(['first']);
    expect(gates).toHaveLength(2);
    gates[1]?.resolve();
    await Promise.all(later);
    expect(order).toEqual(['first', 'later0', 'later1', 'later2']);
    expect(gates).toHaveLength(2);
    // Idle again: the next caller starts a run of its own.
    const next = sync();
    expect(gates).toHaveLength(3);
    gates[2]?.resolve();
    await next;
  });

  it('rejects the callers of a failed run, and the queued run still happens', async () => {
    const { run, gates } = gatedRun();
    const sync = coalesced(run);
    const first = sync();
    const queued = sync();
    gates[0]?.reject(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    await tick();
    expect(gates).toHaveLength(2);
    gates[1]?.resolve();
    await expect(queued).resolves.toBeUndefined();
  });
});

describe('walSync', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  /** A database file path in a fresh directory; nothing exists there yet. */
  const databaseFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-wal-'));
    dirs.push(dir);
    return join(dir, 'store.db');
  };
  /** Opens `file` in WAL mode with one commit, so its WAL exists. */
  const walDatabase = (file: string) => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('create table t (x)');
    return db;
  };

  it("fsyncs the database's WAL file, and fails when there is none", async () => {
    const file = databaseFile();
    const wal = walSync(file);
    await expect(wal.sync()).rejects.toThrow(/ENOENT/);
    const db = walDatabase(file);
    try {
      // The failed open is not kept: the file is opened again once it exists.
      await expect(wal.sync()).resolves.toBeUndefined();
      await expect(wal.sync()).resolves.toBeUndefined();
    } finally {
      await wal.close();
      db.close();
    }
  });

  it('keeps one descriptor of the WAL open from the first sync until close', async () => {
    const file = databaseFile();
    const db = walDatabase(file);
    const walDescriptors = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === `${file}-wal`;
        } catch {
          return false; // the descriptor readdir itself used, closed meanwhile
        }
      }).length;
    // SQLite holds one of its own.
    const before = walDescriptors();
    const wal = walSync(file);
    try {
      await Promise.all([wal.sync(), wal.sync(), wal.sync()]);
      await wal.sync();
      expect(walDescriptors()).toBe(before + 1);
      await wal.close();
      expect(walDescriptors()).toBe(before);
    } finally {
      db.close();
    }
  });
});
