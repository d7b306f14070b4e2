/** `fedora-marketplace status`: jobs, their stage and what they wait for; or the quarantine. */
import { ExitCode, InputError } from '../../core/errors.js';
import { jobDetail, jobView, productOf, productsByKey, versionInWords } from '../../app/job-view.js';
import { table } from '../table.js';
import { openStoreReader, type CommonOptions } from '../../app/runtime.js';

interface StatusOptions extends CommonOptions {
  jobs: string[];
  events?: boolean;
  quarantine?: boolean;
}

export async function run(options: StatusOptions): Promise<number> {
  const runtime = await openStoreReader(options);
  try {
    if (options.quarantine) {
      const rejected = await runtime.store.listIntake({ outcomes: ['rejected'] });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ quarantine: rejected }, null, 2)}\n`);
      } else if (rejected.length === 0) {
        process.stdout.write('quarantine is empty\n');
      } else {
        for (const r of rejected) {
          process.stdout.write(
            `${r.at.toISOString()} ${r.source} ${r.messageId ?? '-'} ${r.topic ?? ''}\n  ${r.reason ?? ''}\n`,
          );
        }
      }
      return ExitCode.ok;
    }
    const jobs = await runtime.store.listJobs(options.jobs.length > 0 ? { ids: options.jobs } : {});
    const missing = options.jobs.filter((id) => !jobs.some((j) => j.id === id));
    if (missing.length > 0) {
      throw new InputError(`no such job: ${missing.join(', ')}`, {
        field: 'job',
        value: missing[0],
        rule: 'must be a job id shown by `status`',
      });
    }
    const withEvents = options.events || options.jobs.length > 0;
    const products = await productsByKey(runtime.store);
    if (options.json) {
      const views = [];
      for (const job of jobs)
        views.push(withEvents ? await jobDetail(runtime.store, job) : jobView(job, productOf(products, job)));
      process.stdout.write(`${JSON.stringify({ jobs: views }, null, 2)}\n`);
      return ExitCode.ok;
    }
    if (jobs.length === 0) {
      process.stdout.write(`no jobs in ${runtime.stateDir}\n`);
      return ExitCode.ok;
    }
    const rows = jobs.map((j) => [
      j.id,
      j.state,
      `${j.request.release}/${j.request.arch}`,
      j.data.versionTitle ?? '-',
      j.data.productId ?? '-',
      productOf(products, j)?.visibility ?? '-',
      j.data.changeSetId ? `${j.data.changeSetStatus ?? '?'}` : '-',
      ssmSummary(j.data.ssmCheck),
      j.updatedAt.toISOString().slice(0, 19),
      j.reason ?? '',
    ]);
    process.stdout.write(
      `${table(['job', 'state', 'image', 'version', 'product', 'visibility', 'change set', 'ssm alias', 'updated', 'reason / waiting for'], rows)}\n`,
    );
    // Only a Public product is listed for buyers: say where each live version stands.
    const words = jobs.flatMap((j) => {
      const line = versionInWords(j, productOf(products, j));
      return line ? [`${j.id}: ${line}`] : [];
    });
    if (words.length > 0) process.stdout.write(`\n${words.join('\n')}\n`);
    if (withEvents) {
      for (const job of jobs) {
        process.stdout.write(`\n${job.id} (${job.request.imageName}):\n`);
        for (const e of await runtime.store.events(job.id)) {
          process.stdout.write(
            `  ${e.at.toISOString().slice(0, 19)} ${e.stage.padEnd(9)} ${e.kind.padEnd(9)} ${e.message}\n`,
          );
        }
      }
    }
    return ExitCode.ok;
  } finally {
    await runtime.close();
  }
}

/** `ok` when the alias resolves in every sampled region, else the regions that do not, e.g. `missing: eu-west-1`. */
function ssmSummary(check: Record<string, string> | undefined): string {
  if (!check) return '-';
  const bad = Object.entries(check).filter(([, result]) => result !== 'ok');
  if (bad.length === 0) return 'ok';
  return bad.map(([region, result]) => `${result}: ${region}`).join(', ');
}
