import type { CatalogPort, Change } from '../cloud/ports.js';
import { productOffer } from '../cloud/catalog-queries.js';
import type { ProductListing } from '../core/model/listing.js';
import {
  changeSetsOf,
  newProductGroups,
  newVersionChanges,
  type VersionChanges,
} from '../listing/change-set.js';
import { releaseOnCreation } from '../listing/lifecycle.js';

export interface PlannedChanges extends Pick<VersionChanges, 'versionExists' | 'titleTakenBy'> {
  /** The next change set to start. */
  changes: Change[];
  /** Changes that follow in later sets (planned again once this one succeeded). */
  deferred: number;
}

/**
 * The changes this listing needs now: a whole new product with its offer, released (Draft -> Limited)
 * with its first version, or a version plus what changed in the product, its pricing and its offer.
 */
export async function plannedChanges(
  catalog: CatalogPort,
  listing: ProductListing,
  offerId?: string,
): Promise<PlannedChanges> {
  const release = releaseOnCreation();
  const { sets, ...found } = listing.productId
    ? newVersionChanges(
        listing,
        (await catalog.describeEntity(listing.productId)).details,
        await productOffer(catalog, listing.productId, offerId),
      )
    : {
        sets: changeSetsOf([...newProductGroups(listing, listing), release]),
        versionExists: false,
      };
  const [changes = [], ...later] = sets;
  // Only the creating set releases: a later part is planned again as a version of the product, without
  // the release (the release stage makes it), so a release that did not fit the first set never follows.
  return { ...found, changes, deferred: later.flat().filter((c) => !release.includes(c)).length };
}
