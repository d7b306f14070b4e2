/** `fedora-marketplace publish`: messages (or one AMI) in, Marketplace versions out. */
import { UsageError } from '../../core/errors.js';
import { acceptRequests, driveJobs } from '../../app/jobs.js';
import { requestFromFlags, takeInMessageFiles, type PublishRequestOptions } from '../../app/publish.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';
import { exitCodeFor, printJobs, progressFor } from '../jobs-output.js';

interface PublishOptions extends CommonOptions, PublishRequestOptions {
  detach?: boolean;
}

export async function run(options: PublishOptions): Promise<number> {
  const byAmi =
    options.sourceAmi !== undefined || options.release !== undefined || options.arch !== undefined;
  if (!options.message?.length && !byAmi) {
    throw new UsageError('nothing to publish', {
      rule: 'publish needs --message FILE, or --release N --arch A --source-ami ID',
      hint: 'try: fedora-marketplace publish --message examples/messages/fedora-41-cloud-base.jsonl',
    });
  }
  if (options.message?.length && byAmi) {
    throw new UsageError('--message cannot be combined with --release/--arch/--source-ami', {
      hint: 'run publish twice',
    });
  }
  const runtime = await openRuntime(options);
  try {
    const say = (line: string) => {
      if (!options.json) process.stdout.write(`${line}\n`);
    };
    const { jobs, skipped } = options.message?.length
      ? await takeInMessageFiles(runtime, options, say)
      : {
          jobs: await acceptRequests(runtime, [await requestFromFlags(runtime, options, say)], 'file', say),
          skipped: [],
        };
    const done = await driveJobs(runtime, jobs, {
      detach: options.detach === true,
      onStep: progressFor(runtime, options.json === true),
    });
    await printJobs(done, skipped, options.json === true, runtime);
    return exitCodeFor(done);
  } finally {
    await runtime.close();
  }
}
