/**
 * The rules that span a whole change set, checked on the drafted entities once every change has been
 * applied (AWS's own reference set releases the product before it creates the offer, so order within a
 * set cannot matter). From AWS's documentation: a product must be paired with an offer to be sold;
 * a released product's every instance type is a pricing dimension with a rate in its offer; release
 * needs legal and support terms; Public needs a released offer; a version recommends one of the
 * product's instance types.
 */
import type { ChangeSetError } from '../ports.js';
import type { SimChange, SimOffer, SimProduct } from './world-state.js';

/** The drafted entities of one change set, and the offers of a product whether drafted or stored. */
export interface SetView {
  changes: SimChange[];
  products: ReadonlyMap<string, SimProduct>;
  offers: ReadonlyMap<string, SimOffer>;
  offersOf(productId: string): SimOffer[];
  productOf(productId: string): SimProduct | undefined;
}

export interface LifecycleError {
  change: SimChange;
  error: ChangeSetError;
}

const released = (visibility: string | undefined) => visibility === 'Limited' || visibility === 'Public';

function ratedKeys(offer: SimOffer): Set<string> {
  return new Set(
    (offer.details.Terms ?? [])
      .filter((t) => t.Type === 'UsageBasedPricingTerm')
      .flatMap((t) => t.RateCards ?? [])
      .flatMap((card) => card.RateCard ?? [])
      .flatMap((rate) => (rate.DimensionKey ? [rate.DimensionKey] : [])),
  );
}

/** The product's available instance types that lack a dimension of that key or a rate in `offer`. */
function unpricedTypes(product: SimProduct, offer: SimOffer): string[] {
  const dimensions = new Set((product.details.Dimensions ?? []).map((d) => d.Key));
  const rated = ratedKeys(offer);
  return (product.details.Compatibility?.AvailableInstanceTypes ?? []).filter(
    (type) => !dimensions.has(type) || !rated.has(type),
  );
}

const hasTerm = (offer: SimOffer, type: string) => (offer.details.Terms ?? []).some((t) => t.Type === type);

/** The first change of the set (by preferred change type) on one of `entityIds`, to carry an error. */
function culprit(view: SetView, entityIds: string[], preferred: string[]): SimChange | undefined {
  const onEntities = view.changes.filter(
    (c) => c.resolvedIdentifier !== undefined && entityIds.includes(c.resolvedIdentifier),
  );
  for (const type of preferred) {
    const found = onEntities.find((c) => c.ChangeType === type);
    if (found) return found;
  }
  return onEntities[0];
}

function productErrors(view: SetView, product: SimProduct): LifecycleError[] {
  const out: LifecycleError[] = [];
  const id = product.productId;
  const offers = view.offersOf(id);
  const offerIds = offers.map((o) => o.offerId);
  const mine = (type: string) =>
    view.changes.find((c) => c.resolvedIdentifier === id && c.ChangeType === type);
  const push = (change: SimChange | undefined, code: string, message: string) => {
    if (change) out.push({ change, error: { code, message } });
  };

  if (released(product.details.Description?.Visibility)) {
    if (offers.length === 0) {
      push(
        culprit(view, [id], ['ReleaseProduct', 'UpdateVisibility']),
        'OFFER_REQUIRED',
        `Product ${id} has no offer: a product must be paired with an offer (CreateOffer with ProductId ${id}) before it is released`,
      );
    } else {
      const gaps = offers.map((o) => unpricedTypes(product, o)).sort((a, b) => a.length - b.length)[0] ?? [];
      if (gaps.length > 0)
        push(
          culprit(
            view,
            [id, ...offerIds],
            [
              'ReleaseProduct',
              'AddInstanceTypes',
              'RestrictDimensions',
              'UpdatePricingTerms',
              'UpdateVisibility',
            ],
          ),
          'UNPRICED_INSTANCE_TYPE',
          `Instance type(s) ${gaps.join(', ')} of product ${id} need a pricing dimension (AddDimensions, Key = the instance type) and a rate in the offer's UsageBasedPricingTerm`,
        );
    }
  }

  const release = mine('ReleaseProduct');
  if (release) {
    const live = (product.details.Versions ?? []).some((v) =>
      (v.DeliveryOptions ?? []).some((o) => o.Visibility !== 'Restricted'),
    );
    if (!live)
      push(release, 'MISSING_VERSION', `Product ${id} needs a version (AddDeliveryOptions) to be released`);
    if (offers.length > 0 && !offers.some((o) => hasTerm(o, 'LegalTerm') && hasTerm(o, 'SupportTerm')))
      push(
        release,
        'MISSING_TERMS',
        `The offer of product ${id} needs legal terms (UpdateLegalTerms) and support terms (UpdateSupportTerms) before release`,
      );
  }

  const visibility = mine('UpdateVisibility');
  const target = (visibility?.DetailsDocument as { TargetVisibility?: string } | undefined)?.TargetVisibility;
  if (visibility && target === 'Public' && !offers.some((o) => o.details.State === 'Released'))
    push(
      visibility,
      'OFFER_NOT_RELEASED',
      `Product ${id} needs a released offer (ReleaseOffer) to become Public`,
    );

  const added = mine('AddDeliveryOptions');
  const recommended = (
    added?.DetailsDocument as
      | {
          DeliveryOptions?: Array<{
            Details?: { AmiDeliveryOptionDetails?: { RecommendedInstanceType?: string } };
          }>;
        }
      | undefined
  )?.DeliveryOptions?.[0]?.Details?.AmiDeliveryOptionDetails?.RecommendedInstanceType;
  if (
    added &&
    recommended !== undefined &&
    !(product.details.Compatibility?.AvailableInstanceTypes ?? []).includes(recommended)
  )
    push(
      added,
      'INVALID_RECOMMENDED_INSTANCE_TYPE',
      `RecommendedInstanceType ${recommended} is not one of the instance types of product ${id}`,
    );
  return out;
}

function offerErrors(view: SetView, offer: SimOffer): LifecycleError[] {
  const out: LifecycleError[] = [];
  const product = view.productOf(offer.details.ProductId ?? '');
  const mine = (type: string) =>
    view.changes.find((c) => c.resolvedIdentifier === offer.offerId && c.ChangeType === type);

  const pricing = mine('UpdatePricingTerms');
  if (pricing && product) {
    const dimensions = new Set((product.details.Dimensions ?? []).map((d) => d.Key));
    const unknown = [...ratedKeys(offer)].filter((key) => !dimensions.has(key));
    if (unknown.length > 0)
      out.push({
        change: pricing,
        error: {
          code: 'INVALID_DIMENSION',
          message: `Rate card dimension(s) ${unknown.join(', ')} are not dimensions of product ${product.productId}`,
        },
      });
  }

  const release = mine('ReleaseOffer');
  if (release) {
    if (!released(product?.details.Description?.Visibility))
      out.push({
        change: release,
        error: {
          code: 'INVALID_STATE',
          message: `Offer ${offer.offerId} can only be released with or after its product (ReleaseProduct)`,
        },
      });
    const missing = [
      ...(offer.details.Name ? [] : ['a name (UpdateInformation)']),
      ...((offer.details.Terms ?? []).some((t) => /PricingTerm$/.test(t.Type ?? ''))
        ? []
        : ['pricing terms (UpdatePricingTerms)']),
      ...(hasTerm(offer, 'LegalTerm') ? [] : ['legal terms (UpdateLegalTerms)']),
      ...(hasTerm(offer, 'SupportTerm') ? [] : ['support terms (UpdateSupportTerms)']),
    ];
    if (missing.length > 0)
      out.push({
        change: release,
        error: {
          code: 'MISSING_TERMS',
          message: `Offer ${offer.offerId} needs ${missing.join(', ')} to be released`,
        },
      });
  }
  return out;
}

export function lifecycleErrors(view: SetView): LifecycleError[] {
  return [
    ...[...view.products.values()].flatMap((product) => productErrors(view, product)),
    ...[...view.offers.values()].flatMap((offer) => offerErrors(view, offer)),
  ];
}
