import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AmiProductDetails, Change } from '../../src/cloud/ports.js';
import {
  changeSetDocument,
  newProductChanges,
  newVersionChanges,
  validateListing,
} from '../../src/listing/change-set.js';
import { buildListing } from '../../src/listing/listing.js';
import type { ProductListing } from '../../src/core/model/listing.js';
import { validateChangeSet } from '../../src/listing/validate.js';
import { imageRequest, instanceTypes, mirrored, regions, sandbox } from './helpers.js';

const examples = '/work/shared/reference/catalog-examples';
const example = (file: string) =>
  (JSON.parse(readFileSync(`${examples}/${file}`, 'utf8')) as { ChangeSet: Change[] }).ChangeSet[0]!;

function listing(overrides: Partial<ProductListing> = {}): ProductListing {
  return {
    ...buildListing({
      config: sandbox(),
      request: imageRequest(),
      mirroredAmis: mirrored,
      instanceTypes,
      regions,
    }),
    ...overrides,
  };
}

/** Recursively, the key structure of a JSON value (values replaced by their type). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, shape(v)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  return typeof value;
}

/** DescribeEntity of the product the listing describes, as the Marketplace shows it after creation. */
function describedAs(l: ProductListing): AmiProductDetails {
  return {
    Versions: [{ Id: 'v1', VersionTitle: '41.1.3', CreationDate: '2024-10-01T00:00:00Z' }],
    Description: {
      ProductTitle: l.productTitle,
      ShortDescription: l.shortDescription,
      LongDescription: l.longDescription,
      Sku: l.sku,
      Highlights: l.highlights,
      SearchKeywords: l.searchKeywords,
      Categories: l.categories,
      Visibility: 'Public',
    },
    PromotionalResources: {
      LogoUrl: l.logoUrl,
      Videos: [],
      AdditionalResources: l.additionalResources.map((r) => ({ Type: 'Link', Text: r.text, Url: r.url })),
    },
    SupportInformation: { Description: l.supportDescription },
    RegionAvailability: { Regions: [...l.regions], FutureRegionSupport: l.futureRegionSupport },
    Compatibility: { AvailableInstanceTypes: [...l.instanceTypes], RestrictedInstanceTypes: [] },
  };
}

describe('newProductChanges', () => {
  const changes = newProductChanges(listing());

  it('creates the product and references it from every later change', () => {
    expect(changes.map((c) => c.ChangeType)).toEqual([
      'CreateProduct',
      'UpdateInformation',
      'AddRegions',
      'UpdateFutureRegionSupport',
      'AddInstanceTypes',
      'AddDeliveryOptions',
    ]);
    expect(changes[0]).toEqual({
      ChangeType: 'CreateProduct',
      ChangeName: 'CreateProduct',
      Entity: { Type: 'AmiProduct@1.0' },
      DetailsDocument: { ProductTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM' },
    });
    for (const c of changes.slice(1))
      expect(c.Entity).toEqual({ Type: 'AmiProduct@1.0', Identifier: '$CreateProduct.Entity.Identifier' });
    expect(validateChangeSet(changes)).toEqual([]);
  });

  it('uses the DetailsDocument shapes of the catalog examples', () => {
    const byType = Object.fromEntries(changes.map((c) => [c.ChangeType, c.DetailsDocument]));
    expect(shape(byType.AddDeliveryOptions)).toEqual(
      shape(example('AddDeliveryOptions.AmiProduct.json').DetailsDocument),
    );
    expect(shape(byType.AddRegions)).toEqual(shape(example('AddRegions.AmiProduct.json').DetailsDocument));
    expect(shape(byType.AddInstanceTypes)).toEqual(
      shape(example('AddInstanceTypes.AmiProduct.json').DetailsDocument),
    );
    expect(shape(byType.UpdateFutureRegionSupport)).toEqual(
      shape(example('UpdateFutureRegionSupport.AmiProduct.json').DetailsDocument),
    );
    const info = byType.UpdateInformation as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(
      [
        ...Object.keys(
          example('UpdateInformation.AmiProduct.with-SupportDescription.json').DetailsDocument as object,
        ),
        'Sku',
      ].sort(),
    );
  });

  it('fills the delivery option from the listing', () => {
    const doc = changes[5]!.DetailsDocument as ReturnType<typeof JSON.parse>;
    expect(doc).toEqual({
      Version: { VersionTitle: '41.1.4', ReleaseNotes: listing().releaseNotes },
      DeliveryOptions: [
        {
          Details: {
            AmiDeliveryOptionDetails: {
              AmiSource: {
                AmiId: 'ami-0bbbbbbbbbbbbbbbb',
                AccessRoleArn: 'arn:aws:iam::444455556666:role/AWSMarketplaceAmiIngestion',
                UserName: 'fedora',
                OperatingSystemName: 'FEDORA',
                OperatingSystemVersion: '41',
                ScanningPort: 22,
              },
              UsageInstructions: listing().usageInstructions,
              RecommendedInstanceType: 't3.small',
              SecurityGroups: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: ['0.0.0.0/0'] }],
            },
          },
        },
      ],
    });
  });

  it('writes the StartChangeSet body', () => {
    expect(changeSetDocument(changes)).toEqual({ Catalog: 'AWSMarketplace', ChangeSet: changes });
  });
});

describe('newVersionChanges', () => {
  const existing = listing({ productId: 'prod-abcdefghijklm' });

  it('adds only the version when the metadata is unchanged', () => {
    const { changes, versionExists } = newVersionChanges(existing, describedAs(existing));
    expect(versionExists).toBe(false);
    expect(changes.map((c) => c.ChangeType)).toEqual(['AddDeliveryOptions']);
    expect(changes[0]!.Entity).toEqual({ Type: 'AmiProduct@1.0', Identifier: 'prod-abcdefghijklm' });
    expect(validateChangeSet(changes)).toEqual([]);
  });

  it('skips a version that already exists: the same title with the same AMI', () => {
    const current = describedAs(existing);
    current.Versions!.push({ Id: 'v2', VersionTitle: '41.1.4', Sources: [{ Image: existing.amiId }] });
    expect(newVersionChanges(existing, current)).toEqual({ changes: [], versionExists: true });
  });

  it('reports a title another image holds instead of calling the version existing', () => {
    const current = describedAs(existing);
    current.Versions!.push({
      Id: 'v2',
      VersionTitle: '41.1.4',
      Sources: [{ Image: 'ami-0beta00000000000a' }],
    });
    expect(newVersionChanges(existing, current)).toEqual({
      changes: [],
      versionExists: false,
      titleTakenBy: { amiIds: ['ami-0beta00000000000a'] },
    });
    current.Versions![current.Versions!.length - 1]!.Sources = [];
    expect(newVersionChanges(existing, current).titleTakenBy).toEqual({ amiIds: [] });
  });

  it('sends only the information fields that differ', () => {
    const current = describedAs(existing);
    current.Description!.ShortDescription = 'old';
    current.Description!.Highlights = ['old'];
    const { changes } = newVersionChanges(existing, current);
    expect(changes.map((c) => c.ChangeType)).toEqual(['UpdateInformation', 'AddDeliveryOptions']);
    expect(changes[0]!.DetailsDocument).toEqual({
      ShortDescription: existing.shortDescription,
      Highlights: existing.highlights,
    });
  });

  it('removes a video the listing no longer has, and adds one it gained', () => {
    const current = describedAs(existing);
    current.PromotionalResources!.Videos = [{ Type: 'Link', Url: 'https://example.com/v' }];
    expect(newVersionChanges(existing, current).changes[0]!.DetailsDocument).toEqual({ VideoUrls: [] });
    const withVideo = { ...existing, videoUrl: 'https://example.com/w' };
    expect(newVersionChanges(withVideo, describedAs(existing)).changes[0]!.DetailsDocument).toEqual({
      VideoUrls: ['https://example.com/w'],
    });
  });

  it('adds only the missing regions (GovCloud left to a representative) and instance types, and fixes future region support', () => {
    const current = describedAs(existing);
    current.RegionAvailability = { Regions: ['us-east-1'], FutureRegionSupport: 'None' };
    current.Compatibility = { AvailableInstanceTypes: ['t3.small', 'm5.large'] };
    const { changes } = newVersionChanges(existing, current);
    expect(existing.representativeRegions).toEqual(['us-gov-west-1']);
    expect(changes.map((c) => [c.ChangeType, c.DetailsDocument])).toEqual([
      ['AddRegions', { Regions: ['eu-west-1'] }],
      ['UpdateFutureRegionSupport', { FutureRegionSupport: { SupportedRegions: ['All'] } }],
      ['AddInstanceTypes', { InstanceTypes: ['c5.large', 't3.micro'] }],
      ['AddDeliveryOptions', expect.anything()],
    ]);
    expect(validateChangeSet(changes)).toEqual([]);
  });

  it('needs a product id', () => {
    expect(() => newVersionChanges(listing(), {})).toThrow(/productId/);
  });
});

describe('validateListing', () => {
  it('accepts the sandbox listing', () => {
    expect(validateListing(listing())).toEqual([]);
  });

  it('reports broken limits by change type and field', () => {
    const issues = validateListing(
      listing({
        productTitle: 'T'.repeat(80),
        versionTitle: 'v'.repeat(65),
        recommendedInstanceType: 'c6i.large',
      }),
    );
    expect(issues.map((i) => `${i.path}: ${i.rule}`)).toEqual([
      'CreateProduct.DetailsDocument.ProductTitle: at most 72 characters (got 80)',
      'UpdateInformation.DetailsDocument.ProductTitle: at most 72 characters (got 80)',
      'AddDeliveryOptions.DetailsDocument.Version.VersionTitle: at most 64 characters (got 65)',
      'AddDeliveryOptions.DetailsDocument.DeliveryOptions[0].Details.AmiDeliveryOptionDetails.RecommendedInstanceType: must be one of the instance types the product offers',
    ]);
  });
});
