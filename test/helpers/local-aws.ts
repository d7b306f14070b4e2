/**
 * examples/local-aws.yaml as a test peer: the aws adapter against moto (EC2, SSM, STS) and the built
 * CLI's `sandbox serve` (the Catalog API), each test with its own ports and state directories.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot, spawnCli } from './cli.js';

/** moto's default account: the example's internal account. */
export const localInternalAccount = '123456789012';

/** Dummy credentials that keep the SDK's provider chain from looking for real ones. */
export const localCredentials = {
  AWS_ACCESS_KEY_ID: 'AKIALOCALEXAMPLE0000',
  AWS_SECRET_ACCESS_KEY: 'local-example-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PROFILE: '',
};

/** Starts `sandbox serve` and resolves with its URL (first stdout line, --json). */
export function serveCatalog(
  args: string[],
  stateDir: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnCli(['sandbox', 'serve', '--port', '0', '--json', ...args], {
    stateDir,
    env: localCredentials,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => reject(new Error(`sandbox serve exited ${code}: ${err}`)));
  });
}

/** Stops a served Catalog API (SIGTERM) and waits for it to exit. */
export async function stopServing(server: { child: ChildProcess } | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/**
 * examples/local-aws.yaml with the actual endpoints, written to `dir`; `edit` changes the parsed
 * document before it is written (store, bus, pipeline settings of a test).
 */
export function localAwsConfig(
  dir: string,
  endpoints: { moto: string; catalog: string },
  options: { accountId?: string; edit?: (config: Record<string, unknown>) => void } = {},
): string {
  const config = parse(readFileSync(join(repoRoot, 'examples', 'local-aws.yaml'), 'utf8')) as {
    partitions: { aws: { endpoints: Record<string, string>; internalAccount: { accountId: string } } };
  };
  const aws = config.partitions.aws;
  const accountId = options.accountId ?? localInternalAccount;
  aws.endpoints = {
    ec2: endpoints.moto,
    ssm: endpoints.moto,
    sts: endpoints.moto,
    marketplaceCatalog: endpoints.catalog,
  };
  aws.internalAccount.accountId = accountId;
  options.edit?.(config as unknown as Record<string, unknown>);
  const file = join(dir, `local-aws-${accountId}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** Headers of one connection, which fetch sets itself. */
const hopByHop = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

/** An HTTP proxy in front of `target` that counts the requests by path (`/DescribeChangeSet`). */
export async function countingProxy(
  target: string,
): Promise<{ url: string; counts: Record<string, number>; close(): Promise<void> }> {
  const counts: Record<string, number> = {};
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    counts[path] = (counts[path] ?? 0) + 1;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string' && !hopByHop.has(entry[0]),
        ),
      );
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body ? { body } : {}),
      })
        .then(async (answer) => {
          const answered = [...answer.headers].filter(([name]) => !hopByHop.has(name));
          response.writeHead(answer.status, Object.fromEntries(answered));
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((error: unknown) => {
          response.writeHead(502);
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
