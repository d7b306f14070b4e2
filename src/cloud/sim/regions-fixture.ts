/**
 * What DescribeRegions answers per partition. Opt-in regions are marked the way a long-lived account
 * sees them: most enabled, the newest not (so code must not assume every region is usable).
 */
import type { RegionInfo } from '../ports.js';
import type { Partition } from '../../core/model/partition.js';

const always = (name: string): RegionInfo => ({ name, optInStatus: 'opt-in-not-required' });
const optedIn = (name: string): RegionInfo => ({ name, optInStatus: 'opted-in' });
const notOptedIn = (name: string): RegionInfo => ({ name, optInStatus: 'not-opted-in' });

export const regionsByPartition: Record<Partition, readonly RegionInfo[]> = {
  aws: [
    ...[
      'us-east-1',
      'us-east-2',
      'us-west-1',
      'us-west-2',
      'ca-central-1',
      'sa-east-1',
      'eu-central-1',
      'eu-west-1',
      'eu-west-2',
      'eu-west-3',
      'eu-north-1',
      'ap-northeast-1',
      'ap-northeast-2',
      'ap-northeast-3',
      'ap-south-1',
      'ap-southeast-1',
      'ap-southeast-2',
    ].map(always),
    ...[
      'af-south-1',
      'ap-east-1',
      'ap-south-2',
      'ap-southeast-3',
      'ap-southeast-4',
      'eu-south-1',
      'eu-south-2',
      'eu-central-2',
      'me-south-1',
      'me-central-1',
      'il-central-1',
      'ca-west-1',
    ].map(optedIn),
    ...['ap-southeast-5', 'ap-southeast-7', 'mx-central-1'].map(notOptedIn),
  ],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'].map(always),
  'aws-cn': ['cn-north-1', 'cn-northwest-1'].map(always),
};

export function partitionOfRegion(region: string): Partition | undefined {
  for (const [partition, regions] of Object.entries(regionsByPartition) as Array<
    [Partition, readonly RegionInfo[]]
  >) {
    if (regions.some((r) => r.name === region)) return partition;
  }
  return undefined;
}
