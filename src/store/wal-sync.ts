import { open } from 'node:fs/promises';

/**
 * Makes every SQLite commit so far durable against power loss without blocking the event loop.
 * Commits run at synchronous=NORMAL: in WAL mode that writes the transaction's frames to the `-wal` file
 * but skips the fsync, and an fsync of that file afterwards (on libuv's thread pool, through any
 * descriptor of it) makes them durable, which is what synchronous=FULL does inside the commit while the
 * whole process waits. The WAL is never deleted while this connection is open, so the path stays valid.
 */
export function walSync(databaseFile: string): () => Promise<void> {
  const walFile = `${databaseFile}-wal`;
  return coalesced(async () => {
    const handle = await open(walFile, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/**
 * `run` shared by concurrent callers: a call while a run is in flight waits for the next run (the one
 * in flight may have started before the caller's commit), and every call in that time shares it. So a
 * window of commits costs one or two fsyncs, never one each.
 */
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const current = run().finally(() => {
      if (inFlight === current) inFlight = undefined;
    });
    inFlight = current;
    return current;
  };
  return () => {
    if (next) return next;
    if (!inFlight) return start();
    next = inFlight
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}
