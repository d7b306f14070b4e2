/** How retries space out: the first delay ceiling, doubled per attempt up to the cap. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with equal jitter: a delay between half and all of the capped exponential
 * ceiling, so a fleet of clients does not retry in lock-step, yet none comes back immediately.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
