import { open, type FileHandle } from 'node:fs/promises';

/** Makes every commit so far durable; `close` releases what it holds once the store is closed. */
export interface CommitSync {
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Makes every SQLite commit so far durable against power loss without blocking the event loop.
 * Commits run at synchronous=NORMAL: in WAL mode that writes the transaction's frames to the `-wal` file
 * but skips the fsync, and an fsync of that file afterwards (on libuv's thread pool, through any
 * descriptor of it) makes them durable, which is what synchronous=FULL does inside the commit while the
 * whole process waits. The WAL is never deleted while this connection is open, so one descriptor,
 * opened at the first sync, serves them all (opening and closing it each time cost the event loop more
 * than the fsync's own callback).
 */
export function walSync(databaseFile: string): CommitSync {
  const walFile = `${databaseFile}-wal`;
  let handle: Promise<FileHandle> | undefined;
  const sync = coalesced(async () => {
    handle ??= open(walFile, 'r+');
    try {
      await (await handle).sync();
    } catch (error) {
      // Opening failed (no WAL yet) or the descriptor went bad: the next sync opens the file again.
      const failed = handle;
      handle = undefined;
      await failed.then((h) => h.close()).catch(() => undefined);
      throw error;
    }
  });
  return {
    sync,
    // FileHandle.close waits for a sync in flight on it.
    async close() {
      const held = handle;
      handle = undefined;
      await held?.then((h) => h.close()).catch(() => undefined);
    },
  };
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
