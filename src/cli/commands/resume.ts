/** `fedora-marketplace resume`: continue every unfinished job, optionally retrying failed ones. */
import type { Job } from '../../core/model/job.js';
import { driveJobs, exitCodeFor, printJobs } from '../jobs-output.js';
import { openRuntime, type CommonOptions, type Runtime } from '../../app/runtime.js';

interface ResumeOptions extends CommonOptions {
  retryFailed?: boolean;
  detach?: boolean;
}

export async function run(options: ResumeOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    if (options.retryFailed) await restartFailed(runtime);
    const open = await runtime.store.listJobs({
      states: ['verify', 'mirror', 'share', 'describe', 'submit', 'await', 'ssm'],
    });
    if (!options.json) process.stdout.write(`resuming ${open.length} unfinished job(s)\n`);
    const done = await driveJobs(runtime, open, {
      detach: options.detach === true,
      json: options.json === true,
    });
    printJobs(done, [], options.json === true, runtime);
    return exitCodeFor(done);
  } finally {
    await runtime.close();
  }
}

/**
 * A failed job starts again at the stage it failed in. A failed change set is never resubmitted under
 * its old name and token: the next attempt gets new ones.
 */
async function restartFailed(runtime: Runtime): Promise<void> {
  const now = runtime.clock.now();
  for (const job of await runtime.store.listJobs({ states: ['failed'] })) {
    const stage = job.data.failedStage ?? 'verify';
    const resubmit = stage === 'submit' || stage === 'await';
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
