/**
 * Every change our builders produce, for the example configurations, checked against AWS's own shapes
 * (`schemas/aws-catalog/`, the judge the simulated Marketplace uses): a new product with its offer, a
 * version of an existing product (with and without an offer, with drift to fix), what `plan` restricts,
 * the release and the request for Public. References are resolved to ids first, as AWS does.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detailsViolations,
  isCatalogEntityType,
  withReferencesResolved,
} from '../../src/cloud/catalog-shapes.js';
import type { AmiProductDetails, Change } from '../../src/cloud/ports.js';
import { instanceTypesIn } from '../../src/cloud/sim/instance-types-fixture.js';
import { regionsByPartition } from '../../src/cloud/sim/regions-fixture.js';
import { loadConfig, resolveListing } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { AwsArch } from '../../src/core/arch.js';
import type { ProductListing } from '../../src/core/model/listing.js';
import { newProductChanges, newVersionChanges } from '../../src/listing/change-set.js';
import { deriveInstanceTypes } from '../../src/listing/instance-types.js';
import { publicVisibilityChanges, releaseChanges } from '../../src/listing/lifecycle.js';
import { buildListing } from '../../src/listing/listing.js';
import {
  applyChanges,
  applyOfferChanges,
  desiredProductOf,
  planProduct,
} from '../../src/listing/reconcile.js';
import { marketplaceRegions } from '../../src/listing/regions.js';
import { repoRoot } from '../helpers/cli.js';
import { imageRequest } from './helpers.js';

const productId = 'prod-abcdefghijklm';
const offerId = 'offer-abcdefghijklm';
const now = new Date('2025-01-10T00:00:00Z');

function listingOf(config: Config, subvariant: string, arch: AwsArch): ProductListing {
  const product = resolveListing(config.products[subvariant]!, arch);
  const request = imageRequest({ subvariant, arch });
  return buildListing({
    config,
    request,
    mirroredAmis: { 'us-east-1': 'ami-0bbbbbbbbbbbbbbbb' },
    instanceTypes: deriveInstanceTypes(instanceTypesIn('us-east-1', arch), {
      arch,
      exclude: product.instanceTypes.exclude,
      includePreviousGeneration: product.instanceTypes.includePreviousGeneration,
      recommended: product.recommendedInstanceType,
      subvariant,
    }),
    regions: marketplaceRegions([...regionsByPartition.aws], 'aws', product.regions, 'regions'),
  });
}

/** Every change the builders make for one listing, through every path a product can take. */
function everyChange(listing: ProductListing): Change[] {
  const created = newProductChanges(listing);
  const product: AmiProductDetails = applyChanges({}, created, now);
  const offer = { entityId: offerId, details: applyOfferChanges({}, created) };
  const existing = { ...listing, productId, versionTitle: `${listing.versionTitle}.1` };

  // An older product: no offer, fewer instance types and regions, nothing priced.
  const bare: AmiProductDetails = {
    ...structuredClone(product),
    Dimensions: [],
    Compatibility: { AvailableInstanceTypes: listing.instanceTypes.slice(1) },
    RegionAvailability: { Regions: listing.regions.slice(1), FutureRegionSupport: 'None' },
  };
  // Drift the other way: more instance types and regions than wanted, a paid rate, other terms.
  const wider: AmiProductDetails = {
    ...structuredClone(product),
    Dimensions: [...(product.Dimensions ?? []), { Key: 'x9.large', Types: ['Metered'] }],
    Compatibility: { AvailableInstanceTypes: [...listing.instanceTypes, 'x9.large'] },
    RegionAvailability: { ...product.RegionAvailability, Regions: [...listing.regions, 'mars-north-1'] },
  };
  const paid = structuredClone(offer);
  paid.details.Terms = (paid.details.Terms ?? []).filter((t) => t.Type === 'UsageBasedPricingTerm');
  const entity = (details: AmiProductDetails) => ({
    entityId: productId,
    entityType: 'AmiProduct@1.0' as const,
    entityArn: productId,
    lastModifiedDate: now.toISOString(),
    details,
  });
  const versions = (['1.1', '1.2', '1.3'] as const).map((label, i) => ({
    ...listing,
    versionTitle: `${listing.versionTitle}.${label}`,
    amiId: `ami-0${String(i + 1).repeat(16)}`,
  }));
  let retained = product;
  for (const v of versions) retained = applyChanges(retained, newProductChanges(v).slice(-1), now);
  const desired = { ...desiredProductOf({ ...listing, productId }), versions };

  return [
    ...created,
    ...newVersionChanges(existing, bare, undefined).sets.flat(),
    ...newVersionChanges(existing, product, paid).sets.flat(),
    ...planProduct(
      desiredProductOf({ ...listing, productId }),
      { product: entity(wider), offer: paid },
      {
        keepVersions: 3,
        now,
      },
    ).changes,
    ...planProduct(desired, { product: entity(retained), offer }, { keepVersions: 1, now }).changes,
    ...planProduct(
      desiredProductOf({ ...listing, productId }),
      {
        product: entity({ ...product, Description: { ...product.Description, Visibility: 'Public' } }),
        offer,
      },
      { keepVersions: 3, now, endOfLife: new Date('2024-12-31T00:00:00Z') },
    ).changes,
    ...releaseChanges(productId, offerId, listing),
    ...publicVisibilityChanges(productId),
  ];
}

const configurations = [
  ['the embedded sandbox configuration', undefined],
  ['examples/fedora.yaml', join(repoRoot, 'examples', 'fedora.yaml')],
  ['examples/local-aws.yaml', join(repoRoot, 'examples', 'local-aws.yaml')],
] as const;

describe("every change the builders produce keeps AWS's shapes", () => {
  const seen = new Set<string>();

  it.each(configurations)('for %s', (_name, file) => {
    const { config } = loadConfig(file);
    for (const subvariant of Object.keys(config.products)) {
      for (const arch of ['x86_64', 'arm64'] as const) {
        for (const change of everyChange(listingOf(config, subvariant, arch))) {
          const entityType = change.Entity.Type;
          if (!isCatalogEntityType(entityType)) throw new Error(`unknown entity type ${entityType}`);
          seen.add(`${entityType} ${change.ChangeType}`);
          const details = withReferencesResolved(change.DetailsDocument, (name) =>
            name === 'CreateOffer' ? offerId : productId,
          );
          expect(
            detailsViolations(entityType, change.ChangeType, details),
            `${subvariant} ${arch} ${entityType} ${change.ChangeType}`,
          ).toEqual([]);
        }
      }
    }
  });

  it('covered every change type the builders make', () => {
    expect([...seen].sort()).toEqual([
      'AmiProduct@1.0 AddDeliveryOptions',
      'AmiProduct@1.0 AddDimensions',
      'AmiProduct@1.0 AddInstanceTypes',
      'AmiProduct@1.0 AddRegions',
      'AmiProduct@1.0 CreateProduct',
      'AmiProduct@1.0 ReleaseProduct',
      'AmiProduct@1.0 RestrictDeliveryOptions',
      'AmiProduct@1.0 RestrictDimensions',
      'AmiProduct@1.0 RestrictInstanceTypes',
      'AmiProduct@1.0 RestrictRegions',
      'AmiProduct@1.0 UpdateFutureRegionSupport',
      'AmiProduct@1.0 UpdateInformation',
      'AmiProduct@1.0 UpdateVisibility',
      'Offer@1.0 CreateOffer',
      'Offer@1.0 ReleaseOffer',
      'Offer@1.0 UpdateInformation',
      'Offer@1.0 UpdateLegalTerms',
      'Offer@1.0 UpdatePricingTerms',
      'Offer@1.0 UpdateSupportTerms',
    ]);
  });
});
