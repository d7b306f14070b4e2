/** Simulated STS: every client acts as an assumed role in its own account. */
import type { StsPort } from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import type { CallGate } from './faults.js';

export class SimSts implements StsPort {
  constructor(
    private readonly gate: CallGate,
    private readonly partition: Partition,
    private readonly account: string,
  ) {}

  async getCallerIdentity(): Promise<{ account: string; arn: string; userId: string }> {
    await this.gate.enter('sts', 'GetCallerIdentity');
    return {
      account: this.account,
      arn: `arn:${this.partition}:sts::${this.account}:assumed-role/fedora-marketplace/sim`,
      userId: `AROA${this.account}SIMROLE:sim`,
    };
  }
}
