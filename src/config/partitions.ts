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

/**
 * Every account the mirrored images and their snapshots are shared with: the Marketplace ingestion and
 * scanning accounts, and the seller account when it is not the one owning the mirrors (the access role
 * the Marketplace assumes lives in the seller account and must be able to read the image).
 */
export function imageShareAccounts(settings: PartitionConfig): string[] {
  const seller = settings.sellerAccount.accountId;
  const accounts = [...settings.marketplace.shareWithAccounts];
  if (seller !== settings.internalAccount.accountId && !accounts.includes(seller)) accounts.push(seller);
  return accounts;
}
