/** `fedora-marketplace sandbox serve`: the simulated Marketplace Catalog API on a local port. */
import { startSandboxCatalog } from '../../app/sandbox-catalog.js';
import type { CommonOptions } from '../../app/runtime.js';
import { ExitCode, UsageError } from '../../core/errors.js';

interface ServeOptions extends CommonOptions {
  port: string;
  host: string;
  ec2Endpoint?: string;
  eventsTo?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('invalid --port', {
      field: '--port',
      value,
      rule: 'must be an integer 0-65535 (0: any free port)',
    });
  }
  return port;
}

export async function run(options: ServeOptions): Promise<number> {
  const server = await startSandboxCatalog({ ...options, port: parsePort(options.port) });
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ url: server.url })}\n`
      : `Simulated Marketplace Catalog API on ${server.url} (state: ${server.stateDir}); Ctrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return ExitCode.ok;
}
