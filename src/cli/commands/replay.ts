/**
 * `fedora-marketplace replay FILE`: a fedora-messaging dump (one serialized message per line) through
 * the same intake as `listen`, one message at a time: an invalid line is quarantined and the replay
 * goes on. Then the accepted jobs run as with `publish`.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { parseMessageFile } from '../../intake/envelope.js';
import type { Job } from '../../core/model/job.js';
import { jobView } from '../../app/job-view.js';
import { driveJobs, exitCodeFor, printJobs, type SkippedView } from '../jobs-output.js';
import { intakeMessage, quarantine } from '../../app/message-intake.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

interface ReplayOptions extends CommonOptions {
  file: string;
  includePrerelease?: boolean;
  detach?: boolean;
}

export async function run(options: ReplayOptions): Promise<number> {
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
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
    const counts = { lines: 0, accepted: 0, duplicate: 0, skipped: 0, rejected: 0, seen: 0 };
    const jobs: Job[] = [];
    const skipped: SkippedView[] = [];
    const lines = text.split(/\r?\n/);
    for (const [index, raw] of lines.entries()) {
      if (raw.trim() === '') continue;
      counts.lines += 1;
      const where = `${options.file} line ${index + 1}`;
      let message;
      try {
        [message] = parseMessageFile(raw, { file: where });
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        await quarantine(runtime, 'replay', error, { payload: raw });
        counts.rejected += 1;
        say(`${where}: quarantined: ${error.describe()}`);
        continue;
      }
      if (!message) continue;
      const outcome = await intakeMessage(
        runtime,
        { ...message, line: index + 1 },
        {
          source: 'replay',
          file: options.file,
          ...(options.includePrerelease ? { includePrerelease: true } : {}),
          say,
        },
      );
      counts[outcome.kind] += 1;
      if (outcome.kind === 'rejected') say(`${where}: quarantined: ${outcome.error.describe()}`);
      else if (outcome.kind === 'skipped') skipped.push(outcome.view);
      else if (outcome.kind === 'seen') say(`${where}: message ${message.id} was taken in before; ignored`);
      else if (!jobs.some((j) => j.id === outcome.job.id)) jobs.push(outcome.job);
    }
    const done = await driveJobs(runtime, jobs, {
      detach: options.detach === true,
      json: options.json === true,
    });
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ replay: counts, jobs: [...done.map(jobView), ...skipped] }, null, 2)}\n`,
      );
    } else {
      say(
        `\nreplayed ${counts.lines} line(s): ${counts.accepted} accepted, ${counts.duplicate} duplicate, ${counts.seen} seen before, ${counts.skipped} skipped, ${counts.rejected} quarantined`,
      );
      printJobs(done, skipped, false, runtime);
    }
    return exitCodeFor(done);
  } finally {
    await runtime.close();
  }
}
