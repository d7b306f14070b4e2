/**
 * The simulated Marketplace as a judge of a listing's life: offer, pricing, terms, release, the
 * reviewed request for Public visibility, GovCloud, and what DescribeEntity shows afterwards.
 */
import { describe, expect, it } from 'vitest';
import { entityDetailsViolations } from '../../../src/cloud/catalog-shapes.js';
import type { SimConfig } from '../../../src/config/schema.js';
import type { CatalogPort, Change, ChangeSetDescription } from '../../../src/cloud/ports.js';
import type { ManualClock } from '../../../src/core/clock.js';
import {
  addDimensions,
  addVersion,
  changeSetSeconds,
  instanceTypes,
  limitedListingChanges,
  listableAmi,
  makeSim,
  newProductChanges,
  offerChanges,
  offerRef,
  pricingTerms,
  productRef,
  rejection,
  releaseOffer,
  releaseProduct,
  simConfig,
  updateVisibility,
} from './sim-fixture.js';

const title = 'Fedora 41 Cloud Base Images (x86_64) HVM';
const dayMs = 86_400_000;

let tokens = 0;

async function start(catalog: CatalogPort, changes: Change[]): Promise<string> {
  tokens += 1;
  const { changeSetId } = await catalog.startChangeSet({
    changes,
    changeSetName: `lifecycle ${tokens}`,
    clientRequestToken: `lifecycle-${tokens}`,
  });
  return changeSetId;
}

async function settle(
  catalog: CatalogPort,
  clock: ManualClock,
  changes: Change[],
): Promise<ChangeSetDescription> {
  const id = await start(catalog, changes);
  clock.advance(changeSetSeconds * 1000);
  return catalog.describeChangeSet(id);
}

const errorCodes = (d: ChangeSetDescription) =>
  d.changes.flatMap((c) => c.errors.map((e) => `${c.changeType}:${e.code}`));

async function setup(marketplace: Partial<SimConfig['marketplace']> = {}) {
  const { cloud, clock } = makeSim({ sim: simConfig({ marketplace }) });
  const amiId = await listableAmi(cloud, clock);
  return { cloud, clock, amiId, catalog: cloud.clients('aws').catalog };
}

/** The product and offer a successful set created. */
function created(d: ChangeSetDescription): { productId: string; offerId: string } {
  const id = (type: string) => d.changes.find((c) => c.changeType === type)?.entity.identifier ?? '';
  return { productId: id('CreateProduct'), offerId: id('CreateOffer') };
}

describe('simulated Marketplace: a listing from Draft to Public', () => {
  it("releases a product with a free offer in one change set, as AWS's reference set does", async () => {
    const { cloud, clock, amiId, catalog } = await setup();
    const done = await settle(catalog, clock, limitedListingChanges(title, '41.1.4', amiId));
    expect(errorCodes(done)).toEqual([]);
    expect(done.status).toBe('SUCCEEDED');
    const { productId, offerId } = created(done);
    expect(offerId).toMatch(/^offer-[a-z0-9]{13}$/);

    const product = await catalog.describeEntity(productId, 'AmiProduct@1.0');
    expect(product.details.Description?.Visibility).toBe('Limited');
    expect(product.details.Dimensions?.map((d) => d.Key)).toEqual(instanceTypes);
    const offer = await catalog.describeEntity(offerId, 'Offer@1.0');
    expect(offer).toMatchObject({
      entityType: 'Offer@1.0',
      entityArn: `arn:aws:aws-marketplace:us-east-1:444455556666:AWSMarketplace/Offer/${offerId}`,
      details: { Id: offerId, ProductId: productId, State: 'Released', Name: 'Fedora Cloud Base' },
    });
    expect(offer.details.Terms?.map((t) => t.Type)).toEqual([
      'UsageBasedPricingTerm',
      'LegalTerm',
      'SupportTerm',
    ]);
    // What the simulation answers is what AWS's DescribeEntity shapes allow.
    expect(entityDetailsViolations('AmiProduct@1.0', product.details)).toEqual([]);
    expect(entityDetailsViolations('Offer@1.0', offer.details)).toEqual([]);

    expect(await catalog.listEntities({ entityType: 'Offer', productId })).toEqual([
      expect.objectContaining({ entityId: offerId, entityType: 'Offer', productId, state: 'Released' }),
    ]);
    expect(await catalog.listEntities({ entityType: 'Offer', productId: 'prod-other0000000' })).toEqual([]);
    expect(await catalog.listEntities({ entityType: 'AmiProduct', productTitle: title })).toEqual([
      expect.objectContaining({ entityId: productId, visibility: 'Limited' }),
    ]);
    await expect(catalog.describeEntity(offerId, 'AmiProduct@1.0')).rejects.toMatchObject({
      kind: 'not-found',
    });
    expect(cloud.state().products).toEqual([
      expect.objectContaining({ id: productId, visibility: 'Limited', offerId, offerState: 'Released' }),
    ]);
  });

  it('reviews a request for Public visibility for the configured time, then makes the product Public', async () => {
    const { cloud, clock, amiId, catalog } = await setup({
      publicReview: { outcome: 'approve', seconds: 2 * 86_400, reason: 'unused' },
    });
    const { productId } = created(
      await settle(catalog, clock, limitedListingChanges(title, '41.1.4', amiId)),
    );
    const id = await start(catalog, [updateVisibility(productId, 'Public')]);
    clock.advance(dayMs);
    expect((await catalog.describeChangeSet(id)).status).toBe('APPLYING');
    expect((await catalog.describeEntity(productId)).details.Description?.Visibility).toBe('Limited');
    clock.advance(dayMs + changeSetSeconds * 1000);
    expect((await catalog.describeChangeSet(id)).status).toBe('SUCCEEDED');
    expect(cloud.state().products[0]?.visibility).toBe('Public');
  });

  it('fails a refused visibility request with the reason AWS gives', async () => {
    const reason = 'The product description does not describe the software.';
    const { clock, amiId, catalog } = await setup({
      publicReview: { outcome: 'refuse', seconds: 0, reason },
    });
    const { productId } = created(
      await settle(catalog, clock, limitedListingChanges(title, '41.1.4', amiId)),
    );
    const refused = await settle(catalog, clock, [updateVisibility(productId, 'Public')]);
    expect(refused).toMatchObject({ status: 'FAILED', failureCode: 'CLIENT_ERROR' });
    expect(refused.changes[0]?.errors).toEqual([{ code: 'VISIBILITY_REQUEST_REJECTED', message: reason }]);
    expect((await catalog.describeEntity(productId)).details.Description?.Visibility).toBe('Limited');
  });

  it('refuses to release a product without an offer, or whose offer does not price every instance type', async () => {
    const { clock, amiId, catalog } = await setup();
    const noOffer = await settle(catalog, clock, [
      ...newProductChanges(title, '41.1.4', amiId),
      releaseProduct(productRef),
    ]);
    expect(errorCodes(noOffer)).toEqual(['ReleaseProduct:OFFER_REQUIRED']);

    const unpriced = await settle(catalog, clock, [
      ...newProductChanges(title, '41.1.4', amiId),
      addDimensions(productRef, ['t3.small']),
      releaseProduct(productRef),
      ...offerChanges(productRef, ['t3.small']),
      releaseOffer(offerRef),
    ]);
    expect(errorCodes(unpriced)).toEqual(['ReleaseProduct:UNPRICED_INSTANCE_TYPE']);
    expect(unpriced.changes.find((c) => c.changeType === 'ReleaseProduct')?.errors[0]?.message).toContain(
      'm6i.large',
    );

    const noTerms = await settle(catalog, clock, [
      ...newProductChanges(title, '41.1.4', amiId),
      addDimensions(productRef),
      releaseProduct(productRef),
      ...offerChanges(productRef).filter((c) => c.ChangeType !== 'UpdateSupportTerms'),
    ]);
    expect(errorCodes(noTerms)).toEqual(['ReleaseProduct:MISSING_TERMS']);
    expect(await catalog.listEntities({ entityType: 'AmiProduct' })).toEqual([]);
  });

  it('keeps every instance type of a released product priced', async () => {
    const { clock, amiId, catalog } = await setup();
    const { productId, offerId } = created(
      await settle(catalog, clock, limitedListingChanges(title, '41.1.4', amiId)),
    );
    const addType = (type: string): Change => ({
      ChangeType: 'AddInstanceTypes',
      Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
      DetailsDocument: { InstanceTypes: [type] },
    });
    const alone = await settle(catalog, clock, [addType('c6i.large')]);
    expect(errorCodes(alone)).toEqual(['AddInstanceTypes:UNPRICED_INSTANCE_TYPE']);

    const paired = await settle(catalog, clock, [
      addDimensions(productId, ['c6i.large']),
      addType('c6i.large'),
      pricingTerms(offerId, [...instanceTypes, 'c6i.large']),
    ]);
    expect(errorCodes(paired)).toEqual([]);
    const source = (await catalog.describeEntity(productId)).details.Versions?.[0]?.Sources?.[0];
    expect(source?.Compatibility?.AvailableInstanceTypes).toEqual([...instanceTypes, 'c6i.large']);

    const unknownRate = await settle(catalog, clock, [
      pricingTerms(offerId, [...instanceTypes, 'c6i.large', 'x9.huge']),
    ]);
    expect(errorCodes(unknownRate)).toEqual(['UpdatePricingTerms:INVALID_DIMENSION']);
  });

  it('refuses Public for a draft, and a released offer whose product is still a draft', async () => {
    const { clock, amiId, catalog } = await setup({
      publicReview: { outcome: 'approve', seconds: 0, reason: 'unused' },
    });
    const draft = await settle(catalog, clock, [
      ...newProductChanges(title, '41.1.4', amiId),
      addDimensions(productRef),
      ...offerChanges(productRef),
      releaseOffer(offerRef),
    ]);
    expect(errorCodes(draft)).toEqual(['ReleaseOffer:INVALID_STATE']);
    const { productId } = created(
      await settle(catalog, clock, [
        ...newProductChanges(title, '41.1.4', amiId),
        addDimensions(productRef),
        ...offerChanges(productRef),
      ]),
    );
    const publicDraft = await settle(catalog, clock, [updateVisibility(productId, 'Public')]);
    expect(errorCodes(publicDraft)).toEqual(['UpdateVisibility:INVALID_STATE']);
  });

  it('refuses GovCloud regions in AddRegions unless the seller account is enabled for GovCloud', async () => {
    const addGovCloud = async (env: Awaited<ReturnType<typeof setup>>) => {
      const { productId } = created(
        await settle(env.catalog, env.clock, newProductChanges(title, '41.1.4', env.amiId)),
      );
      return settle(env.catalog, env.clock, [
        {
          ChangeType: 'AddRegions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
          DetailsDocument: { Regions: ['ca-central-1', 'us-gov-west-1'] },
        },
      ]);
    };
    const failed = await addGovCloud(await setup());
    expect(errorCodes(failed)).toEqual(['AddRegions:INVALID_REGION']);
    expect(failed.changes[0]?.errors[0]?.message).toMatch(/us-gov-west-1 .*Marketplace representative/);
    expect((await addGovCloud(await setup({ govCloudEnabled: true }))).status).toBe('SUCCEEDED');
  });

  it("shows AWS's rewritten values in DescribeEntity, or what was sent when told to", async () => {
    const rewritten = await setup();
    const { productId } = created(
      await settle(rewritten.catalog, rewritten.clock, newProductChanges(title, '41.1.4', rewritten.amiId)),
    );
    const shown = (await rewritten.catalog.describeEntity(productId)).details;
    expect(shown.PromotionalResources?.LogoUrl).toMatch(
      /^https:\/\/awsmp-logos\.s3\.amazonaws\.com\/seller-[0-9a-f]{13}\/[0-9a-f]{32}\.png$/,
    );
    expect(shown.RegionAvailability?.FutureRegionSupport).toBeNull();
    expect(shown.Compatibility).toBeUndefined();

    const asSent = await setup({ rewriteEntityDetails: false });
    const created2 = created(
      await settle(asSent.catalog, asSent.clock, newProductChanges(title, '41.1.4', asSent.amiId)),
    );
    const plain = (await asSent.catalog.describeEntity(created2.productId)).details;
    expect(plain.PromotionalResources?.LogoUrl).toBe('https://fedoraproject.org/logo.png');
    expect(plain.Compatibility?.AvailableInstanceTypes).toEqual(instanceTypes);
  });
});

describe('simulated Marketplace: requests refused at once', () => {
  it('refuses unknown entity and change types, oversized sets, VALIDATE for other changes, and the same change twice', async () => {
    const { amiId, catalog } = await setup();
    const cases: Array<[Change[], string, 'APPLY' | 'VALIDATE']> = [
      [
        [{ ChangeType: 'CreateProduct', Entity: { Type: 'SaaSProduct@1.0' }, DetailsDocument: {} }],
        'ChangeSet[0].Entity.Type',
        'APPLY',
      ],
      [
        [
          {
            ChangeType: 'AddWidgets',
            Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-aaaaaaaaaaaaa' },
            DetailsDocument: {},
          },
        ],
        'ChangeSet[0].ChangeType',
        'APPLY',
      ],
      [
        Array.from({ length: 21 }, (_, i) => addVersion('prod-aaaaaaaaaaaaa', `41.1.${i}`, amiId)),
        'ChangeSet',
        'APPLY',
      ],
      [[releaseProduct('prod-aaaaaaaaaaaaa')], 'Intent', 'VALIDATE'],
      [[addVersion(productRef, '41.1.4', amiId)], 'ChangeSet[0].Entity.Identifier', 'APPLY'],
      [
        [
          {
            ChangeType: 'CreateOffer',
            Entity: { Type: 'Offer@1.0' },
            DetailsDocument: { ProductId: '$Nothing.Entity.Identifier' },
          },
        ],
        'ChangeSet[0].DetailsDocument',
        'APPLY',
      ],
    ];
    for (const [changes, field, intent] of cases) {
      const error = await rejection(
        catalog.startChangeSet({ changes, changeSetName: 'bad', clientRequestToken: `bad-${field}`, intent }),
      );
      expect(error.awsCode, field).toBe('ValidationException');
      expect(error.details.map((d) => d.field)).toContain(field);
    }
    expect(await catalog.listChangeSets({})).toEqual([]);
  });

  it('refuses a change type AWS has but the simulation does not model as not supported', async () => {
    const { catalog } = await setup();
    const error = await rejection(
      catalog.startChangeSet({
        changes: [
          {
            ChangeType: 'UpdateMarkup',
            Entity: { Type: 'Offer@1.0', Identifier: 'offer-aaaaaaaaaaaaa' },
            DetailsDocument: { Percentage: '5' },
          },
        ],
        changeSetName: 'markup',
        clientRequestToken: 'markup',
      }),
    );
    expect(error.awsCode).toBe('ResourceNotSupportedException');
  });
});
