/** `fedora-marketplace resume`: continue every unfinished job, optionally retrying failed ones. */
import { exitCodeFor, printJobs, progressFor } from '../jobs-output.js';
import { driveJobs, restartFailed } from '../../app/jobs.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';
import { stages } from '../../core/model/job.js';

interface ResumeOptions extends CommonOptions {
  retryFailed?: boolean;
  detach?: boolean;
}

export async function run(options: ResumeOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    if (options.retryFailed) await restartFailed(runtime);
    const open = await runtime.store.listJobs({ states: [...stages] });
    if (!options.json) process.stdout.write(`resuming ${open.length} unfinished job(s)\n`);
    const done = await driveJobs(runtime, open, {
      detach: options.detach === true,
      onStep: progressFor(runtime, options.json === true),
    });
    await printJobs(done, [], options.json === true, runtime);
    return exitCodeFor(done);
  } finally {
    await runtime.close();
  }
}
