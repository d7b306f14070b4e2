import { ExitCode } from '../core/errors.js';
import type { ImageRequest } from '../core/model/image-request.js';
import { isTerminal, newJob, type Job } from '../core/model/job.js';
import { Scheduler } from '../pipeline/scheduler.js';
import { jobView, table, type JobView } from '../app/job-view.js';
import { ProgressPrinter } from './progress.js';
import type { Runtime } from '../app/runtime.js';

/** A message that policy skipped: shown beside jobs, never stored as one. */
export interface SkippedView {
  id: string;
  state: 'skipped';
  reason: string;
  topic: string;
  messageId?: string;
  release?: number;
  arch?: string;
  subvariant?: string;
  composeId?: string;
  imageName?: string;
}

/** Stores one job per image; a second announcement of the same image returns the existing job. */
export async function acceptRequests(
  runtime: Runtime,
  requests: ImageRequest[],
  source: string,
  say: (line: string) => void,
): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const request of requests) {
    const { job } = await acceptRequest(runtime, request, source, say);
    if (!jobs.some((j) => j.id === job.id)) jobs.push(job);
  }
  return jobs;
}

/** One request: its job (created now, or the existing one for the same image) and the intake record. */
export async function acceptRequest(
  runtime: Runtime,
  request: ImageRequest,
  source: string,
  say: (line: string) => void,
): Promise<{ job: Job; created: boolean }> {
  const now = runtime.clock.now();
  const { job, created } = await runtime.store.createJob(newJob(request, now), {
    at: now,
    stage: 'verify',
    kind: 'created',
    message: `accepted ${request.imageName} (${request.composeId}) from ${request.origin.kind}`,
  });
  await runtime.store.recordIntake({
    at: now,
    source,
    outcome: created ? 'accepted' : 'duplicate',
    jobId: job.id,
    ...(request.origin.messageId ? { messageId: request.origin.messageId } : {}),
    ...(request.origin.topic ? { topic: request.origin.topic } : {}),
  });
  say(
    created
      ? `job ${job.id}: Fedora ${request.release} ${request.subvariant} ${request.arch} (${request.composeId})`
      : `job ${job.id}: already known (${job.state}); not created again`,
  );
  return { job, created };
}

/** Runs the jobs (and any other due job) until they end, or until nothing is due with `detach`. */
export async function driveJobs(
  runtime: Runtime,
  jobs: Job[],
  options: { detach: boolean; json: boolean },
): Promise<Job[]> {
  const printer = new ProgressPrinter(
    (line) => process.stdout.write(`${line}\n`),
    () => runtime.clock.now(),
  );
  const scheduler = new Scheduler(runtime.ctx, {
    ...(runtime.virtualClock ? { virtualClock: runtime.virtualClock } : {}),
    ...(options.json
      ? {}
      : { onStep: (job: Job, previous: Job, note: string) => printer.step(job, previous, note) }),
  });
  const ids = jobs.map((j) => j.id);
  await scheduler.settle({ ids, detach: options.detach });
  const final: Job[] = [];
  for (const id of ids) {
    const job = await runtime.store.getJob(id);
    if (job) final.push(job);
  }
  return final;
}

export function exitCodeFor(jobs: Job[]): number {
  if (jobs.some((j) => j.state === 'failed')) return ExitCode.jobsFailed;
  if (jobs.some((j) => !isTerminal(j.state))) return ExitCode.pending;
  return ExitCode.ok;
}

export function printJobs(
  jobs: Job[],
  skipped: SkippedView[],
  json: boolean,
  runtime: Pick<Runtime, 'stateDir'>,
): void {
  const views: Array<JobView | SkippedView> = [...jobs.map(jobView), ...skipped];
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
        `\n${job.id}: ${job.data.productTitle} version "${job.data.versionTitle}" on ${job.data.productId}` +
          `${job.data.versionExisted ? ' (already listed)' : ''}\n  load form: ${job.data.loadFormPath ?? '-'}\n  change set: ${job.data.changeSetPath ?? '-'}\n`,
      );
    } else if (job.state === 'failed') {
      process.stdout.write(`\n${job.id} FAILED: ${job.reason}\n`);
    } else {
      process.stdout.write(
        `\n${job.id} is waiting (${job.state}: ${job.reason ?? ''}); run \`fedora-marketplace resume\` to continue\n`,
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
