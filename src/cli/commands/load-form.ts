/**
 * `fedora-marketplace load-form`: the product load form (XLSX, CSV, JSON) for one release or for every
 * current one, one product per line, with every problem located by sheet, row, column and rule.
 */
import { join } from 'node:path';
import { ExitCode, InputError } from '../../core/errors.js';
import { writeLoadForms } from '../../app/listings.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

interface LoadFormOptions extends CommonOptions {
  release?: string;
  out?: string;
}

function releaseOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new InputError('--release must be a Fedora release number', {
      field: '--release',
      value,
      rule: 'a whole number such as 41',
    });
  }
  return Number(value);
}

export async function run(options: LoadFormOptions): Promise<number> {
  const release = releaseOf(options.release);
  const runtime = await openRuntime(options);
  try {
    const dir = options.out ?? join(runtime.stateDir, 'load-forms');
    const written = await writeLoadForms(runtime, { ...(release !== undefined ? { release } : {}), dir });
    if (!written) {
      throw new InputError(
        release === undefined
          ? 'no current release has a published version'
          : `release ${release} has no published version`,
        {
          field: '--release',
          value: release,
          rule: 'load forms are written for releases with published versions',
          hint: 'publish an image first',
        },
      );
    }
    const { products, files, problems } = written;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ products, files, problems }, null, 2)}\n`);
    } else {
      process.stdout.write(`${products.length} product(s): ${products.join(', ')}\n`);
      for (const path of [files.xlsx, ...files.csv, files.json]) process.stdout.write(`wrote ${path}\n`);
      for (const p of problems) {
        process.stdout.write(
          `${p.severity}: ${p.sheet} row ${p.row} column ${JSON.stringify(p.column)} (${p.cell}): ${p.rule}\n`,
        );
      }
    }
    return problems.some((p) => p.severity === 'error') ? ExitCode.badInput : ExitCode.ok;
  } finally {
    await runtime.close();
  }
}
