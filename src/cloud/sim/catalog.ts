/**
 * Simulated Marketplace Catalog API for one seller account: StartChangeSet checks the request and the
 * entity locks synchronously (like the real service), then the set moves PREPARING -> APPLYING ->
 * SUCCEEDED/FAILED as simulated time passes (see catalog-settle.ts).
 */
import { CloudError } from '../../core/errors.js';
import { formatIssues, validateChangeSet } from '../../listing/validate.js';
import type { SimConfig } from '../../config/schema.js';
import type {
  CatalogPort,
  ChangeSetDescription,
  ChangeSetStatus,
  ChangeSetSummary,
  EntityDescription,
  EntitySummary,
  ListChangeSetsQuery,
  StartChangeSetRequest,
} from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import type { CallGate } from './faults.js';
import { referencePattern } from './catalog-settle.js';
import type { SimWorld } from './world.js';
import { isoTime, nextId, type SimChangeSet, type WorldState } from './world-state.js';

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
    this.checkRequest(request);
    return this.world.mutate((state, now) => {
      const replay = Object.values(state.changeSets).find(
        (cs) =>
          cs.sellerAccount === this.sellerAccount && cs.clientRequestToken === request.clientRequestToken,
      );
      if (replay) return { changeSetId: replay.changeSetId, changeSetArn: replay.changeSetArn };

      const entityIds = request.changes
        .map((c) => c.Entity.Identifier)
        .filter((id): id is string => id !== undefined && !referencePattern.test(id));
      for (const entityId of new Set(entityIds)) {
        const product = state.products[entityId];
        if (!product || product.sellerAccount !== this.sellerAccount) {
          throw catalogError(
            'not-found',
            'ResourceNotFoundException',
            op,
            `Entity ${entityId} does not exist`,
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
      const apply = this.sim.latency.changeSetApplySeconds * 1000;
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
        .filter((cs) => query.changeSetName === undefined || cs.changeSetName === query.changeSetName)
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

  async describeEntity(entityId: string): Promise<EntityDescription> {
    await this.gate.enter('aws-marketplace', 'DescribeEntity');
    return this.world.read((state) => {
      const product = state.products[entityId];
      if (!product || product.sellerAccount !== this.sellerAccount) {
        throw catalogError(
          'not-found',
          'ResourceNotFoundException',
          'DescribeEntity',
          `Entity ${entityId} does not exist`,
        );
      }
      return {
        entityId,
        entityType: 'AmiProduct@1.0',
        entityArn: this.entityArn(entityId),
        lastModifiedDate: isoTime(product.lastModifiedAt),
        details: structuredClone(product.details),
      };
    });
  }

  async listEntities(query: { entityType: 'AmiProduct'; productTitle?: string }): Promise<EntitySummary[]> {
    await this.gate.enter('aws-marketplace', 'ListEntities');
    return this.world.read((state) =>
      Object.values(state.products)
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
        })),
    );
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
    });
  }

  /** The synchronous checks StartChangeSet does before accepting a request. */
  private checkRequest(request: StartChangeSetRequest): void {
    const problems: string[] = [];
    // An empty name stands for "no name": the API makes ChangeSetName optional.
    if (!/^[\w\s+=.:@-]{0,100}$/.test(request.changeSetName)) {
      problems.push('ChangeSetName: must be at most 100 characters of letters, digits, spaces and _+=.:@-');
    }
    if (request.clientRequestToken.length < 1 || request.clientRequestToken.length > 64) {
      problems.push('ClientRequestToken: must be 1-64 characters');
    }
    const envelope = validateChangeSet(request.changes).filter(
      (issue) => !/^ChangeSet\[\d+\]\.DetailsDocument/.test(issue.path),
    );
    if (envelope.length > 0) problems.push(formatIssues(envelope));
    if (problems.length > 0) {
      throw new CloudError({
        kind: 'validation',
        awsCode: 'ValidationException',
        service: 'aws-marketplace',
        operation: 'StartChangeSet',
        message: problems.join('\n'),
      });
    }
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

  private entityArn(entityId: string): string {
    return `arn:${this.partition}:aws-marketplace:us-east-1:${this.sellerAccount}:AWSMarketplace/AmiProduct/${entityId}`;
  }
}
