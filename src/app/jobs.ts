/** Jobs as the commands and the service see them: accepted from requests, then driven to their end. */
import type { ImageRequest } from '../core/model/image-request.js';
import { newJob, type Job } from '../core/model/job.js';
import type { SchedulerOptions } from '../pipeline/scheduler.js';
import { openScheduler } from './event-waits.js';
import type { Runtime } from './runtime.js';
import type { JobIntake, JobIntakeResult } from '../store/store.js';

/**
 * Stores one job per image, all in one durable transaction (one fsync, however many images); a second
 * announcement of the same image returns the existing job.
 */
export async function acceptRequests(
  runtime: Pick<Runtime, 'store' | 'clock'>,
  requests: ImageRequest[],
  source: string,
  say: (line: string) => void,
): Promise<Job[]> {
  const jobs = new Map<string, Job>();
  for (const { job } of await accept(runtime, requests, source, say))
    if (!jobs.has(job.id)) jobs.set(job.id, job);
  return [...jobs.values()];
}

/**
 * One request: its job (created now, or the existing one for the same image) and the intake record,
 * written together.
 */
export async function acceptRequest(
  runtime: Pick<Runtime, 'store' | 'clock'>,
  request: ImageRequest,
  source: string,
  say: (line: string) => void,
): Promise<{ job: Job; created: boolean }> {
  const [result] = await accept(runtime, [request], source, say);
  return result as JobIntakeResult;
}

async function accept(
  runtime: Pick<Runtime, 'store' | 'clock'>,
  requests: ImageRequest[],
  source: string,
  say: (line: string) => void,
): Promise<JobIntakeResult[]> {
  const now = runtime.clock.now();
  const results = await runtime.store.commitIntake(requests.map((r) => intakeEntry(r, source, now)));
  // Every entry carries a job, so every result is there.
  const accepted = results as JobIntakeResult[];
  requests.forEach((request, i) => sayAccepted(request, accepted[i] as JobIntakeResult, say));
  return accepted;
}

function intakeEntry(request: ImageRequest, source: string, now: Date): JobIntake {
  return {
    job: newJob(request, now),
    event: {
      at: now,
      stage: 'verify',
      kind: 'created',
      message: `accepted ${request.imageName} (${request.composeId}) from ${request.origin.kind}`,
    },
    record: {
      at: now,
      source,
      ...(request.origin.messageId ? { messageId: request.origin.messageId } : {}),
      ...(request.origin.topic ? { topic: request.origin.topic } : {}),
    },
  };
}

function sayAccepted(request: ImageRequest, { job, created }: JobIntakeResult, say: (line: string) => void) {
  say(
    created
      ? `job ${job.id}: Fedora ${request.release} ${request.subvariant} ${request.arch} (${request.composeId})`
      : `job ${job.id}: already known (${job.state}); not created again`,
  );
}

/** Runs the jobs (and any other due job) until they end, or until nothing is due with `detach`. */
export async function driveJobs(
  runtime: Runtime,
  jobs: Job[],
  options: { detach: boolean; onStep?: SchedulerOptions['onStep'] },
): Promise<Job[]> {
  const ids = jobs.map((j) => j.id);
  const { scheduler, stop } = await openScheduler(runtime, options.onStep ? { onStep: options.onStep } : {});
  try {
    await scheduler.settle({ ids, detach: options.detach });
  } finally {
    await stop();
  }
  const final: Job[] = [];
  for (const id of ids) {
    const job = await runtime.store.getJob(id);
    if (job) final.push(job);
  }
  return final;
}

/**
 * A failed job starts again at the stage it failed in. A failed change set is never resubmitted under
 * its old name and token: the next attempt gets new ones (a refused release or visibility request too).
 */
export async function restartFailed(runtime: Pick<Runtime, 'store' | 'clock'>): Promise<void> {
  const now = runtime.clock.now();
  for (const job of await runtime.store.listJobs({ states: ['failed'] })) {
    const stage = job.data.failedStage ?? 'verify';
    const resubmit = stage === 'submit' || stage === 'await';
    const askAgain = stage === 'release' || stage === 'visibility';
    const next: Job = {
      ...job,
      state: resubmit ? 'submit' : stage,
      reason: undefined,
      attempts: 0,
      nextRunAt: now,
      updatedAt: now,
      data: {
        ...job.data,
        ...(resubmit
          ? {
              submitAttempt: (job.data.submitAttempt ?? 1) + 1,
              changeSetId: undefined,
              changeSetStatus: undefined,
            }
          : {}),
        ...(askAgain
          ? {
              lifecycleAttempt: (job.data.lifecycleAttempt ?? 1) + 1,
              releaseChangeSetId: undefined,
              visibilityChangeSetId: undefined,
            }
          : {}),
      },
    };
    await runtime.store.saveJob(next, [
      {
        at: now,
        stage: next.state,
        kind: 'note',
        message: `restarted by resume --retry-failed (was: ${job.reason ?? 'failed'})`,
      },
    ]);
  }
}
