/**
 * Time comes from a Clock so that waits are testable: the simulated cloud and the pipeline share a
 * clock, and a ManualClock lets a 30-minute image copy finish in milliseconds (DESIGN invariant 4).
 */
export interface Clock {
  now(): Date;
  /** Resolve after `ms` of this clock's time. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A clock that only moves when told to. `sleep` jumps the clock forward instead of waiting, which is
 * what the sandbox wants: simulated AWS latencies cost no wall time.
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    if (ms > 0) this.current += ms;
  }

  /** Move to `at` if it lies in the future; never moves backwards. */
  advanceTo(at: Date | number): void {
    const target = typeof at === 'number' ? at : at.getTime();
    if (target > this.current) this.current = target;
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms);
  }
}

/** Resolves after `ms` of wall time, or at once when `signal` aborts (long polls that must stop). */
export function wallSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
