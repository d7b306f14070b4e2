/** `fedora-marketplace config validate [FILE]`. */
import { ConfigError, ExitCode } from '../../core/errors.js';
import { loadConfig } from '../../config/load.js';
import type { CommonOptions } from '../../app/runtime.js';

interface ValidateOptions extends CommonOptions {
  file?: string;
}

export async function run(options: ValidateOptions): Promise<number> {
  const file = options.file ?? options.config;
  try {
    const { config, source } = loadConfig(file);
    const partitions = Object.entries(config.partitions)
      .filter(([, p]) => p?.enabled)
      .map(([name]) => name);
    const products = Object.keys(config.products);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ valid: true, source, adapter: config.cloud.adapter, partitions, products }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `${source}: valid (adapter ${config.cloud.adapter}; partitions ${partitions.join(', ')}; products ${products.join(', ')})\n`,
      );
    }
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ConfigError && options.json) {
      process.stdout.write(
        `${JSON.stringify({ valid: false, source: file ?? null, errors: error.issues }, null, 2)}\n`,
      );
      process.stderr.write(`fedora-marketplace: error: ${error.describe()}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
