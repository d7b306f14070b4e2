/**
 * The gate every simulated API call passes: counts it, adds the configured wall-clock latency and
 * rolls the seeded fault dice, so a failing run can be replayed with the same seed.
 */
import { CloudError } from '../../core/errors.js';
import type { SimConfig } from '../../config/schema.js';

export type SimService = 'ec2' | 'aws-marketplace' | 'ssm' | 'sts';

/** The error codes each real service uses for throttling and internal failures. */
const faultCodes: Record<SimService, { throttling: string; server: string }> = {
  ec2: { throttling: 'RequestLimitExceeded', server: 'InternalError' },
  'aws-marketplace': { throttling: 'ThrottlingException', server: 'InternalServiceException' },
  ssm: { throttling: 'ThrottlingException', server: 'InternalServerError' },
  sts: { throttling: 'Throttling', server: 'InternalFailure' },
};

/** mulberry32: tiny, fast and good enough for fault dice. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class CallGate {
  private readonly counts: Record<string, number> = {};
  private readonly random: () => number;

  constructor(private readonly sim: SimConfig) {
    this.random = seededRandom(sim.faults.seed);
  }

  async enter(service: SimService, operation: string): Promise<void> {
    const key = `${service}:${operation}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    const delay = this.sim.latency.apiCallMilliseconds;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const { throttleRate, serverErrorRate } = this.sim.faults;
    if (throttleRate === 0 && serverErrorRate === 0) return;
    const roll = this.random();
    if (roll < throttleRate) {
      throw new CloudError({
        kind: 'throttling',
        awsCode: faultCodes[service].throttling,
        service,
        operation,
        message: 'Rate exceeded (simulated fault)',
      });
    }
    if (roll < throttleRate + serverErrorRate) {
      throw new CloudError({
        kind: 'server',
        awsCode: faultCodes[service].server,
        service,
        operation,
        message: 'An internal error has occurred (simulated fault)',
      });
    }
  }

  /** Whether a new change set is doomed to end FAILED with SERVER_FAULT (same seeded dice). */
  changeSetServerFault(): boolean {
    const rate = this.sim.faults.changeSetServerFaultRate;
    return rate > 0 && this.random() < rate;
  }

  callCounts(): Record<string, number> {
    return { ...this.counts };
  }
}
