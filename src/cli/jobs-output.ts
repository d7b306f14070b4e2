/** How commands print jobs: a summary table and a line per job, or `{"jobs": [...]}` with --json. */
import { ExitCode } from '../core/errors.js';
import { isTerminal, type Job } from '../core/model/job.js';
import type { Runtime } from '../app/runtime.js';
import {
  jobView,
  productOf,
  productsByKey,
  versionInWords,
  type JobView,
  type SkippedView,
} from '../app/job-view.js';
import { ProgressPrinter } from './progress.js';
import { table } from './table.js';

/** Progress lines on stdout for a human; nothing with --json (stdout carries one JSON document). */
export function progressFor(
  runtime: Pick<Runtime, 'clock'>,
  json: boolean,
): ProgressPrinter['step'] | undefined {
  if (json) return undefined;
  const printer = new ProgressPrinter(
    (line) => process.stdout.write(`${line}\n`),
    () => runtime.clock.now(),
  );
  return (job, previous, note) => printer.step(job, previous, note);
}

export function exitCodeFor(jobs: Job[]): number {
  if (jobs.some((j) => j.state === 'failed')) return ExitCode.jobsFailed;
  if (jobs.some((j) => !isTerminal(j.state))) return ExitCode.pending;
  return ExitCode.ok;
}

export async function printJobs(
  jobs: Job[],
  skipped: SkippedView[],
  json: boolean,
  runtime: Pick<Runtime, 'stateDir' | 'store'>,
): Promise<void> {
  const products = await productsByKey(runtime.store);
  const views: Array<JobView | SkippedView> = [
    ...jobs.map((j) => jobView(j, productOf(products, j))),
    ...skipped,
  ];
  if (json) {
    process.stdout.write(`${JSON.stringify({ jobs: views }, null, 2)}\n`);
    return;
  }
  if (views.length === 0) {
    process.stdout.write('no jobs\n');
    return;
  }
  process.stdout.write(`\n${summaryTable(jobs, skipped)}\n`);
  for (const job of jobs) {
    if (job.state === 'published') {
      process.stdout.write(
        `\n${job.id}: ${job.data.productTitle}: ${versionInWords(job, productOf(products, job)) ?? ''}` +
          `${job.data.versionExisted ? ' (already listed)' : ''}\n  offer: ${job.data.offerId ?? '-'}\n  load form: ${job.data.loadFormPath ?? '-'}\n  change set: ${job.data.changeSetPath ?? '-'}\n`,
      );
    } else if (job.state === 'failed') {
      process.stdout.write(`\n${job.id} FAILED: ${job.reason}\n`);
    } else {
      const live = versionInWords(job, productOf(products, job));
      process.stdout.write(
        `\n${job.id} is waiting (${job.state}: ${job.reason ?? ''}); run \`fedora-marketplace resume\` to continue\n${live ? `  ${live}\n` : ''}`,
      );
    }
  }
  process.stdout.write(`\nstate: ${runtime.stateDir}\n`);
}

function summaryTable(jobs: Job[], skipped: SkippedView[]): string {
  const rows = jobs.map((j) => [
    j.id,
    j.state,
    String(j.request.release),
    j.request.arch,
    j.data.versionTitle ?? '-',
    j.data.productId ?? '-',
    j.data.changeSetId ? `${j.data.changeSetId} ${j.data.changeSetStatus ?? ''}`.trim() : '-',
  ]);
  for (const s of skipped) {
    rows.push([
      s.id.slice(0, 40),
      'skipped',
      s.release !== undefined ? String(s.release) : '-',
      s.arch ?? '-',
      '-',
      '-',
      s.reason,
    ]);
  }
  return table(['job', 'state', 'release', 'arch', 'version', 'product', 'change set / reason'], rows);
}
