/**
 * What happens when a change set's APPLYING phase ends: every change is checked (field limits, then
 * the change type's own rules) against draft copies of its products; with no errors the drafts are
 * committed (APPLY) or dropped (VALIDATE) and the set SUCCEEDS, otherwise it FAILS with CLIENT_ERROR
 * and the ErrorDetailList of each offending change.
 */
import { validateChange } from '../../listing/validate.js';
import type { Partition } from '../../core/model/partition.js';
import { changeHandlers, newProduct } from './catalog-changes.js';
import type { IngestionRules } from './catalog-rules.js';
import type { ChangeSetSettler } from './world.js';
import { nextId, type SimChangeSet, type SimProduct, type WorldState } from './world-state.js';

export const referencePattern = /^\$([a-zA-Z]+)\.Entity\.Identifier$/;

export function createChangeSetSettler(
  rulesByPartition: Partial<Record<Partition, IngestionRules>>,
): ChangeSetSettler {
  return (state, changeSet) => {
    const rules = rulesByPartition[changeSet.partition] ?? {
      amiRegion: 'us-east-1',
      marketplaceAccounts: [],
      accessRoleArns: [],
    };
    const at = changeSet.endAt;
    if (changeSet.serverFault) {
      // AWS's side failed: nothing is validated or applied, and the same request may succeed later.
      changeSet.endedAt = at;
      changeSet.status = 'FAILED';
      changeSet.failureCode = 'SERVER_FAULT';
      changeSet.failureDescription =
        'An internal error occurred while processing the change set (simulated fault).';
      return;
    }
    const drafts = new Map<string, SimProduct>();
    const createdByName = new Map<string, string>();
    let failed = false;

    for (const change of changeSet.changes) {
      change.errors = validateChange(change)
        .filter((issue) => issue.path.startsWith('DetailsDocument'))
        .map((issue) => ({ code: 'INVALID_INPUT', message: `${issue.path}: ${issue.rule}` }));
      const product = draftFor(
        state,
        changeSet,
        change.ChangeType,
        change.Entity.Identifier,
        drafts,
        createdByName,
        at,
      );
      if (!product) {
        change.errors.push({
          code: 'ENTITY_NOT_FOUND',
          message: `Entity ${change.Entity.Identifier ?? ''} does not exist`,
        });
      } else {
        change.resolvedIdentifier = product.productId;
        if (change.ChangeType === 'CreateProduct' && change.ChangeName !== undefined)
          createdByName.set(change.ChangeName, product.productId);
        if (change.errors.length === 0) {
          const details = (change.DetailsDocument ?? {}) as Record<string, unknown>;
          change.errors.push(
            ...(changeHandlers[change.ChangeType]?.(product, details, { state, at, rules }) ?? []),
          );
          product.lastModifiedAt = at;
        }
      }
      if (change.errors.length > 0) failed = true;
    }

    changeSet.endedAt = at;
    if (failed) {
      changeSet.status = 'FAILED';
      changeSet.failureCode = 'CLIENT_ERROR';
      changeSet.failureDescription =
        'One or more changes failed validation. See ErrorDetailList of each change.';
    } else {
      changeSet.status = 'SUCCEEDED';
    }
    const commit = !failed && changeSet.intent === 'APPLY';
    if (commit) for (const product of drafts.values()) state.products[product.productId] = product;
    // Entities that were only drafted do not exist: their ids must not leak into the change set.
    for (const change of changeSet.changes) {
      if (!commit && change.resolvedIdentifier !== undefined && !state.products[change.resolvedIdentifier])
        delete change.resolvedIdentifier;
    }
  };
}

function draftFor(
  state: WorldState,
  changeSet: SimChangeSet,
  changeType: string,
  identifier: string | undefined,
  drafts: Map<string, SimProduct>,
  createdByName: Map<string, string>,
  at: number,
): SimProduct | undefined {
  if (changeType === 'CreateProduct') {
    const product = newProduct(nextId(state, 'prod'), changeSet.sellerAccount, changeSet.partition, at);
    drafts.set(product.productId, product);
    return product;
  }
  const reference = identifier === undefined ? null : referencePattern.exec(identifier);
  const productId = reference ? createdByName.get(reference[1] ?? '') : identifier;
  if (productId === undefined) return undefined;
  const existing = drafts.get(productId);
  if (existing) return existing;
  const stored = state.products[productId];
  if (!stored || stored.sellerAccount !== changeSet.sellerAccount) return undefined;
  const draft = structuredClone(stored);
  drafts.set(productId, draft);
  return draft;
}
