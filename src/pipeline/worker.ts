/**
 * Who holds a job or a lock: every scheduler is a worker with an id of its own, `host:pid:random`. The
 * host and pid let a worker on the same machine see that a holder's process is gone (a `kill -9`) and
 * take its jobs back at once instead of after the lease expires.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** A lock holder is a worker doing one thing: `<worker> <what>` (a job id, or `apply`). */
export function holderOf(worker: string, what: string): string {
  return `${worker} ${what}`;
}

/** True when `holder` names a worker of this machine whose process no longer exists. */
export function isGoneLocalHolder(holder: string): boolean {
  const [host, pid] = (holder.split(' ')[0] ?? '').split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
