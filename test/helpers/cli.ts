/**
 * Runs the BUILT command line (`node dist/cli/main.js`, produced by `npm test`'s tsc step) as a child
 * process, the way users run it, each test with its own state directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxState } from '../../src/cloud/sim/sandbox-state.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');
export const fixture = (...parts: string[]): string => join(repoRoot, 'test', 'fixtures', 'cli', ...parts);
export const quickStartMessages = join(repoRoot, 'examples', 'messages', 'fedora-41-cloud-base.jsonl');

export interface CliOptions {
  /** Passed as --state-dir unless null (then the command runs without one, e.g. `--help`). */
  stateDir: string | null;
  env?: Record<string, string>;
  input?: string;
  /** Run as this user (tests of permissions run as root drop to an unprivileged one). */
  user?: { uid: number; gid: number };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is one JSON document. */
  json?: unknown;
}

export function assertBuilt(): void {
  if (!existsSync(cliPath))
    throw new Error(`${cliPath} is missing: run \`npx tsc -p tsconfig.build.json\` (npm test does)`);
}

/** Starts the CLI without waiting: for tests that kill it. */
export function spawnCli(args: string[], options: CliOptions): ChildProcess {
  assertBuilt();
  const full = options.stateDir === null ? args : [...args, '--state-dir', options.stateDir];
  // A state dir from the caller's environment must never leak into a test.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
  if (!options.env?.['FEDORA_MARKETPLACE_STATE_DIR']) delete env['FEDORA_MARKETPLACE_STATE_DIR'];
  return spawn(process.execPath, [cliPath, ...full], {
    cwd: repoRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.user ?? {}),
  });
}

export function collect(child: ChildProcess, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin?.end(input ?? '');
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result: CliResult = { code, signal, stdout, stderr };
      try {
        result.json = JSON.parse(stdout);
      } catch {
        // human output: no json
      }
      resolvePromise(result);
    });
  });
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return collect(spawnCli(args, options), options.input);
}

/** Runs the CLI with --json and returns the parsed document, failing loudly with stderr otherwise. */
export async function runJson<T>(args: string[], options: CliOptions, expectedCode = 0): Promise<T> {
  const result = await runCli([...args, '--json'], options);
  if (result.code !== expectedCode || result.json === undefined) {
    throw new Error(
      `\`${args.join(' ')}\` exited ${result.code} (expected ${expectedCode})\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`,
    );
  }
  return result.json as T;
}

/** A fresh temporary state directory and its removal. */
export function tempStateDir(prefix = 'fm-cli-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The parts of the `--json` shapes the tests read. */
export interface JobJson {
  id: string;
  state: string;
  reason?: string;
  release?: number;
  arch?: string;
  subvariant?: string;
  composeId?: string;
  imageName?: string;
  sourceAmi?: string;
  prerelease?: boolean;
  productId?: string;
  productTitle?: string;
  productVisibility?: string;
  offerId?: string;
  versionTitle?: string;
  mirroredAmis: Record<string, string>;
  changeSetId?: string;
  changeSetStatus?: string;
  loadFormPath?: string;
  changeSetPath?: string;
  versionExisted?: boolean;
  derived?: Array<{ field: string; value: string; from: string }>;
}

export interface SkippedJson {
  id: string;
  state: 'skipped';
  reason: string;
  topic: string;
}

/** What `sandbox state --json` prints: the simulation's own view type. */
export type SandboxStateJson = SandboxState;
export type SandboxImageJson = SandboxState['images'][number];

export const internalAccount = '111122223333';
export const fedoraAccount = '125523088429';
/** What the sandbox shares each mirror with: the Marketplace accounts and the seller account. */
export const marketplaceAccounts = ['264483973329', '444455556666', '679593333241', '684062674729'];

/** The version title an AddDeliveryOptions change carries. */
export function versionTitleOf(details: unknown): string | undefined {
  const title = (details as { Version?: { VersionTitle?: unknown } } | null)?.Version?.VersionTitle;
  return typeof title === 'string' ? title : undefined;
}
