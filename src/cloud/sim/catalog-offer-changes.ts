/**
 * How each Offer@1.0 change type the simulation models alters an offer: a public offer of one of the
 * seller's products, its name, its pricing, legal and support terms, and its release. AWS's shapes
 * leave every term field optional; the rules here are the ones AWS's documentation and reference
 * change sets show (a LegalTerm's documents, a SupportTerm's refund policy, usage rates in USD).
 */
import type { Partition } from '../../core/model/partition.js';
import type { ChangeSetError, OfferDetails, OfferTerm } from '../ports.js';
import type { ApplyContext } from './catalog-product-changes.js';
import type { SimOffer, SimProduct } from './world-state.js';

type Details = Record<string, unknown>;

export interface OfferApplyContext extends Omit<ApplyContext, 'before'> {
  /** The seller's product of that id, as drafted so far in the set. */
  productOf(productId: string): SimProduct | undefined;
}

export type OfferHandler = (offer: SimOffer, details: Details, ctx: OfferApplyContext) => ChangeSetError[];

export function newOffer(offerId: string, sellerAccount: string, partition: Partition, at: number): SimOffer {
  return {
    offerId,
    sellerAccount,
    partition,
    lastModifiedAt: at,
    details: { Id: offerId, Name: null, Description: null, State: 'Draft', Terms: [] },
  };
}

/** A decimal amount such as `0.00` or `0.123`. */
const pricePattern = /^\d{1,9}(\.\d{1,9})?$/;

const createOffer: OfferHandler = (offer, d, ctx) => {
  const productId = typeof d.ProductId === 'string' ? d.ProductId : '';
  if (!ctx.productOf(productId))
    return [
      {
        code: 'INVALID_PRODUCT_ID',
        message: `ProductId ${productId} is not a product of this seller`,
      },
    ];
  offer.details.ProductId = productId;
  if (typeof d.Name === 'string') offer.details.Name = d.Name;
  return [];
};

const updateInformation: OfferHandler = (offer, d) => {
  if (typeof d.Name === 'string') offer.details.Name = d.Name;
  if (typeof d.Description === 'string') offer.details.Description = d.Description;
  return [];
};

const termsOf = (d: Details): OfferTerm[] => (Array.isArray(d.Terms) ? (d.Terms as OfferTerm[]) : []);

/** Replaces the offer's terms of the kind an UpdateXxxTerms change manages with the ones it carries. */
function replaceTerms(details: OfferDetails, isKind: (type: string) => boolean, terms: OfferTerm[]): void {
  details.Terms = [...(details.Terms ?? []).filter((t) => !isKind(t.Type ?? '')), ...structuredClone(terms)];
}

function wrongKind(terms: OfferTerm[], isKind: (type: string) => boolean, kind: string): ChangeSetError[] {
  return terms
    .filter((t) => !isKind(t.Type ?? ''))
    .map((t) => ({ code: 'INVALID_TERM_TYPE', message: `Term type ${t.Type ?? '(none)'} is not a ${kind}` }));
}

const isPricingTerm = (type: string) => /PricingTerm$/.test(type) || type === 'RecurringPaymentTerm';

const updatePricingTerms: OfferHandler = (offer, d) => {
  const terms = termsOf(d);
  const errors = wrongKind(terms, isPricingTerm, 'pricing term');
  for (const term of terms.filter((t) => t.Type === 'UsageBasedPricingTerm')) {
    if (term.CurrencyCode !== 'USD')
      errors.push({
        code: 'INVALID_CURRENCY',
        message: `UsageBasedPricingTerm CurrencyCode must be USD (got ${String(term.CurrencyCode)})`,
      });
    for (const rate of (term.RateCards ?? []).flatMap((card) => card.RateCard ?? [])) {
      if (!rate.DimensionKey || !pricePattern.test(rate.Price ?? ''))
        errors.push({
          code: 'INVALID_PRICE',
          message: `Rate ${JSON.stringify(rate)} needs a DimensionKey and a decimal Price such as 0.00`,
        });
    }
  }
  if (d.PricingModel === 'Usage' && !terms.some((t) => t.Type === 'UsageBasedPricingTerm'))
    errors.push({ code: 'INVALID_INPUT', message: 'PricingModel Usage needs a UsageBasedPricingTerm' });
  if (errors.length > 0) return errors;
  offer.pricingModel = String(d.PricingModel);
  replaceTerms(offer.details, isPricingTerm, terms);
  return [];
};

const updateLegalTerms: OfferHandler = (offer, d) => {
  const terms = termsOf(d);
  const isLegal = (type: string) => type === 'LegalTerm';
  const errors = wrongKind(terms, isLegal, 'LegalTerm');
  for (const document of terms.flatMap((t) => t.Documents ?? [])) {
    const problem =
      document.Type === 'StandardEula'
        ? document.Version
          ? undefined
          : 'a StandardEula needs its Version (e.g. 2022-07-14)'
        : document.Type === 'CustomEula'
          ? document.Url?.startsWith('https://')
            ? undefined
            : 'a CustomEula needs an https:// Url'
          : `document type ${document.Type ?? '(none)'} is not StandardEula or CustomEula`;
    if (problem) errors.push({ code: 'INVALID_LEGAL_TERM', message: problem });
  }
  if (terms.length > 0 && terms.every((t) => (t.Documents ?? []).length === 0))
    errors.push({
      code: 'INVALID_LEGAL_TERM',
      message: 'a LegalTerm needs at least one document (the EULA)',
    });
  if (errors.length > 0) return errors;
  replaceTerms(offer.details, isLegal, terms);
  return [];
};

const updateSupportTerms: OfferHandler = (offer, d) => {
  const terms = termsOf(d);
  const isSupport = (type: string) => type === 'SupportTerm';
  const errors = wrongKind(terms, isSupport, 'SupportTerm');
  for (const term of terms)
    if (typeof term.RefundPolicy !== 'string' || term.RefundPolicy.trim() === '')
      errors.push({ code: 'INVALID_SUPPORT_TERM', message: 'a SupportTerm needs a RefundPolicy' });
  if (errors.length > 0) return errors;
  replaceTerms(offer.details, isSupport, terms);
  return [];
};

const releaseOffer: OfferHandler = (offer) => {
  if (offer.details.State !== 'Draft')
    return [{ code: 'INVALID_STATE', message: `Offer ${offer.offerId} is already released` }];
  offer.details.State = 'Released';
  return [];
};

/** The offer change types the simulation models; AWS's others are refused as not supported. */
export const offerChangeHandlers: Record<string, OfferHandler> = {
  CreateOffer: createOffer,
  UpdateInformation: updateInformation,
  UpdatePricingTerms: updatePricingTerms,
  UpdateLegalTerms: updateLegalTerms,
  UpdateSupportTerms: updateSupportTerms,
  ReleaseOffer: releaseOffer,
};
