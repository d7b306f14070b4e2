/**
 * What happens when a change set's APPLYING phase ends: every change is applied, in order, to draft
 * copies of its entities (products and offers, references resolved to the entities earlier changes
 * created), then the rules that span the set are checked (catalog-lifecycle.ts). With no errors the
 * drafts are committed (APPLY) or dropped (VALIDATE) and the set SUCCEEDS; otherwise it FAILS with
 * CLIENT_ERROR and the ErrorDetailList of each offending change. Malformed requests never get here:
 * StartChangeSet refused them (catalog-request.ts).
 */
import { withReferencesResolved, type CatalogEntityType } from '../catalog-shapes.js';
import type { Partition } from '../../core/model/partition.js';
import { lifecycleErrors, type SetView } from './catalog-lifecycle.js';
import { newOffer, offerChangeHandlers } from './catalog-offer-changes.js';
import { newProduct, productChangeHandlers, type SellerSettings } from './catalog-product-changes.js';
import type { IngestionRules } from './catalog-rules.js';
import { createsEntity } from './catalog-request.js';
import type { ChangeSetSettler } from './world.js';
import {
  nextId,
  type SimChange,
  type SimChangeSet,
  type SimOffer,
  type SimProduct,
  type WorldState,
} from './world-state.js';

export { referencePattern } from '../catalog-shapes.js';

/** True when the simulation applies this change type (StartChangeSet refuses the others). */
export function isModelled(entityType: CatalogEntityType, changeType: string): boolean {
  const handlers = entityType === 'AmiProduct@1.0' ? productChangeHandlers : offerChangeHandlers;
  return Object.hasOwn(handlers, changeType);
}

/** Copy-on-first-use drafts of the entities one change set touches. */
class Drafts {
  readonly products = new Map<string, SimProduct>();
  readonly offers = new Map<string, SimOffer>();

  constructor(
    private readonly state: WorldState,
    private readonly changeSet: SimChangeSet,
  ) {}

  product(id: string): SimProduct | undefined {
    const drafted = this.products.get(id);
    if (drafted) return drafted;
    const stored = this.state.products[id];
    if (!stored || stored.sellerAccount !== this.changeSet.sellerAccount) return undefined;
    const draft = structuredClone(stored);
    this.products.set(id, draft);
    return draft;
  }

  offer(id: string): SimOffer | undefined {
    const drafted = this.offers.get(id);
    if (drafted) return drafted;
    const stored = this.state.offers[id];
    if (!stored || stored.sellerAccount !== this.changeSet.sellerAccount) return undefined;
    const draft = structuredClone(stored);
    this.offers.set(id, draft);
    // An offer's rules read its product: draft it too, so the set's rules see both.
    this.product(draft.details.ProductId ?? '');
    return draft;
  }

  create(entityType: CatalogEntityType, at: number): SimProduct | SimOffer {
    const { sellerAccount, partition } = this.changeSet;
    if (entityType === 'AmiProduct@1.0') {
      const product = newProduct(nextId(this.state, 'prod'), sellerAccount, partition, at);
      this.products.set(product.productId, product);
      return product;
    }
    const offer = newOffer(nextId(this.state, 'offer'), sellerAccount, partition, at);
    this.offers.set(offer.offerId, offer);
    return offer;
  }

  /** Every offer of a product, drafted ones replacing their stored copies. */
  offersOf(productId: string): SimOffer[] {
    const ids = new Set([
      ...Object.values(this.state.offers)
        .filter((o) => o.sellerAccount === this.changeSet.sellerAccount)
        .map((o) => o.offerId),
      ...this.offers.keys(),
    ]);
    return [...ids]
      .map((id) => this.offers.get(id) ?? this.state.offers[id])
      .filter((o): o is SimOffer => o !== undefined && o.details.ProductId === productId);
  }

  commit(): void {
    for (const product of this.products.values()) this.state.products[product.productId] = product;
    for (const offer of this.offers.values()) this.state.offers[offer.offerId] = offer;
  }
}

const entityIdOf = (entity: SimProduct | SimOffer) =>
  'productId' in entity ? entity.productId : entity.offerId;

export function createChangeSetSettler(
  rulesByPartition: Partial<Record<Partition, IngestionRules>>,
  seller: SellerSettings,
): ChangeSetSettler {
  return (state, changeSet) => {
    const rules = rulesByPartition[changeSet.partition] ?? {
      amiRegion: 'us-east-1',
      marketplaceAccounts: [],
      accessRoleArns: [],
    };
    const at = changeSet.endAt;
    changeSet.endedAt = at;
    if (changeSet.serverFault) {
      // AWS's side failed: nothing is validated or applied, and the same request may succeed later.
      changeSet.status = 'FAILED';
      changeSet.failureCode = 'SERVER_FAULT';
      changeSet.failureDescription =
        'An internal error occurred while processing the change set (simulated fault).';
      return;
    }
    const drafts = new Drafts(state, changeSet);
    const createdByName = new Map<string, string>();
    const resolve = (name: string) => createdByName.get(name) ?? '';

    for (const change of changeSet.changes) applyChange(change);

    function applyChange(change: SimChange): void {
      const entityType = change.Entity.Type as CatalogEntityType;
      const identifier =
        change.Entity.Identifier === undefined
          ? undefined
          : (withReferencesResolved(change.Entity.Identifier, resolve) as string);
      const entity = createsEntity(change.ChangeType)
        ? drafts.create(entityType, at)
        : entityType === 'AmiProduct@1.0'
          ? drafts.product(identifier ?? '')
          : drafts.offer(identifier ?? '');
      change.errors = [];
      if (!entity) {
        change.errors.push({
          code: 'ENTITY_NOT_FOUND',
          message: `Entity ${identifier ?? ''} does not exist`,
        });
        return;
      }
      const id = entityIdOf(entity);
      change.resolvedIdentifier = id;
      if (change.ChangeName !== undefined && createsEntity(change.ChangeType))
        createdByName.set(change.ChangeName, id);
      const details = withReferencesResolved(change.DetailsDocument ?? {}, resolve) as Record<
        string,
        unknown
      >;
      const ctx = { state, at, rules, seller, changeSet };
      change.errors.push(
        ...('productId' in entity
          ? (productChangeHandlers[change.ChangeType]?.(entity, details, {
              ...ctx,
              before: state.products[id],
            }) ?? [])
          : (offerChangeHandlers[change.ChangeType]?.(entity, details, {
              ...ctx,
              productOf: (productId) => drafts.product(productId),
            }) ?? [])),
      );
      entity.lastModifiedAt = at;
    }

    if (changeSet.changes.every((c) => c.errors.length === 0)) {
      const view: SetView = {
        changes: changeSet.changes,
        products: drafts.products,
        offers: drafts.offers,
        offersOf: (productId) => drafts.offersOf(productId),
        productOf: (productId) => drafts.product(productId),
      };
      for (const { change, error } of lifecycleErrors(view)) change.errors.push(error);
    }

    const failed = changeSet.changes.some((c) => c.errors.length > 0);
    if (failed) {
      changeSet.status = 'FAILED';
      changeSet.failureCode = 'CLIENT_ERROR';
      changeSet.failureDescription =
        'One or more changes failed validation. See ErrorDetailList of each change.';
    } else {
      changeSet.status = 'SUCCEEDED';
    }
    const commit = !failed && changeSet.intent === 'APPLY';
    if (commit) drafts.commit();
    // Entities that were only drafted do not exist: their ids must not leak into the change set.
    for (const change of changeSet.changes) {
      const id = change.resolvedIdentifier;
      if (!commit && id !== undefined && !state.products[id] && !state.offers[id])
        delete change.resolvedIdentifier;
    }
  };
}
