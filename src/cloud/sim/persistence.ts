/**
 * Durable simulated world: loaded once, written atomically (temp file, fsync, rename, fsync of the
 * directory) before a mutating call returns, so a process killed right after a call loses nothing.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { emptyWorld, type WorldState } from './world-state.js';

export function loadWorld(stateFile: string | undefined, clockMs: number): WorldState {
  if (stateFile === undefined || !existsSync(stateFile)) return emptyWorld(clockMs);
  return parseWorld(stateFile);
}

function parseWorld(stateFile: string): WorldState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      'The simulated cloud state file cannot be read',
      [
        {
          field: stateFile,
          rule: 'must be a JSON file written by the simulated cloud',
          hint: 'delete it to start a fresh sandbox',
        },
      ],
      { cause: error },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== 1) {
    throw new ConfigError('The simulated cloud state file has an unknown format', [
      { field: stateFile, rule: 'must contain "version": 1', hint: 'delete it to start a fresh sandbox' },
    ]);
  }
  const world = parsed as WorldState;
  world.offers ??= {};
  return world;
}

export function saveWorld(stateFile: string, world: WorldState): void {
  const dir = dirname(stateFile);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(stateFile)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(world));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, stateFile);
  // The rename itself must reach the disk too.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** The simulated time persisted by the last run, so the next CLI command continues the same timeline. */
export function readSimClock(stateFile: string): number | undefined {
  if (!existsSync(stateFile)) return undefined;
  return parseWorld(stateFile).clockMs;
}
