/**
 * Simulated Marketplace Catalog API for one seller account: StartChangeSet checks the request
 * (catalog-request.ts), the entities and their locks synchronously (like the real service), then the
 * set moves PREPARING -> APPLYING -> SUCCEEDED/FAILED as simulated time passes (catalog-settle.ts).
 * A request for Public visibility stays APPLYING while AWS reviews it (`sim.marketplace.publicReview`).
 */
import { CloudError } from '../../core/errors.js';
import type { SimConfig } from '../../config/schema.js';
import { referencePattern } from '../catalog-shapes.js';
import type {
  CatalogPort,
  ChangeSetDescription,
  ChangeSetStatus,
  ChangeSetSummary,
  EntityDescription,
  EntitySummary,
  EntityType,
  ListChangeSetsQuery,
  ListEntitiesQuery,
  StartChangeSetRequest,
} from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import type { CallGate } from './faults.js';
import { productView } from './catalog-entity-view.js';
import { checkStartChangeSet } from './catalog-request.js';
import { isModelled } from './catalog-settle.js';
import { sendChangeSetEnded } from './events.js';
import type { SimWorld } from './world.js';
import {
  isoTime,
  nextId,
  type SimChangeSet,
  type SimOffer,
  type SimProduct,
  type WorldState,
} from './world-state.js';

function catalogError(
  kind: CloudError['kind'],
  awsCode: string,
  operation: string,
  message: string,
): CloudError {
  return new CloudError({ kind, awsCode, service: 'aws-marketplace', operation, message });
}

/** PREPARING and APPLYING are phases of one stored state, told apart by the clock. */
export function statusAt(changeSet: SimChangeSet, nowMs: number): ChangeSetStatus {
  if (changeSet.status === 'PREPARING' && nowMs >= changeSet.applyAt) return 'APPLYING';
  return changeSet.status;
}

const isOpen = (status: ChangeSetStatus): boolean => status === 'PREPARING' || status === 'APPLYING';

export class SimCatalog implements CatalogPort {
  constructor(
    private readonly world: SimWorld,
    private readonly gate: CallGate,
    private readonly sim: SimConfig,
    private readonly partition: Partition,
    private readonly sellerAccount: string,
  ) {}

  async startChangeSet(
    request: StartChangeSetRequest,
  ): Promise<{ changeSetId: string; changeSetArn: string }> {
    const op = 'StartChangeSet';
    await this.gate.enter('aws-marketplace', op);
    checkStartChangeSet(request, isModelled);
    return this.world.mutate((state, now) => {
      const replay = Object.values(state.changeSets).find(
        (cs) =>
          cs.sellerAccount === this.sellerAccount && cs.clientRequestToken === request.clientRequestToken,
      );
      if (replay) return { changeSetId: replay.changeSetId, changeSetArn: replay.changeSetArn };

      const targets = new Map<string, string>();
      for (const c of request.changes)
        if (c.Entity.Identifier !== undefined && !referencePattern.test(c.Entity.Identifier))
          targets.set(c.Entity.Identifier, c.Entity.Type);
      for (const [entityId, entityType] of targets) {
        if (!this.ownEntity(state, entityId, entityType)) {
          throw catalogError(
            'not-found',
            'ResourceNotFoundException',
            op,
            `Entity ${entityId} of type ${entityType} does not exist`,
          );
        }
        const holder = Object.values(state.changeSets).find(
          (cs) => isOpen(statusAt(cs, now)) && cs.changes.some((c) => c.resolvedIdentifier === entityId),
        );
        if (holder) {
          throw catalogError(
            'resource-in-use',
            'ResourceInUseException',
            op,
            `Requested change set has entities locked by change sets - entity: '${entityId}' change sets: ${holder.changeSetId}.`,
          );
        }
      }
      const changeSetId = nextId(state, 'changeset');
      const serverFault = this.gate.changeSetServerFault();
      const prepare = this.sim.latency.changeSetPrepareSeconds * 1000;
      const { publicReview } = this.sim.marketplace;
      const asksPublic = request.changes.some(
        (c) =>
          c.ChangeType === 'UpdateVisibility' &&
          (c.DetailsDocument as { TargetVisibility?: unknown }).TargetVisibility === 'Public',
      );
      const apply = (this.sim.latency.changeSetApplySeconds + (asksPublic ? publicReview.seconds : 0)) * 1000;
      const changeSet: SimChangeSet = {
        changeSetId,
        changeSetArn: `arn:${this.partition}:aws-marketplace:us-east-1:${this.sellerAccount}:AWSMarketplace/ChangeSet/${changeSetId}`,
        changeSetName: request.changeSetName,
        clientRequestToken: request.clientRequestToken,
        sellerAccount: this.sellerAccount,
        partition: this.partition,
        intent: request.intent ?? 'APPLY',
        startedAt: now,
        applyAt: now + prepare,
        endAt: now + prepare + apply,
        status: 'PREPARING',
        changes: request.changes.map((c) => ({
          ...structuredClone(c),
          resolvedIdentifier:
            c.Entity.Identifier !== undefined && !referencePattern.test(c.Entity.Identifier)
              ? c.Entity.Identifier
              : undefined,
          errors: [],
        })),
        seq: Object.keys(state.changeSets).length,
        ...(serverFault ? { serverFault } : {}),
        ...(asksPublic
          ? {
              visibilityReview: { approved: publicReview.outcome === 'approve', reason: publicReview.reason },
            }
          : {}),
      };
      state.changeSets[changeSetId] = changeSet;
      return { changeSetId, changeSetArn: changeSet.changeSetArn };
    });
  }

  async describeChangeSet(changeSetId: string): Promise<ChangeSetDescription> {
    await this.gate.enter('aws-marketplace', 'DescribeChangeSet');
    return this.world.read((state, now) => {
      const cs = this.ownChangeSet(state, changeSetId, 'DescribeChangeSet');
      return {
        ...this.summaryFields(cs, now),
        intent: cs.intent,
        failureDescription: cs.failureDescription,
        changes: cs.changes.map((c) => ({
          changeType: c.ChangeType,
          changeName: c.ChangeName,
          entity: { type: c.Entity.Type, identifier: c.resolvedIdentifier ?? c.Entity.Identifier },
          details: structuredClone(c.DetailsDocument),
          errors: c.errors.map((e) => ({ ...e })),
        })),
      };
    });
  }

  async listChangeSets(query: ListChangeSetsQuery): Promise<ChangeSetSummary[]> {
    await this.gate.enter('aws-marketplace', 'ListChangeSets');
    return this.world.read((state, now) =>
      Object.values(state.changeSets)
        .filter((cs) => cs.sellerAccount === this.sellerAccount)
        .filter(
          (cs) =>
            query.changeSetName === undefined || [query.changeSetName].flat().includes(cs.changeSetName),
        )
        .filter(
          (cs) =>
            query.entityId === undefined || cs.changes.some((c) => c.resolvedIdentifier === query.entityId),
        )
        .filter((cs) => query.statuses === undefined || query.statuses.includes(statusAt(cs, now)))
        .sort((a, b) => b.startedAt - a.startedAt || b.seq - a.seq)
        .map((cs) => ({
          ...this.summaryFields(cs, now),
          entityIds: [
            ...new Set(cs.changes.flatMap((c) => (c.resolvedIdentifier ? [c.resolvedIdentifier] : []))),
          ],
        })),
    );
  }

  async describeEntity<T extends EntityType = 'AmiProduct@1.0'>(
    entityId: string,
    type?: T,
  ): Promise<EntityDescription<T>> {
    await this.gate.enter('aws-marketplace', 'DescribeEntity');
    const entityType = (type ?? 'AmiProduct@1.0') as T;
    return this.world.read((state) => {
      const entity = this.ownEntity(state, entityId, entityType);
      if (!entity) {
        throw catalogError(
          'not-found',
          'ResourceNotFoundException',
          'DescribeEntity',
          `Entity ${entityId} of type ${entityType} does not exist`,
        );
      }
      const details =
        'productId' in entity
          ? productView(entity, this.sim.marketplace.rewriteEntityDetails)
          : structuredClone(entity.details);
      return {
        entityId,
        entityType,
        entityArn: this.entityArn(entityType, entityId),
        lastModifiedDate: isoTime(entity.lastModifiedAt),
        details: details as EntityDescription<T>['details'],
      };
    });
  }

  async listEntities(query: ListEntitiesQuery): Promise<EntitySummary[]> {
    await this.gate.enter('aws-marketplace', 'ListEntities');
    return this.world.read((state) => {
      if (query.entityType === 'Offer') {
        return Object.values(state.offers)
          .filter((o) => o.sellerAccount === this.sellerAccount)
          .filter((o) => query.productId === undefined || o.details.ProductId === query.productId)
          .map((o) => ({
            entityId: o.offerId,
            entityType: 'Offer',
            name: o.details.Name ?? '',
            lastModifiedDate: isoTime(o.lastModifiedAt),
            ...(o.details.ProductId ? { productId: o.details.ProductId } : {}),
            ...(o.details.State ? { state: o.details.State } : {}),
          }));
      }
      return Object.values(state.products)
        .filter((p) => p.sellerAccount === this.sellerAccount)
        .filter(
          (p) =>
            query.productTitle === undefined || p.details.Description?.ProductTitle === query.productTitle,
        )
        .map((p) => ({
          entityId: p.productId,
          entityType: 'AmiProduct',
          name: p.details.Description?.ProductTitle ?? '',
          visibility: p.details.Description?.Visibility,
          lastModifiedDate: isoTime(p.lastModifiedAt),
        }));
    });
  }

  async cancelChangeSet(changeSetId: string): Promise<void> {
    const op = 'CancelChangeSet';
    await this.gate.enter('aws-marketplace', op);
    this.world.mutate((state, now) => {
      const cs = this.ownChangeSet(state, changeSetId, op);
      const status = statusAt(cs, now);
      if (status === 'APPLYING') {
        throw catalogError(
          'resource-in-use',
          'ResourceInUseException',
          op,
          `Change set ${changeSetId} is APPLYING and can no longer be cancelled`,
        );
      }
      if (status !== 'PREPARING') {
        throw catalogError(
          'validation',
          'ValidationException',
          op,
          `Change set ${changeSetId} is already ${status}`,
        );
      }
      cs.status = 'CANCELLED';
      cs.endedAt = now;
      sendChangeSetEnded(state, cs, now, this.world.events);
    });
  }

  /** The seller's entity of that id and type (`AmiProduct@1.0`, `Offer@1.0`). */
  private ownEntity(
    state: WorldState,
    entityId: string,
    entityType: string,
  ): SimProduct | SimOffer | undefined {
    const entity =
      entityType === 'AmiProduct@1.0'
        ? state.products[entityId]
        : entityType === 'Offer@1.0'
          ? state.offers[entityId]
          : undefined;
    return entity?.sellerAccount === this.sellerAccount ? entity : undefined;
  }

  private ownChangeSet(state: WorldState, changeSetId: string, op: string): SimChangeSet {
    const cs = state.changeSets[changeSetId];
    if (!cs || cs.sellerAccount !== this.sellerAccount) {
      throw catalogError(
        'not-found',
        'ResourceNotFoundException',
        op,
        `Change set ${changeSetId} does not exist`,
      );
    }
    return cs;
  }

  private summaryFields(cs: SimChangeSet, now: number) {
    return {
      changeSetId: cs.changeSetId,
      changeSetArn: cs.changeSetArn,
      changeSetName: cs.changeSetName,
      status: statusAt(cs, now),
      startTime: isoTime(cs.startedAt),
      endTime: cs.endedAt === undefined ? undefined : isoTime(cs.endedAt),
      failureCode: cs.failureCode,
    };
  }

  private entityArn(entityType: string, entityId: string): string {
    return `arn:${this.partition}:aws-marketplace:us-east-1:${this.sellerAccount}:AWSMarketplace/${entityType.split('@')[0]}/${entityId}`;
  }
}
