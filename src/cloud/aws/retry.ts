/**
 * The adapter's one retry loop: throttling, 5xx and network failures are retried with exponential
 * backoff and jitter, capped (core/backoff.ts). The SDK itself makes a single attempt (client-config.ts), so
 * retries do not multiply and every one of them is logged here.
 */
import type { CloudError, CloudErrorKind } from '../../core/errors.js';
import { backoffDelay } from '../../core/backoff.js';
import { toCloudError } from './errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injectable so tests see exact delays. */
  random: () => number;
  onRetry?: (info: { error: CloudError; attempt: number; delayMs: number }) => void;
}

/**
 * ResourceInUse is not retried here: an entity locked by a running change set stays locked for
 * minutes to hours, so the pipeline persists a wait instead of spinning.
 */
const retriedKinds: ReadonlySet<CloudErrorKind> = new Set(['throttling', 'server', 'network']);

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Runs `fn`, mapping failures to CloudError and retrying the retryable ones. A request the caller
 * aborted (`signal`: the event consumer stopping its long poll) is not retried: each retry would be
 * another request, aborted at once.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  service: string,
  operation: string,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      const error = toCloudError(raw, service, operation);
      if (!retriedKinds.has(error.kind) || attempt >= policy.maxAttempts || signal?.aborted) throw error;
      const delayMs = backoffDelay(
        attempt,
        { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs },
        policy.random,
      );
      policy.onRetry?.({ error, attempt, delayMs });
      await policy.sleep(delayMs);
    }
  }
}
