/**
 * Catalog API lookups every caller phrases the same way: a product by its exact title, and the change
 * sets still open on a product (one open change set per product: DESIGN invariant 5).
 */
import type { CatalogPort, ChangeSetStatus, ChangeSetSummary } from './ports.js';

export const openChangeSetStatuses: readonly ChangeSetStatus[] = ['PREPARING', 'APPLYING'];

export function isOpenChangeSet(status: ChangeSetStatus): boolean {
  return openChangeSetStatuses.includes(status);
}

/** The seller's product with exactly this title, if there is one. */
export async function productIdByTitle(
  catalog: CatalogPort,
  productTitle: string,
): Promise<string | undefined> {
  const found = await catalog.listEntities({ entityType: 'AmiProduct', productTitle });
  return found[0]?.entityId;
}

/**
 * Open change sets of a product: on the entity once it exists, else those carrying the name of the
 * change set that creates it (a product being created has no id to filter on yet).
 */
export async function openChangeSets(
  catalog: CatalogPort,
  product: { productId?: string | undefined; creatingChangeSetName: string },
): Promise<ChangeSetSummary[]> {
  if (product.productId) {
    return catalog.listChangeSets({ entityId: product.productId, statuses: [...openChangeSetStatuses] });
  }
  const named = await catalog.listChangeSets({ changeSetName: product.creatingChangeSetName });
  return named.filter((c) => isOpenChangeSet(c.status));
}
