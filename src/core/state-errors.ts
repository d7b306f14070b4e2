/**
 * One mapping from what the operating system or SQLite says about a file to a StateError a person can
 * act on: which path, what is wrong with it, and the fix. Used wherever state is read or written.
 */
import { StateError, type StateProblem } from './errors.js';

interface Problem {
  kind: StateProblem;
  what: string;
  rule: string;
  hint: (path: string) => string;
}

const readOnly: Problem = {
  kind: 'read-only',
  what: 'is read-only',
  rule: 'the state directory and its files must be writable by this user (status also reads a read-only one)',
  hint: (path) =>
    `make ${path} writable by this user (chown/chmod, or remount read-write), or pass another --state-dir`,
};
const full: Problem = {
  kind: 'full',
  what: 'cannot be written: the disk is full',
  rule: 'the filesystem holding the state directory needs free space',
  hint: (path) => `free space on the filesystem of ${path}, or move the state directory (--state-dir)`,
};
const missing: Problem = {
  kind: 'missing',
  what: 'does not exist',
  rule: 'must be an existing directory (publish, replay and listen create it)',
  hint: () => 'pass the --state-dir (or FEDORA_MARKETPLACE_STATE_DIR) that publish or listen used',
};
const notDirectory: Problem = {
  kind: 'not-directory',
  what: 'is not a directory',
  rule: 'the state directory must be a directory',
  hint: (path) => `remove or rename the file ${path}, or pass another --state-dir`,
};
const broken: Problem = {
  kind: 'corrupt',
  what: 'is not a fedora-marketplace store (corrupt or another kind of file)',
  rule: 'must be the SQLite database fedora-marketplace wrote',
  hint: (path) =>
    `move ${path} aside and let the next command create a new store, or restore it from a backup`,
};
const ioError: Problem = {
  kind: 'io',
  what: 'cannot be read or written (input/output error)',
  rule: 'the disk holding the state directory must work',
  hint: (path) => `check the disk and filesystem holding ${path} (dmesg), or move the state directory`,
};

function problemOf(code: string): Problem | undefined {
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return full;
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code.startsWith('SQLITE_READONLY'))
    return readOnly;
  if (code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') return readOnly;
  if (code === 'ENOENT') return missing;
  if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') return notDirectory;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return broken;
  if (code === 'EIO' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') return ioError;
  return undefined;
}

/** The StateError for a failed file operation on `path`, or undefined when `error` is not one. */
export function stateErrorOf(error: unknown, path: string): StateError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const problem = problemOf(code);
  if (!problem) return undefined;
  const detail = error instanceof Error ? error.message : code;
  return new StateError(
    problem.kind,
    `${path} ${problem.what}`,
    { field: path, value: detail, rule: problem.rule, hint: problem.hint(path) },
    { cause: error },
  );
}

/** `error` as a StateError about `path` when it is one, otherwise unchanged. */
export function asStateError(error: unknown, path: string): unknown {
  return stateErrorOf(error, path) ?? error;
}
