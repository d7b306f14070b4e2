/**
 * The state directory, checked before anything is opened in it, so that a missing, misplaced, read-only
 * or full directory is one paragraph naming the path and the fix (exit 8), never a stack trace.
 */
import { accessSync, constants, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../core/errors.js';
import { asStateError } from '../core/state-errors.js';

/**
 * For commands that write: the directory is created when missing, and must then be a directory this
 * user can write a file into (a probe is written and removed, which also catches a full disk).
 */
export function prepareStateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw asStateError(error, dir);
  }
  requireDirectory(dir);
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    throw asStateError(error, dir);
  }
}

/** For commands that only read (status): the directory must exist; it may be read-only. */
export function requireStateDir(dir: string): void {
  requireDirectory(dir);
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch (error) {
    throw asStateError(error, dir);
  }
}

function requireDirectory(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw asStateError(error, dir);
  }
  if (!isDirectory) {
    throw new StateError('not-directory', `${dir} is not a directory`, {
      field: 'state directory',
      value: dir,
      rule: 'the state directory must be a directory',
      hint: `remove or rename the file ${dir}, or pass another --state-dir`,
    });
  }
}
