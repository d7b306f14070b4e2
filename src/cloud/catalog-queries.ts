/**
 * Catalog API lookups every caller phrases the same way: a product by its exact title, a product's
 * offer, and the change sets still open on a product (one open change set per product: DESIGN
 * invariant 5).
 */
import type {
  CatalogPort,
  ChangeSetDescription,
  ChangeSetError,
  ChangeSetStatus,
  ChangeSetSummary,
  EntityDescription,
} from './ports.js';

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
 * The id of the product's public offer: the recorded one, else the first offer of the seller that
 * sells this product (this tool creates one per product). Undefined while the product has none.
 */
export async function productOfferId(
  catalog: CatalogPort,
  productId: string,
  knownOfferId?: string,
): Promise<string | undefined> {
  return knownOfferId ?? (await catalog.listEntities({ entityType: 'Offer', productId }))[0]?.entityId;
}

/** The product's public offer as DescribeEntity shows it (see productOfferId). */
export async function productOffer(
  catalog: CatalogPort,
  productId: string,
  knownOfferId?: string,
): Promise<EntityDescription<'Offer@1.0'> | undefined> {
  const offerId = await productOfferId(catalog, productId, knownOfferId);
  return offerId ? catalog.describeEntity(offerId, 'Offer@1.0') : undefined;
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

/** A change set's ErrorDetailList entries, each prefixed with the change type it belongs to. */
export function changeSetErrorsOf(described: ChangeSetDescription): ChangeSetError[] {
  return described.changes.flatMap((c) =>
    c.errors.map((e) => ({ code: e.code, message: `${c.changeType}: ${e.message}` })),
  );
}
