/**
 * The regions a product is offered in. The Marketplace distributes to opt-in regions too, and accepts
 * the GovCloud region codes in AddRegions of a commercial product, so `all` includes both.
 */
import type { RegionInfo } from '../cloud/ports.js';
import type { Partition } from '../core/model/partition.js';
import { InputError } from '../core/errors.js';

export const govCloudRegions: readonly string[] = ['us-gov-east-1', 'us-gov-west-1'];

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
