import type { CatalogPort } from '../cloud/ports.js';
import type { ProductListing } from '../core/model/listing.js';
import { newProductChanges, newVersionChanges, type VersionChanges } from '../listing/change-set.js';

/** The changes this listing needs now: a whole new product, or a version plus changed metadata. */
export async function plannedChanges(catalog: CatalogPort, listing: ProductListing): Promise<VersionChanges> {
  if (!listing.productId) return { changes: newProductChanges(listing), versionExists: false };
  const entity = await catalog.describeEntity(listing.productId);
  return newVersionChanges(listing, entity.details);
}
