/** `fedora-marketplace cleanup`: list (or, with --yes, delete) mirrored AMIs no live version uses. */
import { ExitCode, InputError } from '../../core/errors.js';
import { cleanUp } from '../../app/listings.js';
import { table } from '../table.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

interface CleanupOptions extends CommonOptions {
  graceDays?: string;
  yes?: boolean;
}

export const defaultGraceDays = 30;

function graceDaysOf(value: string | undefined): number {
  if (value === undefined) return defaultGraceDays;
  if (!/^\d+$/.test(value)) {
    throw new InputError('--grace-days must be a whole number of days', {
      field: '--grace-days',
      value,
      rule: 'an integer >= 0',
    });
  }
  return Number(value);
}

export async function run(options: CleanupOptions): Promise<number> {
  const graceDays = graceDaysOf(options.graceDays);
  const runtime = await openRuntime(options);
  try {
    const { candidates, kept } = await cleanUp(runtime, { graceDays, delete: options.yes === true });
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ dryRun: !options.yes, graceDays, images: candidates, kept }, null, 2)}\n`,
      );
      return ExitCode.ok;
    }
    if (candidates.length === 0) {
      process.stdout.write(`nothing to clean up (grace period ${graceDays} days)\n`);
    } else {
      const rows = candidates.map((c) => [
        c.region,
        c.imageId,
        c.snapshotIds.join(' '),
        c.since.slice(0, 10),
        c.name,
      ]);
      process.stdout.write(`${table(['region', 'image', 'snapshots', 'retired since', 'name'], rows)}\n`);
      process.stdout.write(
        options.yes
          ? `deleted ${candidates.length} image(s) and their snapshots\n`
          : `dry run: ${candidates.length} image(s) would be deleted; run again with --yes to delete them\n`,
      );
    }
    if (kept.length > 0) {
      process.stdout.write(`\nkept ${kept.length} image(s):\n`);
      process.stdout.write(
        `${table(
          ['region', 'image', 'why'],
          kept.map((k) => [k.region, k.imageId, k.reason]),
        )}\n`,
      );
    }
    return ExitCode.ok;
  } finally {
    await runtime.close();
  }
}
