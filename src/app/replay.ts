/**
 * A fedora-messaging dump (one serialized message per line) through the same intake as `listen`, one
 * line at a time: a line that cannot be taken in (unreadable, invalid, not Fedora's) is quarantined and
 * the replay goes on, so the jobs of the lines before and after it run as usual.
 */
import type { Job } from '../core/model/job.js';
import { describeWhere } from '../intake/raw-json.js';
import { readMessages } from '../intake/envelope.js';
import type { SkippedView } from './job-view.js';
import { intakeWithRetries, type Say } from './message-intake.js';
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
  dump: Uint8Array,
  options: { file: string; includePrerelease?: boolean; say: Say },
): Promise<ReplayResult> {
  const { file, say } = options;
  const counts: ReplayCounts = { lines: 0, accepted: 0, duplicate: 0, skipped: 0, rejected: 0, seen: 0 };
  const jobs: Job[] = [];
  const skipped: SkippedView[] = [];
  for (const arrival of readMessages(dump, { file, dump: true })) {
    counts.lines += 1;
    const where = describeWhere(arrival.raw.where);
    const outcome = await intakeWithRetries(runtime, arrival, {
      source: 'replay',
      ...(options.includePrerelease ? { includePrerelease: true } : {}),
      say,
    });
    counts[outcome.kind] += 1;
    if (outcome.kind === 'rejected') say(`${where}: quarantined: ${outcome.error.describe()}`);
    else if (outcome.kind === 'skipped') skipped.push(outcome.view);
    else if (outcome.kind === 'seen') say(`${where}: taken in before; ignored`);
    else if (!jobs.some((j) => j.id === outcome.job.id)) jobs.push(outcome.job);
  }
  return { counts, jobs, skipped };
}
