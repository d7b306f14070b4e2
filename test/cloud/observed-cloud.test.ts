/** observeCloud against the simulated cloud: every port call reported once, results and errors untouched. */
import { describe, expect, it } from 'vitest';
import { observeCloud, type CloudCall } from '../../src/cloud/observed-cloud.js';
import { makeHarness } from '../pipeline/harness.js';

describe('observeCloud', () => {
  it('reports service, operation and outcome of each call and passes results and errors through', async () => {
    const h = await makeHarness();
    try {
      const calls: CloudCall[] = [];
      const cloud = observeCloud(h.sim, (call) => calls.push(call));
      const clients = cloud.clients('aws');
      expect(cloud.clients('aws')).toBe(clients);
      expect(clients.partition).toBe('aws');

      const regions = await clients.ec2.describeRegions();
      expect(regions).toEqual(await h.sim.clients('aws').ec2.describeRegions());
      const missing = clients.catalog.describeEntity('prod-doesnotexist');
      await expect(missing).rejects.toMatchObject({ kind: 'not-found', operation: 'DescribeEntity' });
      await clients.sellerSts.getCallerIdentity();

      h.config.cloud.sim.faults.throttleRate = 1;
      await expect(clients.ssm.getParameter('us-east-1', '/x')).rejects.toMatchObject({ kind: 'throttling' });

      expect(calls).toEqual([
        { partition: 'aws', service: 'ec2', operation: 'DescribeRegions', outcome: 'ok' },
        {
          partition: 'aws',
          service: 'marketplace-catalog',
          operation: 'DescribeEntity',
          outcome: 'not-found',
        },
        { partition: 'aws', service: 'sts', operation: 'GetCallerIdentity', outcome: 'ok' },
        { partition: 'aws', service: 'ssm', operation: 'GetParameter', outcome: 'throttling' },
      ]);
    } finally {
      await h.close();
    }
  });
});
