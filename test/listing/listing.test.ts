import { describe, expect, it } from 'vitest';
import { ConfigError, InputError } from '../../src/core/errors.js';
import { buildListing, productTitleFor, skuFor } from '../../src/listing/listing.js';
import { imageRequest, instanceTypes, mirrored, regions, sandbox } from './helpers.js';

describe('buildListing', () => {
  it('joins configuration and pipeline facts', () => {
    const config = sandbox();
    const listing = buildListing({
      config,
      request: imageRequest(),
      mirroredAmis: mirrored,
      instanceTypes,
      regions,
    });
    expect(listing).toMatchObject({
      subvariant: 'Cloud_Base',
      release: 41,
      arch: 'x86_64',
      productTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM',
      sku: 'fedora-41-cloud-base-x86_64',
      versionTitle: '41.1.4',
      amiId: 'ami-0bbbbbbbbbbbbbbbb',
      sourceAmiId: 'ami-0aaaaaaaaaaaaaaaa',
      mirroredAmis: mirrored,
      accessRoleArn: 'arn:aws:iam::444455556666:role/AWSMarketplaceAmiIngestion',
      userName: 'fedora',
      operatingSystemName: 'FEDORA',
      operatingSystemVersion: '41',
      scanningPort: 22,
      recommendedInstanceType: 't3.small',
      regions,
      instanceTypes,
      futureRegionSupport: 'All',
      securityGroups: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['0.0.0.0/0'] }],
      composeId: 'Fedora-41-20241027.0',
      imageName: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
    });
    expect(listing.productId).toBeUndefined();
    expect(listing.releaseNotes).toContain('compose Fedora-41-20241027.0');
    expect(listing.releaseNotes).toContain('/f41/release-notes/');
    expect(listing.shortDescription).toContain('Fedora Cloud Base 41 (x86_64)');
  });

  it('applies architecture overrides and the configured product id', () => {
    const config = sandbox();
    config.products.Cloud_Base!.productIds['41/arm64'] = 'prod-abcdefghijklm';
    const listing = buildListing({
      config,
      request: imageRequest({ arch: 'arm64', imageName: 'Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4' }),
      mirroredAmis: mirrored,
      instanceTypes: ['t4g.small'],
      regions,
    });
    expect(listing.recommendedInstanceType).toBe('t4g.small');
    expect(listing.productTitle).toBe('Fedora 41 Cloud Base Images (aarch64) HVM');
    expect(listing.sku).toBe('fedora-41-cloud-base-arm64');
    expect(listing.productId).toBe('prod-abcdefghijklm');
    const explicit = buildListing({
      config,
      request: imageRequest({ arch: 'arm64' }),
      mirroredAmis: mirrored,
      instanceTypes: ['t4g.small'],
      regions,
      productId: 'prod-zzzzzzzzzzzzz',
    });
    expect(explicit.productId).toBe('prod-zzzzzzzzzzzzz');
  });

  it('takes the access role of the listing partition', () => {
    const config = sandbox();
    config.partitions['aws-us-gov'] = {
      ...config.partitions.aws!,
      baseRegion: 'us-gov-west-1',
      marketplace: {
        ...config.partitions.aws!.marketplace,
        accessRoleArn: 'arn:aws-us-gov:iam::111122223333:role/Gov',
      },
    };
    const listing = buildListing({
      config,
      request: imageRequest(),
      mirroredAmis: { 'us-gov-west-1': 'ami-0dddddddddddddddd' },
      instanceTypes,
      regions: ['us-gov-west-1'],
      partition: 'aws-us-gov',
    });
    expect(listing.accessRoleArn).toBe('arn:aws-us-gov:iam::111122223333:role/Gov');
    expect(listing.amiId).toBe('ami-0dddddddddddddddd');
    expect(() =>
      buildListing({
        config,
        request: imageRequest(),
        mirroredAmis: mirrored,
        instanceTypes,
        regions,
        partition: 'aws-cn',
      }),
    ).toThrow(ConfigError);
  });

  it('requires the base-region mirror', () => {
    try {
      buildListing({
        config: sandbox(),
        request: imageRequest(),
        mirroredAmis: { 'eu-west-1': 'ami-0cccccccccccccccc' },
        instanceTypes,
        regions,
      });
      throw new Error('expected an InputError');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).context.field).toBe('mirroredAmis.us-east-1');
    }
  });

  it('refuses image placeholders in product metadata and unknown placeholders anywhere', () => {
    const config = sandbox();
    config.products.Cloud_Base!.title = 'Fedora {release} ({label})';
    expect(() => productTitleFor(config, { subvariant: 'Cloud_Base', release: 41, arch: 'x86_64' })).toThrow(
      /products.Cloud_Base.title/,
    );
    const config2 = sandbox();
    config2.products.Cloud_Base!.releaseNotes = 'Fedora {releese}';
    expect(() =>
      buildListing({
        config: config2,
        request: imageRequest(),
        mirroredAmis: mirrored,
        instanceTypes,
        regions,
      }),
    ).toThrow(/products.Cloud_Base.releaseNotes: unknown placeholder \{releese\}/);
  });

  it('names a subvariant that is not configured', () => {
    expect(() => productTitleFor(sandbox(), { subvariant: 'Server', release: 41, arch: 'x86_64' })).toThrow(
      ConfigError,
    );
  });
});

describe('productTitleFor and skuFor', () => {
  it('render the product identity', () => {
    expect(productTitleFor(sandbox(), { subvariant: 'Cloud_Base', release: 42, arch: 'arm64' })).toBe(
      'Fedora 42 Cloud Base Images (aarch64) HVM',
    );
    expect(skuFor({ release: 42, arch: 'x86_64', subvariant: 'Cloud_Base' })).toBe(
      'fedora-42-cloud-base-x86_64',
    );
  });

  it('give a prerelease a product of its own and a version title that says what it is', () => {
    const facts = { subvariant: 'Cloud_Base', release: 43, arch: 'x86_64' as const, prerelease: true };
    expect(productTitleFor(sandbox(), facts)).toBe('Fedora 43 Cloud Base Images (x86_64) HVM Prerelease');
    expect(skuFor(facts)).toBe('fedora-43-cloud-base-x86_64-prerelease');
    const beta = buildListing({
      config: sandbox(),
      request: { ...imageRequest({ label: '1.4' }), prerelease: true },
      mirroredAmis: mirrored,
      instanceTypes,
      regions,
    });
    const ga = buildListing({
      config: sandbox(),
      request: imageRequest({ label: '1.4' }),
      mirroredAmis: mirrored,
      instanceTypes,
      regions,
    });
    expect(beta.versionTitle).toBe('41.1.4 Prerelease');
    expect(ga.versionTitle).toBe('41.1.4');
    expect(beta.productTitle).not.toBe(ga.productTitle);
  });
});
