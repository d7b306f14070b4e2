/**
 * `fedora-marketplace replay FILE`: a fedora-messaging dump through the same intake as `listen` (an
 * invalid line is quarantined and the replay goes on), then the accepted jobs run as with `publish`.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { jobView, productOf, productsByKey } from '../../app/job-view.js';
import { driveJobs } from '../../app/jobs.js';
import { replayDump } from '../../app/replay.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';
import { exitCodeFor, printJobs, progressFor } from '../jobs-output.js';

interface ReplayOptions extends CommonOptions {
  file: string;
  includePrerelease?: boolean;
  detach?: boolean;
}

export async function run(options: ReplayOptions): Promise<number> {
  let dump: Buffer;
  try {
    dump = readFileSync(options.file);
  } catch (cause) {
    throw new InputError(`cannot read dump file ${options.file}`, {
      field: 'FILE',
      value: options.file,
      rule: (cause as Error).message,
      hint: 'pass a file written by `fedora-messaging` (one JSON message per line)',
    });
  }
  const runtime = await openRuntime(options);
  try {
    const say = (line: string) => {
      if (!options.json) process.stdout.write(`${line}\n`);
    };
    const { counts, jobs, skipped } = await replayDump(runtime, dump, {
      file: options.file,
      ...(options.includePrerelease ? { includePrerelease: true } : {}),
      say,
    });
    const done = await driveJobs(runtime, jobs, {
      detach: options.detach === true,
      onStep: progressFor(runtime, options.json === true),
    });
    if (options.json) {
      const products = await productsByKey(runtime.store);
      const views = done.map((j) => jobView(j, productOf(products, j)));
      process.stdout.write(`${JSON.stringify({ replay: counts, jobs: [...views, ...skipped] }, null, 2)}\n`);
    } else {
      say(
        `\nreplayed ${counts.lines} line(s): ${counts.accepted} accepted, ${counts.duplicate} duplicate, ${counts.seen} seen before, ${counts.skipped} skipped, ${counts.rejected} quarantined`,
      );
      await printJobs(done, skipped, false, runtime);
    }
    return exitCodeFor(done);
  } finally {
    await runtime.close();
  }
}
