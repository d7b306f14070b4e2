/**
 * Named locks kept in the store (JobStore.tryLock), so they hold across processes and machines: two
 * workers can never both be between "look at the product" and "start a change set on it".
 */
import type { JobStore } from './store.js';

/** The lock around "look, then start a change set" for one product (pipeline submit, apply). */
export function productLockName(productTitle: string): string {
  return `product ${productTitle}`;
}

export interface LockRequest {
  name: string;
  /** Who holds it: unique per worker and task, so two tasks of one process exclude each other too. */
  holder: string;
  /** Wall-clock lifetime: a holder that dies releases it after this long. */
  ttlMs: number;
}

export type Locked<T> = { held: true; value: T } | { held: false };

/**
 * Renews the lock and says whether this holder still has it. Called right before the step that must
 * not happen without the lock (a StartChangeSet): a holder stalled past ttlMs learns it lost the lock
 * instead of acting on a look that another holder has since made stale.
 */
export type LockCheck = () => Promise<boolean>;

/**
 * Runs `work` holding the lock, or returns `{ held: false }` at once when someone else holds it. The
 * lock is renewed every third of ttlMs while `work` runs, so only a holder that dies (or stalls that
 * long) loses it.
 */
export async function withLock<T>(
  store: JobStore,
  lock: LockRequest,
  work: (stillHeld: LockCheck) => Promise<T>,
): Promise<Locked<T>> {
  const renew = () => store.tryLock(lock.name, lock.holder, lock.ttlMs);
  if (!(await renew())) return { held: false };
  const renewal = setInterval(() => void renew().catch(() => undefined), lock.ttlMs / 3);
  renewal.unref();
  try {
    return { held: true, value: await work(renew) };
  } finally {
    clearInterval(renewal);
    // A lock that could not be released expires after ttlMs; the work's own result matters more.
    await store.unlock(lock.name, lock.holder).catch(() => undefined);
  }
}
