import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { event, job } from './fixtures.js';

const worker = fileURLToPath(new URL('./save-worker.ts', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'fm-store-procs-'));

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** A worker process and a way to send it a command and read its one-line answer. */
function startWorker(dir = stateDir): { ask: (command: string) => Promise<string>; stop: () => void } {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', worker, dir]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async ask(command) {
      child.stdin.write(`${command}\n`);
      const next = await lines.next();
      if (next.done) throw new Error(`worker exited before answering ${command}`);
      return next.value;
    },
    stop: () => child.stdin.end(),
  };
}

it('lets exactly one of two processes save each job version', async () => {
  const store = await openStore({ driver: 'sqlite', stateDir });
  const { job: stored } = await store.createJob(job(), event('created', 'c'));
  const workers = [startWorker(), startWorker()];
  try {
    const rounds = 10;
    for (let round = 0; round < rounds; round += 1) {
      expect(await Promise.all(workers.map((w) => w.ask(`load ${stored.id}`)))).toEqual(['loaded', 'loaded']);
      const answers = await Promise.all(workers.map((w) => w.ask('save')));
      expect(answers.sort()).toEqual(['stale', 'won']);
    }
    const final = await store.getJob(stored.id);
    expect(final?.version).toBe(stored.version + rounds);
    expect(await store.events(stored.id)).toHaveLength(1 + rounds);
  } finally {
    workers.forEach((w) => w.stop());
    await store.close();
  }
});

it('lets several processes open a new state directory at once: each migrates it or finds it migrated', async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'fm-store-fresh-'));
  const workers = [startWorker(fresh), startWorker(fresh), startWorker(fresh)];
  try {
    // A worker answers only once its store is open; one whose migration failed exits instead.
    expect(await Promise.all(workers.map((w) => w.ask('load none')))).toEqual(['loaded', 'loaded', 'loaded']);
  } finally {
    workers.forEach((w) => w.stop());
    rmSync(fresh, { recursive: true, force: true });
  }
});
