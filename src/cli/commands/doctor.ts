/** `fedora-marketplace doctor`: is the configuration ready to publish? One line per check, with a fix. */
import { runDoctorChecks } from '../../cloud/doctor.js';
import { ExitCode } from '../../core/errors.js';
import { table } from '../table.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

export async function run(options: CommonOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    const checks = await runDoctorChecks(runtime.config, runtime.cloud);
    const allOk = checks.every((c) => c.ok);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ checks }, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${table(
          ['check', 'result', 'detail'],
          checks.map((c) => [c.name, c.ok ? 'ok' : 'FAIL', c.detail]),
        )}\n`,
      );
      for (const c of checks.filter((x) => !x.ok))
        process.stdout.write(`\nFAIL ${c.name}\n  fix: ${c.hint ?? ''}\n`);
      process.stdout.write(
        `\n${allOk ? 'All checks passed.' : `${checks.filter((c) => !c.ok).length} check(s) failed.`}\n`,
      );
    }
    return allOk ? ExitCode.ok : ExitCode.cloud;
  } finally {
    await runtime.close();
  }
}
