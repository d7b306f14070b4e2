import type { Partition } from '../core/model/partition.js';
import { InternalError } from '../core/errors.js';
import type { Config, PartitionConfig } from './schema.js';

/** The commercial partition carries the Marketplace listing; others are mirrors only (see README). */
export function listingPartition(config: Config): { partition: Partition; settings: PartitionConfig } {
  const order: Partition[] = ['aws', 'aws-us-gov', 'aws-cn'];
  for (const partition of order) {
    const settings = config.partitions[partition];
    if (settings?.enabled) return { partition, settings };
  }
  throw new InternalError('no enabled partition (the configuration schema should have refused this)');
}
