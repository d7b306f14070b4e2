/** `fedora-marketplace sandbox state`: what the simulated cloud holds now. */
import { ExitCode, UsageError } from '../../core/errors.js';
import { table } from '../table.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

export async function run(options: CommonOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    if (!runtime.sim) {
      throw new UsageError('sandbox state needs the simulated cloud', {
        field: 'cloud.adapter',
        value: runtime.config.cloud.adapter,
        rule: 'must be sim',
        hint: 'run without --config, or with a configuration whose cloud.adapter is sim',
      });
    }
    const state = runtime.sim.state();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      return ExitCode.ok;
    }
    process.stdout.write(
      `${table(
        ['image', 'owner', 'region', 'state', 'name', 'shared with'],
        state.images.map((i) => [
          i.id,
          i.owner,
          i.region,
          i.state,
          i.name,
          i.launchPermissions.join(',') || '-',
        ]),
      )}\n\n`,
    );
    process.stdout.write(
      `${table(
        ['change set', 'product', 'status', 'changes'],
        state.changeSets.map((c) => [
          c.id,
          c.product ?? '-',
          c.status,
          c.changes.map((x) => x.changeType).join(','),
        ]),
      )}\n`,
    );
    return ExitCode.ok;
  } finally {
    await runtime.close();
  }
}
