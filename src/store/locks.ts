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

/** Runs `work` holding the lock, or returns `{ held: false }` at once when someone else holds it. */
export async function withLock<T>(
  store: JobStore,
  lock: LockRequest,
  work: () => Promise<T>,
): Promise<Locked<T>> {
  if (!(await store.tryLock(lock.name, lock.holder, lock.ttlMs))) return { held: false };
  try {
    return { held: true, value: await work() };
  } finally {
    // A lock that could not be released expires after ttlMs; the work's own result matters more.
    await store.unlock(lock.name, lock.holder).catch(() => undefined);
  }
}
