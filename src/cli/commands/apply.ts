/** `fedora-marketplace apply`: submit the minimal change set per product and follow it to the end. */
import { ExitCode } from '../../core/errors.js';
import { applyProducts } from '../../app/listings.js';
import type { ProductApplyResult } from '../../manage/apply.js';
import { table } from '../table.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

interface ApplyCommandOptions extends CommonOptions {
  validateFirst?: boolean;
  detach?: boolean;
}

function exitCodeOf(results: ProductApplyResult[]): number {
  if (results.some((r) => r.outcome === 'failed')) return ExitCode.jobsFailed;
  if (results.some((r) => r.outcome === 'pending')) return ExitCode.pending;
  return ExitCode.ok;
}

function printResults(results: ProductApplyResult[]): void {
  if (results.length === 0) {
    process.stdout.write('no published versions: nothing to apply\n');
    return;
  }
  const rows = results.map((r) => [
    r.productId ?? '(new)',
    r.productTitle,
    r.outcome,
    r.changeSets
      .map((c) => `${c.intent} ${c.changeSetId} ${c.status}${c.adopted ? ' (resumed)' : ''}`)
      .join('; ') || 'up to date',
    String(r.deprecated.length),
  ]);
  process.stdout.write(`${table(['product', 'title', 'outcome', 'change sets', 'deprecated AMIs'], rows)}\n`);
  for (const r of results) {
    for (const c of r.changeSets) {
      if (c.validation)
        process.stdout.write(
          `${r.key}: ${c.changeSetId}: ${c.validation.validated ? 'validated first (Intent VALIDATE)' : `not validated: ${c.validation.reason ?? ''}`}\n`,
        );
      for (const e of c.errors) process.stdout.write(`${r.key}: ${c.changeSetId}: ${e.code}: ${e.message}\n`);
    }
    for (const w of r.warnings) process.stdout.write(`${r.key}: warning: ${w}\n`);
  }
}

export async function run(options: ApplyCommandOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    const results = await applyProducts(runtime, {
      validateFirst: options.validateFirst === true,
      detach: options.detach === true,
    });
    if (options.json) process.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`);
    else printResults(results);
    return exitCodeOf(results);
  } finally {
    await runtime.close();
  }
}
