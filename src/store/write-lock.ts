/** Runs `fn` once every write queued before it on the same lock has settled. */
export type WriteLock = <T>(fn: () => Promise<T>) => Promise<T>;

const locks = new Map<string, WriteLock>();

/**
 * One lock per SQLite file per process. better-sqlite3 is synchronous: if two connections of the same
 * process interleave their transactions, the second one's busy wait blocks the very event loop the first
 * needs to commit, and it fails with SQLITE_BUSY after the timeout. Queuing writes avoids that; other
 * processes are kept apart by SQLite's own file locks and busy_timeout.
 */
export function writeLockFor(key: string): WriteLock {
  let lock = locks.get(key);
  if (lock === undefined) {
    lock = createWriteLock();
    locks.set(key, lock);
  }
  return lock;
}

export function createWriteLock(): WriteLock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
