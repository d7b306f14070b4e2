/**
 * Environment errors, as an operator meets them: a state directory that is a file, missing or read-only,
 * and a configuration that is unreadable or hostile. Each is one paragraph naming the path and the fix,
 * with its documented exit code; `status` still reads a read-only store.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { fixture, runCli, runJson, tempStateDir, type JobJson } from '../helpers/cli.js';

/** One line on stderr, the error paragraph, naming `path` and saying what to do. */
function expectParagraph(stderr: string, path: string, fix: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^fedora-marketplace: error: /);
  expect(lines[0]).toContain(path);
  expect(lines[0]).toMatch(fix);
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('the state directory', () => {
  const root = tempStateDir('fm-env-');
  afterAll(() => {
    chmodSync(root.dir, 0o755);
    root.remove();
  });

  it('is a file: exit 8 naming it, for commands that write and for status', async () => {
    const file = join(root.dir, 'a-file');
    writeFileSync(file, 'not a directory');
    for (const args of [['status'], ['publish', '--message', fixture('f41-x86_64-1.5.json')]]) {
      const result = await runCli(args, { stateDir: file });
      expect(result.code, result.stderr).toBe(ExitCode.state);
      expectParagraph(result.stderr, file, /Fix: remove or rename the file/);
    }
  });

  it('is missing: status says so (exit 8) instead of creating an empty store', async () => {
    const missing = join(root.dir, 'never-created');
    const result = await runCli(['status'], { stateDir: missing });
    expect(result.code, result.stderr).toBe(ExitCode.state);
    expectParagraph(result.stderr, missing, /does not exist.*Fix: pass the --state-dir/);
  });

  it('is read-only: status reads it; publish is exit 8 naming it', async () => {
    const dir = join(root.dir, 'read-only');
    mkdirSync(dir);
    await runJson(['publish', '--message', fixture('f41-x86_64-1.5.json')], { stateDir: dir });
    chmodSync(dir, 0o555);
    chmodSync(root.dir, 0o755);
    // root writes anywhere: the commands run as an unprivileged user, as an operator's would.
    const user = process.getuid?.() === 0 ? { user: { uid: 65534, gid: 65534 } } : {};
    const status = await runJson<{ jobs: JobJson[] }>(['status'], { stateDir: dir, ...user });
    expect(status.jobs.map((j) => [j.imageName, j.state])).toEqual([
      ['Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.5', 'published'],
    ]);
    const quarantine = await runJson<{ quarantine: unknown[] }>(['status', '--quarantine'], {
      stateDir: dir,
      ...user,
    });
    expect(quarantine.quarantine).toEqual([]);
    const publish = await runCli(['publish', '--message', fixture('f41-x86_64-1.5.json')], {
      stateDir: dir,
      ...user,
    });
    expect(publish.code, publish.stderr).toBe(ExitCode.state);
    expectParagraph(publish.stderr, dir, /is read-only.*Fix: make .* writable by this user/);
  });
});

describe('the configuration file', () => {
  const state = tempStateDir('fm-env-config-');
  afterAll(() => state.remove());

  it('refuses a YAML alias bomb in one paragraph (exit 4), without expanding it', async () => {
    const bomb = join(state.dir, 'bomb.yaml');
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = 'abcdefgh'[i];
      levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${prev}`).join(',')}]`);
    }
    writeFileSync(bomb, `${levels.join('\n')}\n`);
    const started = Date.now();
    const result = await runCli(['status', '--config', bomb], { stateDir: state.dir });
    expect(result.code, result.stderr).toBe(ExitCode.config);
    expectParagraph(result.stderr, bomb, /at most 100 YAML aliases.*Fix: write the values out/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses an unreadable configuration naming it (exit 4)', async () => {
    const dir = join(state.dir, 'a-directory.yaml');
    mkdirSync(dir);
    const result = await runCli(['publish', '--config', dir, '--message', fixture('f41-x86_64-1.5.json')], {
      stateDir: state.dir,
    });
    expect(result.code, result.stderr).toBe(ExitCode.config);
    expectParagraph(
      result.stderr,
      dir,
      /cannot read configuration file.*Fix: pass an existing, readable YAML file/,
    );
  });
});
