import type { AppError } from '../core/errors.js';

export interface CommandModule {
  /** Each command declares its own options type; commander hands over what it parsed. */
  run(options: never): Promise<number>;
}

/**
 * Loads a command lazily, runs it and turns its result or error into the documented exit code. An
 * AppError prints its one-paragraph description; anything else is a bug and says so.
 */
export async function runCommand(
  load: () => Promise<CommandModule>,
  options: Record<string, unknown>,
): Promise<void> {
  try {
    const command = await load();
    process.exitCode = await command.run(options as never);
  } catch (error) {
    const { isAppError } = await import('../core/errors.js');
    if (isAppError(error)) {
      reportError(error, options['json'] === true);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(
      `fedora-marketplace: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` +
        'This is a bug; please report it with the command you ran.\n',
    );
    process.exitCode = 1;
  }
}

function reportError(error: AppError, json: boolean): void {
  if (json) {
    const body = { error: { type: error.name, message: error.describe(), ...error.context } };
    process.stdout.write(JSON.stringify(body, null, 2) + '\n');
  }
  process.stderr.write(`fedora-marketplace: error: ${error.describe()}\n`);
}
