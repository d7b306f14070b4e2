import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AmiProductDetails, Change, OfferDetails } from '../../src/cloud/ports.js';
import {
  changeSetDocument,
  changeSetsOf,
  newProductChanges,
  newProductGroups,
  newVersionChanges,
  validateListing,
} from '../../src/listing/change-set.js';
import { applyOfferChanges } from '../../src/listing/reconcile.js';
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
    Dimensions: l.instanceTypes.map((t) => ({
      Key: t,
      Name: t,
      Description: t,
      Unit: 'Hrs',
      Types: ['Metered'],
    })),
  };
}

/** DescribeEntity of the product's offer, as the Marketplace shows it once the listing's offer changes applied. */
function offerAs(l: ProductListing): { entityId: string; details: OfferDetails } {
  return {
    entityId: 'offer-abcdefghijklm',
    details: applyOfferChanges(
      {},
      newProductChanges(l).filter((c) => c.Entity.Type === 'Offer@1.0'),
    ),
  };
}

const byType = (changes: Change[], entityType = 'AmiProduct@1.0') =>
  Object.fromEntries(
    changes.filter((c) => c.Entity.Type === entityType).map((c) => [c.ChangeType, c.DetailsDocument]),
  );

describe('newProductChanges', () => {
  const changes = newProductChanges(listing());

  it('creates the product and its offer, and references them from every later change', () => {
    expect(changes.map((c) => `${c.Entity.Type.split('@')[0]} ${c.ChangeType}`)).toEqual([
      'AmiProduct CreateProduct',
      'Offer CreateOffer',
      'AmiProduct UpdateInformation',
      'AmiProduct AddRegions',
      'AmiProduct UpdateFutureRegionSupport',
      'AmiProduct AddDimensions',
      'AmiProduct AddInstanceTypes',
      'Offer UpdatePricingTerms',
      'Offer UpdateInformation',
      'Offer UpdateLegalTerms',
      'Offer UpdateSupportTerms',
      'AmiProduct AddDeliveryOptions',
    ]);
    expect(changes.slice(0, 2)).toEqual([
      {
        ChangeType: 'CreateProduct',
        ChangeName: 'CreateProduct',
        Entity: { Type: 'AmiProduct@1.0' },
        DetailsDocument: { ProductTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM' },
      },
      {
        ChangeType: 'CreateOffer',
        ChangeName: 'CreateOffer',
        Entity: { Type: 'Offer@1.0' },
        DetailsDocument: {
          ProductId: '$CreateProduct.Entity.Identifier',
          Name: 'Fedora 41 Cloud Base Images (x86_64) HVM',
        },
      },
    ]);
    for (const c of changes.slice(2))
      expect(c.Entity.Identifier).toBe(
        c.Entity.Type === 'Offer@1.0' ? '$CreateOffer.Entity.Identifier' : '$CreateProduct.Entity.Identifier',
      );
    expect(validateChangeSet(changes)).toEqual([]);
  });

  it('prices every instance type at 0.00 USD an hour: one metered Hrs dimension and one rate each', () => {
    const product = byType(changes);
    const offer = byType(changes, 'Offer@1.0');
    expect((product.AddInstanceTypes as { InstanceTypes: string[] }).InstanceTypes).toEqual(instanceTypes);
    expect(product.AddDimensions).toEqual(
      instanceTypes.map((t) => ({ Key: t, Name: t, Description: t, Types: ['Metered'], Unit: 'Hrs' })),
    );
    expect(offer.UpdatePricingTerms).toEqual({
      PricingModel: 'Usage',
      Terms: [
        {
          Type: 'UsageBasedPricingTerm',
          CurrencyCode: 'USD',
          RateCards: [{ RateCard: instanceTypes.map((t) => ({ DimensionKey: t, Price: '0.00' })) }],
        },
      ],
    });
  });

  it('takes the EULA, the refund policy and the offer description from configuration', () => {
    const l = listing();
    const offer = byType(changes, 'Offer@1.0');
    expect(offer.UpdateLegalTerms).toEqual({
      Terms: [
        {
          Type: 'LegalTerm',
          Documents: [{ Type: 'CustomEula', Url: sandbox().products['Cloud_Base']!.eulaUrl }],
        },
      ],
    });
    expect(offer.UpdateSupportTerms).toEqual({
      Terms: [{ Type: 'SupportTerm', RefundPolicy: sandbox().products['Cloud_Base']!.refundPolicy }],
    });
    expect(offer.UpdateInformation).toEqual({
      Name: l.productTitle,
      Description: 'Fedora 41 Cloud Base (x86_64): free of charge, no software fee.',
    });
  });

  it('uses the DetailsDocument shapes of the catalog examples', () => {
    const product = byType(changes);
    const offer = byType(changes, 'Offer@1.0');
    const pairs: Array<[unknown, string]> = [
      [product.AddDeliveryOptions, 'AddDeliveryOptions.AmiProduct.json'],
      [product.AddRegions, 'AddRegions.AmiProduct.json'],
      [product.AddInstanceTypes, 'AddInstanceTypes.AmiProduct.json'],
      [product.AddDimensions, 'AddDimensions.AmiProduct.json'],
      [product.UpdateFutureRegionSupport, 'UpdateFutureRegionSupport.AmiProduct.json'],
      [offer.UpdatePricingTerms, 'UpdatePricingTerms.Offer.json'],
      [offer.UpdateSupportTerms, 'UpdateSupportTerms.Offer.json'],
      [offer.UpdateInformation, 'UpdateInformation.Offer.json'],
    ];
    for (const [ours, file] of pairs) expect(shape(ours), file).toEqual(shape(example(file).DetailsDocument));
    const info = product.UpdateInformation as Record<string, unknown>;
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
    const doc = byType(changes).AddDeliveryOptions;
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

describe('changeSetsOf: at most 20 changes a set', () => {
  const groups = newProductGroups(listing(), listing());

  it('keeps a new product in one set', () => {
    expect(changeSetsOf(groups)).toEqual([groups.flat()]);
  });

  it('splits what does not fit into ordered sets, never separating priced instance types', () => {
    const sets = changeSetsOf(groups, 4);
    expect(sets.map((set) => set.map((c) => c.ChangeType))).toEqual([
      ['CreateProduct', 'CreateOffer', 'UpdateInformation', 'AddRegions'],
      ['UpdateFutureRegionSupport', 'AddDimensions', 'AddInstanceTypes', 'UpdatePricingTerms'],
      ['UpdateInformation', 'UpdateLegalTerms', 'UpdateSupportTerms', 'AddDeliveryOptions'],
    ]);
    expect(sets.flat()).toEqual(groups.flat());
    // The first set stands on its own; later ones are planned again with the ids it created.
    expect(validateChangeSet(sets[0]!)).toEqual([]);
    expect(() => changeSetsOf(groups, 2)).toThrow(
      /a group of 3 changes cannot share one change set of at most 2/,
    );
  });
});

describe('newVersionChanges', () => {
  const existing = listing({ productId: 'prod-abcdefghijklm' });
  const offer = offerAs(existing);
  const only = (sets: Change[][]) => {
    expect(sets).toHaveLength(1);
    return sets[0]!;
  };

  it('adds only the version when the product and its offer are in line', () => {
    const { sets, versionExists } = newVersionChanges(existing, describedAs(existing), offer);
    expect(versionExists).toBe(false);
    const changes = only(sets);
    expect(changes.map((c) => c.ChangeType)).toEqual(['AddDeliveryOptions']);
    expect(changes[0]!.Entity).toEqual({ Type: 'AmiProduct@1.0', Identifier: 'prod-abcdefghijklm' });
    expect(validateChangeSet(changes)).toEqual([]);
  });

  it('skips a version that already exists: the same title with the same AMI', () => {
    const current = describedAs(existing);
    current.Versions!.push({ Id: 'v2', VersionTitle: '41.1.4', Sources: [{ Image: existing.amiId }] });
    expect(newVersionChanges(existing, current, offer)).toEqual({ sets: [], versionExists: true });
  });

  it('reports a title another image holds instead of calling the version existing', () => {
    const current = describedAs(existing);
    current.Versions!.push({
      Id: 'v2',
      VersionTitle: '41.1.4',
      Sources: [{ Image: 'ami-0beta00000000000a' }],
    });
    expect(newVersionChanges(existing, current, offer)).toEqual({
      sets: [],
      versionExists: false,
      titleTakenBy: { amiIds: ['ami-0beta00000000000a'] },
    });
    current.Versions![current.Versions!.length - 1]!.Sources = [];
    expect(newVersionChanges(existing, current, offer).titleTakenBy).toEqual({ amiIds: [] });
  });

  it('sends only the information fields that differ', () => {
    const current = describedAs(existing);
    current.Description!.ShortDescription = 'old';
    current.Description!.Highlights = ['old'];
    const changes = only(newVersionChanges(existing, current, offer).sets);
    expect(changes.map((c) => c.ChangeType)).toEqual(['UpdateInformation', 'AddDeliveryOptions']);
    expect(changes[0]!.DetailsDocument).toEqual({
      ShortDescription: existing.shortDescription,
      Highlights: existing.highlights,
    });
  });

  it('removes a video the listing no longer has, and adds one it gained', () => {
    const current = describedAs(existing);
    current.PromotionalResources!.Videos = [{ Type: 'Link', Url: 'https://example.com/v' }];
    expect(only(newVersionChanges(existing, current, offer).sets)[0]!.DetailsDocument).toEqual({
      VideoUrls: [],
    });
    const withVideo = { ...existing, videoUrl: 'https://example.com/w' };
    expect(only(newVersionChanges(withVideo, describedAs(existing), offer).sets)[0]!.DetailsDocument).toEqual(
      {
        VideoUrls: ['https://example.com/w'],
      },
    );
  });

  it('adds missing regions (GovCloud left to a representative), and instance types with their dimensions and rates in the same set', () => {
    const current = describedAs(existing);
    current.RegionAvailability = { Regions: ['us-east-1'], FutureRegionSupport: 'None' };
    current.Compatibility = { AvailableInstanceTypes: ['t3.small', 'm5.large'] };
    current.Dimensions = current.Dimensions!.filter((d) => d.Key === 't3.small' || d.Key === 'm5.large');
    const narrow = offerAs({ ...existing, instanceTypes: ['t3.small', 'm5.large'] });
    const changes = only(newVersionChanges(existing, current, narrow).sets);
    expect(existing.representativeRegions).toEqual(['us-gov-west-1']);
    expect(changes.map((c) => [c.ChangeType, c.DetailsDocument])).toEqual([
      ['AddRegions', { Regions: ['eu-west-1'] }],
      ['UpdateFutureRegionSupport', { FutureRegionSupport: { SupportedRegions: ['All'] } }],
      [
        'AddDimensions',
        [expect.objectContaining({ Key: 'c5.large' }), expect.objectContaining({ Key: 't3.micro' })],
      ],
      ['AddInstanceTypes', { InstanceTypes: ['c5.large', 't3.micro'] }],
      ['UpdatePricingTerms', expect.anything()],
      ['AddDeliveryOptions', expect.anything()],
    ]);
    const rates = (changes[4]!.DetailsDocument as ReturnType<typeof JSON.parse>).Terms[0].RateCards[0]
      .RateCard;
    expect(rates.map((r: { DimensionKey: string }) => r.DimensionKey).sort()).toEqual(
      [...instanceTypes].sort(),
    );
    expect(validateChangeSet(changes)).toEqual([]);
  });

  it('pairs a product that has no offer with a new one, priced and with its terms', () => {
    const changes = only(newVersionChanges(existing, describedAs(existing), undefined).sets);
    expect(changes.map((c) => c.ChangeType)).toEqual([
      'CreateOffer',
      'UpdatePricingTerms',
      'UpdateInformation',
      'UpdateLegalTerms',
      'UpdateSupportTerms',
      'AddDeliveryOptions',
    ]);
    expect(changes[0]!.DetailsDocument).toEqual({
      ProductId: 'prod-abcdefghijklm',
      Name: existing.offerName,
    });
    expect(changes[1]!.Entity).toEqual({ Type: 'Offer@1.0', Identifier: '$CreateOffer.Entity.Identifier' });
    expect(validateChangeSet(changes)).toEqual([]);
  });

  it('fixes a drifted rate and changed offer terms', () => {
    const drifted = structuredClone(offer);
    drifted.details.Terms!.find(
      (t) => t.Type === 'UsageBasedPricingTerm',
    )!.RateCards![0]!.RateCard![0]!.Price = '0.05';
    const changes = only(
      newVersionChanges(
        { ...existing, refundPolicy: 'No refunds: it is free.' },
        describedAs(existing),
        drifted,
      ).sets,
    );
    expect(changes.map((c) => `${c.Entity.Identifier} ${c.ChangeType}`)).toEqual([
      'offer-abcdefghijklm UpdatePricingTerms',
      'offer-abcdefghijklm UpdateSupportTerms',
      'prod-abcdefghijklm AddDeliveryOptions',
    ]);
  });

  it('needs a product id', () => {
    expect(() => newVersionChanges(listing(), {}, undefined)).toThrow(/productId/);
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
        offerDescription: 'd'.repeat(256),
        eulaUrl: 'http://example.com/eula',
      }),
    );
    expect(issues.map((i) => `${i.path}: ${i.rule}`)).toEqual([
      'CreateProduct.DetailsDocument.ProductTitle: at most 72 characters (got 80)',
      'UpdateInformation.DetailsDocument.ProductTitle: at most 72 characters (got 80)',
      'Offer.UpdateInformation.DetailsDocument.Description: at most 255 characters (got 256)',
      'Offer.UpdateLegalTerms.DetailsDocument.Terms[0].Documents[0].Url: must be an https:// URL',
      'AddDeliveryOptions.DetailsDocument.Version.VersionTitle: at most 64 characters (got 65)',
      'AddDeliveryOptions.DetailsDocument.DeliveryOptions[0].Details.AmiDeliveryOptionDetails.RecommendedInstanceType: must be one of the instance types the product offers',
    ]);
  });
});
