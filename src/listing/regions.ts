/**
 * The regions a product is offered in. The Marketplace distributes to opt-in regions too, and lists
 * GovCloud for commercial products, so `all` includes both. GovCloud cannot be enabled through the
 * Catalog API unless AWS Marketplace enabled the seller account for it: a representative does it.
 */
import type { RegionInfo } from '../cloud/ports.js';
import type { Partition } from '../core/model/partition.js';
import { InputError } from '../core/errors.js';
import type { ProductListing } from '../core/model/listing.js';

export const govCloudRegions: readonly string[] = ['us-gov-east-1', 'us-gov-west-1'];

/** The regions among `regions` that need a Marketplace representative (GovCloud, unless enabled). */
export function representativeRegions(regions: readonly string[], govCloudThroughApi: boolean): string[] {
  return govCloudThroughApi ? [] : regions.filter((r) => govCloudRegions.includes(r));
}

/** The regions a change set may add: the listing's regions less those a representative enables. */
export function apiRegions(listing: Pick<ProductListing, 'regions' | 'representativeRegions'>): string[] {
  return listing.regions.filter((r) => !listing.representativeRegions.includes(r));
}

/** Every region the Marketplace can offer a product of `partition` in, sorted. */
export function knownMarketplaceRegions(regions: RegionInfo[], partition: Partition): string[] {
  const names = new Set(regions.map((r) => r.name));
  if (partition === 'aws') for (const gov of govCloudRegions) names.add(gov);
  return [...names].sort();
}

/**
 * `all`: every known region; a list: the configured regions, each checked against the known ones.
 * `field` names the configuration entry in errors.
 */
export function marketplaceRegions(
  regions: RegionInfo[],
  partition: Partition,
  configured: 'all' | string[],
  field = 'regions',
): string[] {
  const known = knownMarketplaceRegions(regions, partition);
  if (configured === 'all') return known;
  const knownSet = new Set(known);
  configured.forEach((region, i) => {
    if (!knownSet.has(region))
      throw new InputError(`region ${region} is not offered in partition ${partition}`, {
        field: `${field}[${i}]`,
        value: region,
        rule: `must be a region of partition ${partition} reported by DescribeRegions${partition === 'aws' ? ' (or a GovCloud region)' : ''}`,
        hint: `use "all" or regions such as ${known.slice(0, 4).join(', ')}`,
      });
  });
  return [...new Set(configured)].sort();
}
