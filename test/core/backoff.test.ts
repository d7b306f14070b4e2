import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/core/backoff.js';

describe('backoffDelay', () => {
  const policy = { baseMs: 2_000, maxMs: 600_000 };
  const lowest = () => 0;
  const highest = () => 0.999999;

  it('stays between half and all of the exponential ceiling', () => {
    expect(backoffDelay(1, policy, lowest)).toBe(1_000);
    expect(backoffDelay(1, policy, highest)).toBe(2_000);
    expect(backoffDelay(3, policy, lowest)).toBe(4_000);
    expect(backoffDelay(3, policy, highest)).toBe(8_000);
  });

  it('doubles per attempt until the cap, and never exceeds it', () => {
    const half = () => 0.5;
    const delays = [1, 2, 3, 4, 5].map((a) => backoffDelay(a, { baseMs: 1_000, maxMs: 600_000 }, half));
    expect(delays).toEqual([750, 1_500, 3_000, 6_000, 12_000]);
    expect(backoffDelay(30, policy, highest)).toBe(600_000);
    expect(backoffDelay(30, policy, lowest)).toBe(300_000);
  });

  it('treats attempt 0 like the first attempt', () => {
    expect(backoffDelay(0, { baseMs: 100, maxMs: 1_000 }, highest)).toBe(100);
  });
});
