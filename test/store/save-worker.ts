/**
 * A second process for the cross-process concurrency test. Reads commands on stdin:
 * `load <jobId>` reads the job and answers `loaded`; `save` saves what it loaded and answers `won` or
 * `stale`. Run with `node --import tsx save-worker.ts <stateDir>`.
 */
import { createInterface } from 'node:readline';
import { openStore } from '../../src/store/open-store.js';
import { StaleJobError } from '../../src/store/store.js';
import type { Job } from '../../src/core/model/job.js';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: save-worker.ts <stateDir>');
const store = await openStore({ driver: 'sqlite', stateDir });
let loaded: Job | undefined;

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.split(' ');
  if (command === 'load') {
    loaded = await store.getJob(arg ?? '');
    process.stdout.write('loaded\n');
  } else if (command === 'save' && loaded) {
    try {
      await store.saveJob({ ...loaded, reason: `pid ${process.pid}` }, [
        { at: new Date(), stage: loaded.state, kind: 'note', message: `pid ${process.pid}` },
      ]);
      process.stdout.write('won\n');
    } catch (error) {
      process.stdout.write(error instanceof StaleJobError ? 'stale\n' : `error ${String(error)}\n`);
    }
  }
}
await store.close();
