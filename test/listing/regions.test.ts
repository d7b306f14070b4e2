import { describe, expect, it } from 'vitest';
import type { RegionInfo } from '../../src/cloud/ports.js';
import { InputError } from '../../src/core/errors.js';
import { marketplaceRegions } from '../../src/listing/regions.js';

const commercial: RegionInfo[] = [
  { name: 'us-west-2', optInStatus: 'opt-in-not-required' },
  { name: 'us-east-1', optInStatus: 'opt-in-not-required' },
  { name: 'af-south-1', optInStatus: 'not-opted-in' },
  { name: 'ap-southeast-5', optInStatus: 'opted-in' },
  { name: 'eu-west-1', optInStatus: 'opt-in-not-required' },
];

describe('marketplaceRegions', () => {
  it('all: every commercial region, opt-in ones included, plus GovCloud, sorted', () => {
    expect(marketplaceRegions(commercial, 'aws', 'all')).toEqual([
      'af-south-1',
      'ap-southeast-5',
      'eu-west-1',
      'us-east-1',
      'us-gov-east-1',
      'us-gov-west-1',
      'us-west-2',
    ]);
  });

  it('all in GovCloud or China: only what DescribeRegions reports', () => {
    const gov: RegionInfo[] = [
      { name: 'us-gov-west-1', optInStatus: 'opt-in-not-required' },
      { name: 'us-gov-east-1', optInStatus: 'opt-in-not-required' },
    ];
    expect(marketplaceRegions(gov, 'aws-us-gov', 'all')).toEqual(['us-gov-east-1', 'us-gov-west-1']);
    expect(
      marketplaceRegions([{ name: 'cn-north-1', optInStatus: 'opt-in-not-required' }], 'aws-cn', 'all'),
    ).toEqual(['cn-north-1']);
  });

  it('a configured list is checked, deduplicated and sorted', () => {
    expect(
      marketplaceRegions(commercial, 'aws', ['us-west-2', 'us-gov-west-1', 'af-south-1', 'us-west-2']),
    ).toEqual(['af-south-1', 'us-gov-west-1', 'us-west-2']);
  });

  it('an unknown region is an error naming it', () => {
    let caught: unknown;
    try {
      marketplaceRegions(commercial, 'aws', ['us-east-1', 'eu-central-9'], 'products.Cloud_Base.regions');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const ctx = (caught as InputError).context;
    expect(ctx.field).toBe('products.Cloud_Base.regions[1]');
    expect(ctx.value).toBe('eu-central-9');
    expect((caught as InputError).message).toContain('eu-central-9');
    expect(() => marketplaceRegions(commercial, 'aws-cn', ['us-gov-west-1'])).toThrow(
      /not offered in partition aws-cn/,
    );
  });
});
