/**
 * A fedora-messaging dump (one serialized message per line) through the same intake as `listen`, one
 * message at a time: an invalid line is quarantined and the replay goes on.
 */
import { InputError } from '../core/errors.js';
import type { Job } from '../core/model/job.js';
import { parseMessageFile } from '../intake/envelope.js';
import type { SkippedView } from './job-view.js';
import { intakeMessage, quarantine, type Say } from './message-intake.js';
import type { Runtime } from './runtime.js';

export interface ReplayCounts {
  lines: number;
  accepted: number;
  duplicate: number;
  skipped: number;
  rejected: number;
  seen: number;
}

export interface ReplayResult {
  counts: ReplayCounts;
  /** The jobs the dump's messages became (new or already known), in the order first met. */
  jobs: Job[];
  skipped: SkippedView[];
}

export async function replayDump(
  runtime: Runtime,
  text: string,
  options: { file: string; includePrerelease?: boolean; say: Say },
): Promise<ReplayResult> {
  const { file, say } = options;
  const counts: ReplayCounts = { lines: 0, accepted: 0, duplicate: 0, skipped: 0, rejected: 0, seen: 0 };
  const jobs: Job[] = [];
  const skipped: SkippedView[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    if (raw.trim() === '') continue;
    counts.lines += 1;
    const where = `${file} line ${index + 1}`;
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
        file,
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
  return { counts, jobs, skipped };
}
