/**
 * The moto AWS emulator as a test peer: one server per test file, seeded with Fedora's public images
 * (and an impostor with the same name owned by someone else), reset between tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsCloud } from '../../src/cloud/aws/aws-cloud.js';
import type { ClientHook } from '../../src/cloud/aws/client-config.js';
import type { Cloud } from '../../src/cloud/ports.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';

export const fedoraOwner = '125523088429';
export const impostorOwner = '999988887777';

export interface SeededImage {
  ami_id: string;
  name: string;
  owner_id: string;
  architecture: 'x86_64' | 'arm64';
}

export const seededImages = {
  x86_64: {
    ami_id: 'ami-0fed041086a000001',
    name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
    owner_id: fedoraOwner,
    architecture: 'x86_64',
  },
  arm64: {
    ami_id: 'ami-0fed041a64a000001',
    name: 'Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4',
    owner_id: fedoraOwner,
    architecture: 'arm64',
  },
  impostor: {
    ami_id: 'ami-0bad0bad0bad00001',
    name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
    owner_id: impostorOwner,
    architecture: 'x86_64',
  },
} as const satisfies Record<string, SeededImage>;

export interface Moto {
  endpoint: string;
  /** Clears all state (POST /moto-api/reset); seeded images come back. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function amisJson(images: readonly SeededImage[]): string {
  // creation_date is left out on purpose: moto 5.2.1 crashes loading it in a second region.
  return JSON.stringify(
    images.map((image) => ({
      ...image,
      description: `${image.name} (seeded by the tests)`,
      public: true,
      virtualization_type: 'hvm',
      state: 'available',
      root_device_type: 'ebs',
      root_device_name: '/dev/sda1',
      hypervisor: 'xen',
    })),
  );
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited early with code ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > deadlineMs)
      throw new Error(`moto did not answer on ${endpoint} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `images`: what to seed besides `seededImages` (e.g. the images a test message names). */
export async function startMoto(options: { images?: readonly SeededImage[] } = {}): Promise<Moto> {
  const dir = mkdtempSync(join(tmpdir(), 'moto-'));
  const amisPath = join(dir, 'amis.json');
  writeFileSync(amisPath, amisJson([...Object.values(seededImages), ...(options.images ?? [])]));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_AMIS_PATH: amisPath, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilAnswering(endpoint, child, 30_000);
  } catch (error) {
    child.kill();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Selects the moto account of every request a client sends (header `x-moto-account-id`). */
export function motoAccountHook(accountId: string): ClientHook {
  return (client) => {
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-moto-account-id'] = accountId;
        return next(args);
      },
      { step: 'build', name: 'motoAccountId' },
    );
  };
}

export const motoAccounts = { internal: '111122223333', seller: '444455556666' } as const;

/** Dummy credentials for the default provider chain; moto accepts any. */
export function useDummyCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'AKIAMOTOTESTING00000';
  process.env.AWS_SECRET_ACCESS_KEY = 'moto-test-secret';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

/** The sandbox configuration with the aws adapter pointed at moto (EC2, SSM, STS). */
export function motoConfig(
  endpoint: string,
  overrides: Partial<NonNullable<ConfigInput['partitions']['aws']>> = {},
): Config {
  const aws = sandboxConfig.partitions.aws;
  if (!aws) throw new Error('sandbox config has no aws partition');
  return configSchema.parse({
    ...sandboxConfig,
    cloud: { adapter: 'aws' },
    partitions: {
      aws: {
        ...aws,
        internalAccount: { accountId: motoAccounts.internal },
        sellerAccount: { accountId: motoAccounts.seller },
        endpoints: { ec2: endpoint, ssm: endpoint, sts: endpoint },
        ...overrides,
      },
    },
  });
}

/**
 * createAwsCloud against moto, each client sending as its configured account. An account with a
 * role gets no header: the credentials AssumeRole returns select the role's account instead.
 */
export function motoCloud(moto: Moto, options: { config?: Config; hooks?: ClientHook[] } = {}): Cloud {
  useDummyCredentials();
  const config = options.config ?? motoConfig(moto.endpoint);
  const accountHook: ClientHook = (client, target) => {
    const partition = config.partitions[target.partition];
    const account = target.account === 'internal' ? partition?.internalAccount : partition?.sellerAccount;
    if (!account?.roleArn) motoAccountHook(target.accountId)(client, target);
  };
  return createAwsCloud(config, {
    retry: { maxAttempts: 1 },
    hooks: [accountHook, ...(options.hooks ?? [])],
  });
}
