/**
 * A product's life on the Marketplace: created as a Draft (only the seller sees it, it is not sold),
 * released to Limited with its offer (ReleaseProduct + the offer's UpdateInformation + ReleaseOffer, as
 * Canonical's `public-offer release` does), then made Public by a visibility request that AWS reviews,
 * which can take days and may be refused (reference/marketplace-listing-lifecycle.md).
 */
import type { Change } from '../cloud/ports.js';
import type { ProductListing } from '../core/model/listing.js';
import { createdProductRef } from './change-set.js';
import {
  createdOfferRef,
  offerChange,
  productChange,
  updateOfferInformation,
  type OfferListing,
} from './offer.js';

/** What DescribeEntity says of a product's visibility. */
export type ProductVisibility = 'Draft' | 'Limited' | 'Public' | 'Restricted';

/** The next step towards `target`, or undefined when the product is there (or retired: Restricted). */
export function nextLifecycleStep(
  visibility: string | undefined,
  target: ProductListing['targetVisibility'],
): 'release' | 'public' | undefined {
  if (visibility === 'Draft' || visibility === undefined) return 'release';
  if (visibility === 'Limited' && target === 'public') return 'public';
  return undefined;
}

/** Draft -> Limited: the product and its offer are released together. */
export function releaseChanges(productId: string, offerId: string, offer: OfferListing): Change[] {
  return [
    productChange('ReleaseProduct', productId, {}),
    updateOfferInformation(offerId, offer),
    offerChange('ReleaseOffer', offerId, {}),
  ];
}

/**
 * Draft -> Limited in the set that creates the product and its offer (after its version): AWS's
 * reference limited listing releases both in its one change set (marketplace-listing-lifecycle.md),
 * so a new product needs no second set for its release. The offer's name is already in that set.
 */
export function releaseOnCreation(): Change[] {
  return [
    productChange('ReleaseProduct', createdProductRef, {}),
    offerChange('ReleaseOffer', createdOfferRef, {}),
  ];
}

/** Limited -> Public: a request AWS Marketplace reviews; its change set stays open until the review ends. */
export function publicVisibilityChanges(productId: string): Change[] {
  return [productChange('UpdateVisibility', productId, { TargetVisibility: 'Public' })];
}

/** Words for a product's visibility, as `status` and the job summaries say it. */
export function visibilityInWords(visibility: string | undefined): string {
  switch (visibility) {
    case 'Public':
      return 'Public: listed for buyers';
    case 'Limited':
      return 'Limited: released, but only the seller account and allow-listed buyers see it';
    case 'Draft':
      return 'Draft: not released, no buyer sees it';
    case 'Restricted':
      return 'Restricted: no longer offered to new buyers';
    default:
      return 'visibility not known yet';
  }
}
