/**
 * The public offer that makes a product sellable ("a product must be paired with an offer to become a
 * transactable unit"), and its pricing. A free AMI product is still priced: every instance type is a
 * metered `Hrs` dimension of the product with a 0.00 rate in the offer's usage rate card
 * (reference/marketplace-listing-lifecycle.md). Adding or restricting instance types therefore changes
 * three things that move together, in one change set: the dimensions, the product's instance types and
 * the rate card.
 */
import type { AmiProductDetails, Change, EntityDescription, OfferDetails } from '../cloud/ports.js';
import type { ProductListing } from '../core/model/listing.js';
import { availableInstanceTypes } from './entity-reading.js';
import type { PlanDiff } from './plan-diff.js';
import { amiProductEntityType, offerEntityType } from './validate.js';

export const createOfferChangeName = 'CreateOffer';
export const createdOfferRef = `$${createOfferChangeName}.Entity.Identifier`;
/**
 * The hourly rate of a free listing. Canonical's tool publishes free AMI listings as `Usage` at 0.00;
 * AWS's shapes also have a `Free` pricing model, unverified for AMI products (README).
 */
export const freeRate = '0.00';
const currency = 'USD';

/** The offer's part of a listing. */
export type OfferListing = Pick<
  ProductListing,
  'offerName' | 'offerDescription' | 'eulaUrl' | 'refundPolicy'
>;

export function productChange(ChangeType: string, Identifier: string, DetailsDocument: unknown): Change {
  return { ChangeType, Entity: { Type: amiProductEntityType, Identifier }, DetailsDocument };
}

export function offerChange(ChangeType: string, Identifier: string, DetailsDocument: unknown): Change {
  return { ChangeType, Entity: { Type: offerEntityType, Identifier }, DetailsDocument };
}

export const addInstanceTypes = (id: string, types: string[]) =>
  productChange('AddInstanceTypes', id, { InstanceTypes: [...types] });
export const restrictInstanceTypes = (id: string, types: string[]) =>
  productChange('RestrictInstanceTypes', id, { InstanceTypes: [...types] });
/** One metered hourly dimension per instance type, keyed and named by the type (AWS's reference sets). */
export const addDimensions = (id: string, types: string[]) =>
  productChange(
    'AddDimensions',
    id,
    types.map((t) => ({ Key: t, Name: t, Description: t, Types: ['Metered'], Unit: 'Hrs' })),
  );
export const restrictDimensions = (id: string, types: string[]) =>
  productChange(
    'RestrictDimensions',
    id,
    types.map((t) => ({ Key: t, Types: ['Metered'] })),
  );

export function pricingDocument(dimensions: string[]) {
  return {
    PricingModel: 'Usage',
    Terms: [
      {
        Type: 'UsageBasedPricingTerm',
        CurrencyCode: currency,
        RateCards: [{ RateCard: dimensions.map((DimensionKey) => ({ DimensionKey, Price: freeRate })) }],
      },
    ],
  };
}

export const offerInformationDocument = (o: OfferListing) => ({
  Name: o.offerName,
  Description: o.offerDescription,
});
export const legalTermsDocument = (eulaUrl: string) => ({
  Terms: [{ Type: 'LegalTerm', Documents: [{ Type: 'CustomEula', Url: eulaUrl }] }],
});
export const supportTermsDocument = (refundPolicy: string) => ({
  Terms: [{ Type: 'SupportTerm', RefundPolicy: refundPolicy }],
});

/** A public offer for `productId` (an id, or the reference to the set's CreateProduct). */
export function createOffer(productId: string, name: string): Change {
  return {
    ChangeType: 'CreateOffer',
    ChangeName: createOfferChangeName,
    Entity: { Type: offerEntityType },
    DetailsDocument: { ProductId: productId, Name: name },
  };
}
export const updateOfferInformation = (offerId: string, o: OfferListing) =>
  offerChange('UpdateInformation', offerId, offerInformationDocument(o));
export const updatePricingTerms = (offerId: string, dimensions: string[]) =>
  offerChange('UpdatePricingTerms', offerId, pricingDocument(dimensions));
export const updateLegalTerms = (offerId: string, eulaUrl: string) =>
  offerChange('UpdateLegalTerms', offerId, legalTermsDocument(eulaUrl));
export const updateSupportTerms = (offerId: string, refundPolicy: string) =>
  offerChange('UpdateSupportTerms', offerId, supportTermsDocument(refundPolicy));

/** The three changes that offer `types` on a product that has none of them: they go in one set. */
export function pricedInstanceTypes(productId: string, offerId: string, types: string[]): Change[] {
  return [
    addDimensions(productId, types),
    addInstanceTypes(productId, types),
    updatePricingTerms(offerId, types),
  ];
}

/** The product's offer as DescribeEntity shows it. */
export type CurrentOffer = Pick<EntityDescription<'Offer@1.0'>, 'entityId' | 'details'>;

/** The offer's usage rates, dimension -> price; undefined when it has no USD usage rate card. */
export function rateCardOf(offer: OfferDetails): Map<string, string> | undefined {
  const term = (offer.Terms ?? []).find(
    (t) => t.Type === 'UsageBasedPricingTerm' && t.CurrencyCode === currency,
  );
  if (!term) return undefined;
  const rates = new Map<string, string>();
  for (const card of term.RateCards ?? [])
    for (const rate of card.RateCard ?? [])
      if (rate.DimensionKey && rate.Price !== undefined) rates.set(rate.DimensionKey, rate.Price);
  return rates;
}

/** Exactly these dimensions, each at the free rate (prices compared as numbers: `0` is `0.00`). */
function isFreeCardOf(rates: Map<string, string> | undefined, dimensions: string[]): boolean {
  if (!rates || rates.size !== dimensions.length) return false;
  return dimensions.every((d) => rates.has(d) && Number(rates.get(d)) === Number(freeRate));
}

function eulaUrlsOf(offer: OfferDetails): string[] {
  return (offer.Terms ?? [])
    .filter((t) => t.Type === 'LegalTerm')
    .flatMap((t) => t.Documents ?? [])
    .map((d) => (d.Type === 'CustomEula' ? (d.Url ?? '') : `${d.Type ?? '?'} ${d.Version ?? ''}`.trim()));
}

function refundPolicyOf(offer: OfferDetails): string | undefined {
  return (offer.Terms ?? []).find((t) => t.Type === 'SupportTerm')?.RefundPolicy;
}

function describeRates(rates: Map<string, string> | undefined): string {
  if (!rates) return 'no usage rate card';
  const prices = [...new Set(rates.values())];
  return `${rates.size} rate${rates.size === 1 ? '' : 's'} at ${prices.join(', ') || '-'} ${currency}/hour`;
}

export interface OfferPlanArgs {
  /** The product: its id, or the reference to the set's CreateProduct. */
  productId: string;
  offer: OfferListing;
  /** The instance types the product should offer. */
  instanceTypes: string[];
  /** The product as DescribeEntity shows it. */
  product: AmiProductDetails;
  /** The product's offer, undefined when it has none yet. */
  current: CurrentOffer | undefined;
  /** Also restrict instance types (and their dimensions) that are no longer wanted; else only add. */
  restrict: boolean;
}

/**
 * The changes that make the product's offer and pricing what the listing says, as groups: each group
 * must go in one change set (the instance types with their dimensions and rates), groups in order.
 */
export interface OfferPlan {
  groups: Change[][];
  diff: PlanDiff[];
}

export function offerPlan(args: OfferPlanArgs): OfferPlan {
  const { productId, offer, current } = args;
  const offerId = current?.entityId ?? createdOfferRef;
  const details: OfferDetails = current?.details ?? {};
  const groups: Change[][] = [];
  const diff: PlanDiff[] = [];
  if (!current) {
    groups.push([createOffer(productId, offer.offerName)]);
    diff.push({ kind: 'offer-created', to: offer.offerName });
  }

  const types = availableInstanceTypes(args.product);
  const dimensions = (args.product.Dimensions ?? []).flatMap((d) => (d.Key ? [d.Key] : []));
  const typesToAdd = args.instanceTypes.filter((t) => !types.includes(t));
  const typesToRestrict = args.restrict ? types.filter((t) => !args.instanceTypes.includes(t)) : [];
  const typesAfter = [...types.filter((t) => !typesToRestrict.includes(t)), ...typesToAdd];
  // Every instance type the product keeps offering needs its dimension, whoever removed it.
  const dimensionsToAdd = typesAfter.filter((t) => !dimensions.includes(t));
  const dimensionsToRestrict = args.restrict ? dimensions.filter((d) => !typesAfter.includes(d)) : [];
  const dimensionsAfter = [
    ...dimensions.filter((d) => !dimensionsToRestrict.includes(d)),
    ...dimensionsToAdd,
  ];
  const rates = rateCardOf(details);

  const pricing: Change[] = [];
  if (dimensionsToAdd.length > 0) {
    pricing.push(addDimensions(productId, dimensionsToAdd));
    diff.push({ kind: 'dimensions-added', to: dimensionsToAdd });
  }
  if (typesToAdd.length > 0) {
    pricing.push(addInstanceTypes(productId, typesToAdd));
    diff.push({ kind: 'instance-types-added', to: typesToAdd });
  }
  if (typesToRestrict.length > 0) {
    pricing.push(restrictInstanceTypes(productId, typesToRestrict));
    diff.push({ kind: 'instance-types-restricted', from: typesToRestrict });
  }
  if (!isFreeCardOf(rates, dimensionsAfter)) {
    pricing.push(updatePricingTerms(offerId, dimensionsAfter));
    diff.push({
      kind: 'rate-card',
      from: describeRates(rates),
      to: describeRates(new Map(dimensionsAfter.map((d) => [d, freeRate]))),
    });
  }
  if (dimensionsToRestrict.length > 0) {
    pricing.push(restrictDimensions(productId, dimensionsToRestrict));
    diff.push({ kind: 'dimensions-restricted', from: dimensionsToRestrict });
  }
  if (pricing.length > 0) groups.push(pricing);

  if (
    (details.Name ?? undefined) !== offer.offerName ||
    (details.Description ?? undefined) !== offer.offerDescription
  ) {
    groups.push([updateOfferInformation(offerId, offer)]);
    if (details.Name !== offer.offerName)
      diff.push({ kind: 'offer', field: 'Name', from: details.Name ?? undefined, to: offer.offerName });
    if (details.Description !== offer.offerDescription)
      diff.push({
        kind: 'offer',
        field: 'Description',
        from: details.Description ?? undefined,
        to: offer.offerDescription,
      });
  }
  const eulas = eulaUrlsOf(details);
  if (eulas.length !== 1 || eulas[0] !== offer.eulaUrl) {
    groups.push([updateLegalTerms(offerId, offer.eulaUrl)]);
    diff.push({
      kind: 'offer',
      field: 'EULA',
      from: eulas.length > 0 ? eulas : undefined,
      to: offer.eulaUrl,
    });
  }
  const refundPolicy = refundPolicyOf(details);
  if (refundPolicy !== offer.refundPolicy) {
    groups.push([updateSupportTerms(offerId, offer.refundPolicy)]);
    diff.push({ kind: 'offer', field: 'RefundPolicy', from: refundPolicy, to: offer.refundPolicy });
  }
  return { groups, diff };
}
