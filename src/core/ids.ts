import { createHash } from 'node:crypto';

/**
 * Deterministic idempotency tokens (DESIGN invariant 2): the same logical mutation always carries the
 * same token, so a retry after a crash cannot create a second resource.
 */
export function stableToken(prefix: string, ...parts: Array<string | number>): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${prefix}-${digest.slice(0, 40)}`.slice(0, 64);
}

export function shortHash(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 12);
}
