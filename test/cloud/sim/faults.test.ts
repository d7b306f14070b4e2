import { describe, expect, it } from 'vitest';
import { CloudError } from '../../../src/core/errors.js';
import { makeSim, simConfig } from './sim-fixture.js';

async function outcomes(seed: number, calls: number): Promise<string[]> {
  const { cloud } = makeSim({
    sim: simConfig({ faults: { throttleRate: 0.3, serverErrorRate: 0.2, seed } }),
  });
  const { ec2, catalog } = cloud.clients('aws');
  const results: string[] = [];
  for (let i = 0; i < calls; i++) {
    const call = i % 2 === 0 ? ec2.describeRegions() : catalog.listChangeSets({});
    results.push(
      await call.then(
        () => 'ok',
        (e: unknown) => (e instanceof CloudError ? `${e.kind}:${e.awsCode}` : 'unexpected'),
      ),
    );
  }
  return results;
}

describe('simulated fault injection', () => {
  it('replays the same faults for the same seed, with the codes each service uses', async () => {
    const run = await outcomes(7, 200);
    expect(await outcomes(7, 200)).toEqual(run);
    expect(await outcomes(8, 200)).not.toEqual(run);
    const counts = new Map<string, number>();
    for (const r of run) counts.set(r, (counts.get(r) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([
      'ok',
      'server:InternalError',
      'server:InternalServiceException',
      'throttling:RequestLimitExceeded',
      'throttling:ThrottlingException',
    ]);
    expect(counts.get('ok')).toBeGreaterThan(60);
    expect(counts.get('ok')).toBeLessThan(140);
  });

  it('counts calls per operation and adds the configured wall-clock latency', async () => {
    const { cloud } = makeSim({ sim: simConfig({ latency: { apiCallMilliseconds: 20 } }) });
    const { ec2, sellerSts } = cloud.clients('aws');
    const started = Date.now();
    await ec2.describeRegions();
    await ec2.describeRegions();
    expect(await sellerSts.getCallerIdentity()).toMatchObject({
      account: '444455556666',
      arn: 'arn:aws:sts::444455556666:assumed-role/fedora-marketplace/sim',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(cloud.callCounts()).toEqual({ 'ec2:DescribeRegions': 2, 'sts:GetCallerIdentity': 1 });
  });
});
