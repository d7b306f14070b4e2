import { describe, expect, it } from 'vitest';
import type { AmiProductDetails, EntityDescription } from '../../src/cloud/ports.js';
import { imageAgeOf, type ImageAge } from '../../src/core/model/image-age.js';
import { buildListing } from '../../src/listing/listing.js';
import type { ProductListing } from '../../src/core/model/listing.js';
import type { Change } from '../../src/cloud/ports.js';
import {
  applyChanges,
  applyOfferChanges,
  desiredProductOf,
  formatPlan,
  planProduct,
  type CurrentListing,
  type DesiredProduct,
  type PlanOptions,
} from '../../src/listing/reconcile.js';
import { validateChangeSet } from '../../src/listing/validate.js';
import { imageRequest, instanceTypes, mirrored, newProductChangeTypes, regions, sandbox } from './helpers.js';

const now = new Date('2025-01-10T00:00:00Z');
const opts: PlanOptions = { keepVersions: 2, now };

function versionListing(label: string, ami: string): ProductListing {
  return buildListing({
    config: sandbox(),
    request: imageRequest({ label }),
    mirroredAmis: { ...mirrored, 'us-east-1': ami },
    instanceTypes,
    regions,
  });
}

/** A version whose image has a compose date, as the pipeline records it. */
function datedListing(label: string, composeId: string, ami: string): ProductListing {
  return {
    ...buildListing({
      config: sandbox(),
      request: imageRequest({ label, composeId }),
      mirroredAmis: { ...mirrored, 'us-east-1': ami },
      instanceTypes,
      regions,
    }),
    imageAge: imageAgeOf({ composeId, label }) as ImageAge,
  };
}

function desiredOf(labels: string[]): DesiredProduct {
  const versions = labels.map((label) =>
    datedListing(label, 'Fedora-41-20241027.0', 'ami-0bbbbbbbbbbbbbbbb'),
  );
  return { ...desiredProductOf(versions[0]!), versions };
}

function entity(details: AmiProductDetails, entityId = 'prod-abcdefghijklm'): EntityDescription {
  return {
    entityId,
    entityType: 'AmiProduct@1.0',
    entityArn: `arn:aws:aws-marketplace:us-east-1:1:AWSMarketplace/AmiProduct/${entityId}`,
    lastModifiedDate: '2025-01-01T00:00:00Z',
    details,
  };
}

/** The product and its offer once `changes` succeeded. */
function applied(current: CurrentListing | undefined, changes: Change[], at = now): CurrentListing {
  return {
    product: entity(applyChanges(current?.product.details ?? {}, changes, at)),
    offer: {
      entityId: current?.offer?.entityId ?? 'offer-abcdefghijklm',
      details: applyOfferChanges(current?.offer?.details ?? {}, changes),
    },
  };
}

/** Creates the product (with its offer) from a plan, then returns them. */
function created(desired: DesiredProduct): CurrentListing {
  return applied(undefined, planProduct(desired, undefined, opts).changes, new Date('2024-10-01T00:00:00Z'));
}

describe('planProduct: a new product', () => {
  const desired = desiredProductOf(versionListing('1.4', 'ami-0bbbbbbbbbbbbbbbb'));

  it('creates it with its priced offer and everything else in one valid change set', () => {
    const plan = planProduct(desired, undefined, opts);
    expect(plan.productId).toBeUndefined();
    expect(plan.changes.map((c) => c.ChangeType)).toEqual(newProductChangeTypes);
    expect(plan.deferred).toBe(0);
    expect(validateChangeSet(plan.changes)).toEqual([]);
    expect(plan.diff).toContainEqual({ kind: 'version-added', field: '41.1.4', to: 'ami-0bbbbbbbbbbbbbbbb' });
    const text = formatPlan([plan]);
    expect(text).toContain(`+ offer "${desired.metadata.productTitle}"`);
    expect(text).toContain('+ pricing dimensions: c5.large, m5.large, t3.micro, t3.small');
    expect(text).toContain('~ offer rate card: no usage rate card -> 4 rates at 0.00 USD/hour');
  });

  it('converges: planning against the result is empty', () => {
    const plan = planProduct(desired, created(desired), opts);
    expect(plan.changes).toEqual([]);
    expect(plan.diff).toEqual([{ kind: 'needs-representative', to: ['us-gov-west-1'] }]);
    expect(formatPlan([plan])).toBe(
      [
        `prod-abcdefghijklm "${desired.metadata.productTitle}" (Draft): up to date`,
        '  ? GovCloud: needs a Marketplace representative (us-gov-west-1; see the load form)',
      ].join('\n'),
    );
  });

  it('does not create a product past end of life', () => {
    expect(planProduct(desired, undefined, { ...opts, endOfLife: new Date('2024-12-01') }).changes).toEqual(
      [],
    );
  });
});

describe('planProduct: an existing product', () => {
  const first = versionListing('1.4', 'ami-0bbbbbbbbbbbbbbbb');
  const base = created(desiredProductOf(first));

  it('adds a new version only, and converges', () => {
    const second = desiredProductOf(versionListing('1.5', 'ami-0cccccccccccccccc'));
    const plan = planProduct(second, base, opts);
    expect(plan.productId).toBe('prod-abcdefghijklm');
    expect(plan.changes.map((c) => c.ChangeType)).toEqual(['AddDeliveryOptions']);
    expect(validateChangeSet(plan.changes)).toEqual([]);
    expect(planProduct(second, applied(base, plan.changes), opts).changes).toEqual([]);
  });

  it('plans the minimal metadata, region and instance type changes', () => {
    const desired: DesiredProduct = {
      ...desiredProductOf(first),
      metadata: { ...first, shortDescription: 'New short description' },
      regions: ['us-east-1', 'ap-southeast-5'],
      representativeRegions: [],
      instanceTypes: [...instanceTypes.filter((t) => t !== 'c5.large'), 'c7i.large'],
      futureRegionSupport: 'US',
    };
    const plan = planProduct(desired, base, opts);
    const rates = (keys: string[]) => ({
      PricingModel: 'Usage',
      Terms: [
        {
          Type: 'UsageBasedPricingTerm',
          CurrencyCode: 'USD',
          RateCards: [{ RateCard: keys.map((DimensionKey) => ({ DimensionKey, Price: '0.00' })) }],
        },
      ],
    });
    expect(plan.changes.map((c) => [c.ChangeType, c.DetailsDocument])).toEqual([
      ['UpdateInformation', { ShortDescription: 'New short description' }],
      ['AddRegions', { Regions: ['ap-southeast-5'] }],
      ['RestrictRegions', { Regions: ['eu-west-1'] }],
      ['UpdateFutureRegionSupport', { FutureRegionSupport: { SupportedRegions: ['US'] } }],
      [
        'AddDimensions',
        [{ Key: 'c7i.large', Name: 'c7i.large', Description: 'c7i.large', Types: ['Metered'], Unit: 'Hrs' }],
      ],
      ['AddInstanceTypes', { InstanceTypes: ['c7i.large'] }],
      ['RestrictInstanceTypes', { InstanceTypes: ['c5.large'] }],
      ['UpdatePricingTerms', rates(['m5.large', 't3.micro', 't3.small', 'c7i.large'])],
      ['RestrictDimensions', [{ Key: 'c5.large', Types: ['Metered'] }]],
    ]);
    expect(validateChangeSet(plan.changes)).toEqual([]);
    expect(plan.diff.map((d) => d.kind)).toEqual([
      'metadata',
      'regions-added',
      'regions-restricted',
      'metadata',
      'dimensions-added',
      'instance-types-added',
      'instance-types-restricted',
      'rate-card',
      'dimensions-restricted',
    ]);
    const text = formatPlan([plan]);
    expect(text).toContain('9 changes');
    expect(text).toContain('- pricing dimensions: c5.large');
    expect(text).toContain('~ ShortDescription:');
    expect(text).toContain('+ regions: ap-southeast-5');
    expect(text).toContain('- regions: eu-west-1');
    expect(text).toContain('- instance types: c5.large');
    expect(planProduct(desired, applied(base, plan.changes), opts)).toMatchObject({ changes: [], diff: [] });
  });

  it('shows and fixes drift in the dimensions, the instance types, the rate card and the offer terms', () => {
    const drifted = structuredClone(base);
    drifted.product.details.Dimensions = drifted.product.details.Dimensions!.filter(
      (d) => d.Key !== 't3.micro',
    );
    drifted.product.details.Compatibility!.AvailableInstanceTypes = ['c5.large', 'm5.large', 't3.small'];
    const pricing = drifted.offer!.details.Terms!.find((t) => t.Type === 'UsageBasedPricingTerm')!;
    pricing.RateCards![0]!.RateCard![0]!.Price = '0.10';
    drifted.offer!.details.Terms = drifted.offer!.details.Terms!.filter((t) => t.Type !== 'SupportTerm');
    const desired = desiredProductOf(first);
    const plan = planProduct(desired, drifted, opts);
    expect(plan.changes.map((c) => c.ChangeType)).toEqual([
      'AddDimensions',
      'AddInstanceTypes',
      'UpdatePricingTerms',
      'UpdateSupportTerms',
    ]);
    expect(formatPlan([plan])).toContain(
      '~ offer rate card: 4 rates at 0.10, 0.00 USD/hour -> 4 rates at 0.00 USD/hour',
    );
    expect(formatPlan([plan])).toContain('~ offer RefundPolicy: (unset) -> ');
    expect(planProduct(desired, applied(drifted, plan.changes), opts).changes).toEqual([]);
  });

  it('pairs an existing product that has no offer with one', () => {
    const plan = planProduct(desiredProductOf(first), { product: base.product }, opts);
    expect(plan.changes.map((c) => `${c.Entity.Type} ${c.ChangeType}`)).toEqual([
      'Offer@1.0 CreateOffer',
      'Offer@1.0 UpdatePricingTerms',
      'Offer@1.0 UpdateInformation',
      'Offer@1.0 UpdateLegalTerms',
      'Offer@1.0 UpdateSupportTerms',
    ]);
    expect(validateChangeSet(plan.changes)).toEqual([]);
  });

  it('adds a new version first and restricts what it pushes out only once it exists', () => {
    let current = base;
    for (const [i, label] of ['1.5', '1.6'].entries()) {
      const plan = planProduct(desiredProductOf(versionListing(label, 'ami-0bbbbbbbbbbbbbbbb')), current, {
        ...opts,
        keepVersions: 5,
      });
      current = applied(current, plan.changes, new Date(Date.UTC(2024, 10, 1 + i)));
    }
    // Three versions exist (1.4 oldest); with 1.7 and keepVersions 2, 1.7 and 1.6 stay.
    const desired = desiredOf(['1.4', '1.5', '1.6', '1.7']);
    const adding = planProduct(desired, current, opts);
    expect(adding.changes.map((c) => c.ChangeType)).toEqual(['AddDeliveryOptions']);
    expect(adding.retention.map((e) => [e.versionTitle, e.decision])).toEqual([
      ['41.1.7', 'add'],
      ['41.1.6', 'keep'],
      ['41.1.5', 'restrict-later'],
      ['41.1.4', 'restrict-later'],
    ]);
    current = applied(current, adding.changes, new Date('2024-11-05T00:00:00Z'));

    const restricting = planProduct(desired, current, opts);
    const ids = (title: string) =>
      current.product.details
        .Versions!.find((v) => v.VersionTitle === title)!
        .DeliveryOptions!.map((o) => o.Id);
    expect(restricting.changes.map((c) => c.ChangeType)).toEqual(['RestrictDeliveryOptions']);
    expect(restricting.changes[0]!.DetailsDocument).toEqual({
      DeliveryOptionIds: [...ids('41.1.5'), ...ids('41.1.4')],
    });
    expect(validateChangeSet(restricting.changes)).toEqual([]);
    expect(formatPlan([restricting])).toContain('- version 41.1.5 (delivery options ');
    const after = applied(current, restricting.changes, new Date('2024-11-06T00:00:00Z'));
    expect(planProduct(desired, after, opts).changes).toEqual([]);
  });

  it("orders versions by the image's compose date and respin, never by when they were added", () => {
    // Five updates of F41 added newest first, as a replay or a backfill does.
    const composes = ['20250301.0', '20250308.0', '20250308.1', '20250315.0', '20250322.0'];
    const listings = composes.map((c, i) =>
      datedListing(`${c}`, `Fedora-Cloud-41-updates-${c}`, `ami-0${String(i + 1).repeat(16)}`),
    );
    const desired = { ...desiredProductOf(listings[0]!), versions: listings };
    let current: CurrentListing | undefined;
    for (const [i, listing] of [...listings].reverse().entries()) {
      const plan = planProduct({ ...desired, versions: [listing] }, current, { ...opts, keepVersions: 10 });
      current = applied(current, plan.changes, new Date(Date.UTC(2025, 3, 1 + i)));
    }
    const plan = planProduct(desired, current, { ...opts, keepVersions: 3 });
    expect(plan.retention.map((e) => [e.versionTitle, e.decision])).toEqual([
      ['41.20250322.0', 'keep'],
      ['41.20250315.0', 'keep'],
      ['41.20250308.1', 'keep'],
      ['41.20250308.0', 'restrict'],
      ['41.20250301.0', 'restrict'],
    ]);
    expect(plan.diff.filter((d) => d.kind === 'version-restricted').map((d) => d.field)).toEqual([
      '41.20250308.0',
      '41.20250301.0',
    ]);
    const text = formatPlan([plan]);
    expect(text).toContain('versions, newest first (by compose date and respin):');
    expect(text).toContain(
      '41.20250308.1: keep [compose 2025-03-08 respin 1, label 20250308.1 (from the compose id)]',
    );
  });

  it('never restricts the newest version or the last public one', () => {
    const listings = ['1.4', '1.5'].map((label, i) =>
      datedListing(label, `Fedora-41-2024102${i}.0`, `ami-0${String(i + 1).repeat(16)}`),
    );
    const desired = { ...desiredProductOf(listings[0]!), versions: listings };
    let current = applied(
      undefined,
      planProduct({ ...desired, versions: [listings[0]!] }, undefined, opts).changes,
    );
    current = applied(current, planProduct(desired, current, opts).changes);
    // An operator restricted the newest version by hand; keepVersions 1 would now restrict the only public one.
    const newest = current.product.details.Versions!.find((v) => v.VersionTitle === '41.1.5')!;
    current = applied(current, [
      {
        ChangeType: 'RestrictDeliveryOptions',
        Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-abcdefghijklm' },
        DetailsDocument: { DeliveryOptionIds: newest.DeliveryOptions!.map((o) => o.Id) },
      },
    ]);
    const plan = planProduct(desired, current, { ...opts, keepVersions: 1 });
    expect(plan.changes).toEqual([]);
    expect(plan.retention.map((e) => [e.versionTitle, e.decision])).toEqual([
      ['41.1.5', 'keep'],
      ['41.1.4', 'keep-guarded'],
    ]);
  });

  it('restricts the product of an end-of-life release, once', () => {
    const eol = { ...opts, endOfLife: new Date('2025-01-01') };
    const released = applied(base, [
      {
        ChangeType: 'ReleaseProduct',
        Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-abcdefghijklm' },
        DetailsDocument: {},
      },
    ]);
    expect(planProduct(desiredProductOf(first), base, eol).changes).toEqual([]);
    const plan = planProduct(desiredProductOf(first), released, eol);
    expect(plan.changes).toEqual([
      {
        ChangeType: 'UpdateVisibility',
        Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-abcdefghijklm' },
        DetailsDocument: { TargetVisibility: 'Restricted' },
      },
    ]);
    expect(formatPlan([plan])).toContain('! visibility: Limited -> Restricted');
    expect(planProduct(desiredProductOf(first), applied(released, plan.changes), eol).changes).toEqual([]);
    expect(
      planProduct(desiredProductOf(first), released, { ...opts, endOfLife: new Date('2025-02-01') }).changes,
    ).toEqual([]);
  });
});

describe('applyChanges', () => {
  it('is pure and models each change type', () => {
    const before: AmiProductDetails = {
      Description: { Visibility: 'Public' },
      RegionAvailability: { Regions: ['us-east-1', 'eu-west-1'] },
      Compatibility: { AvailableInstanceTypes: ['t3.small'] },
    };
    const snapshot = structuredClone(before);
    const id = 'prod-abcdefghijklm';
    const e = { Type: 'AmiProduct@1.0', Identifier: id };
    const after = applyChanges(
      before,
      [
        { ChangeType: 'RestrictRegions', Entity: e, DetailsDocument: { Regions: ['eu-west-1'] } },
        {
          ChangeType: 'AddInstanceTypes',
          Entity: e,
          DetailsDocument: { InstanceTypes: ['t3.micro', 't3.small'] },
        },
        {
          ChangeType: 'UpdateInformation',
          Entity: e,
          DetailsDocument: { VideoUrls: ['https://example.com/v'], SupportDescription: 's' },
        },
        { ChangeType: 'UpdateVisibility', Entity: e, DetailsDocument: { TargetVisibility: 'Restricted' } },
      ],
      now,
    );
    expect(before).toEqual(snapshot);
    expect(after.RegionAvailability).toEqual({ Regions: ['us-east-1'], Restrict: ['eu-west-1'] });
    expect(after.Compatibility).toEqual({
      AvailableInstanceTypes: ['t3.small', 't3.micro'],
      RestrictedInstanceTypes: [],
    });
    expect(after.PromotionalResources?.Videos).toEqual([{ Type: 'Link', Url: 'https://example.com/v' }]);
    expect(after.SupportInformation).toEqual({ Description: 's' });
    expect(after.Description?.Visibility).toBe('Restricted');
    expect(() =>
      applyChanges(before, [{ ChangeType: 'UpdateTargeting', Entity: e, DetailsDocument: {} }], now),
    ).toThrow(/UpdateTargeting/);
  });

  it('adds versions with valid delivery option ids and restricts them', () => {
    const listing = versionListing('1.4', 'ami-0bbbbbbbbbbbbbbbb');
    const e = { Type: 'AmiProduct@1.0', Identifier: 'prod-abcdefghijklm' };
    const added = applyChanges(
      {},
      [
        {
          ChangeType: 'AddDeliveryOptions',
          Entity: e,
          DetailsDocument: planProduct(desiredProductOf(listing), undefined, opts).changes.find(
            (c) => c.ChangeType === 'AddDeliveryOptions',
          )!.DetailsDocument,
        },
      ],
      now,
    );
    const version = added.Versions![0]!;
    expect(version).toMatchObject({
      VersionTitle: '41.1.4',
      CreationDate: now.toISOString(),
      Sources: [{ Image: 'ami-0bbbbbbbbbbbbbbbb' }],
    });
    const optionId = version.DeliveryOptions![0]!.Id!;
    expect(
      validateChangeSet([
        {
          ChangeType: 'RestrictDeliveryOptions',
          Entity: e,
          DetailsDocument: { DeliveryOptionIds: [optionId] },
        },
      ]),
    ).toEqual([]);
    const restricted = applyChanges(
      added,
      [
        {
          ChangeType: 'RestrictDeliveryOptions',
          Entity: e,
          DetailsDocument: { DeliveryOptionIds: [optionId] },
        },
      ],
      now,
    );
    expect(restricted.Versions![0]!.DeliveryOptions![0]!.Visibility).toBe('Restricted');
  });
});
