/**
 * CatalogPort over @aws-sdk/client-marketplace-catalog (always us-east-1, catalog "AWSMarketplace").
 * Changes travel as DetailsDocument (JSON), never the stringified Details, and every list call is
 * read to its last page.
 */
import {
  CancelChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeEntityCommand,
  ListChangeSetsCommand,
  ListEntitiesCommand,
  StartChangeSetCommand,
  type ChangeSummary,
  type Filter,
  type MarketplaceCatalogClient,
} from '@aws-sdk/client-marketplace-catalog';
import type { DocumentType } from '@smithy/types';
import { CloudError } from '../../core/errors.js';
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
import { withRetry, type RetryPolicy } from './retry.js';

export const catalogName = 'AWSMarketplace';
export const catalogRegion = 'us-east-1';

const statuses: readonly ChangeSetStatus[] = ['PREPARING', 'APPLYING', 'SUCCEEDED', 'CANCELLED', 'FAILED'];

function toStatus(value: string | undefined): ChangeSetStatus {
  return statuses.find((s) => s === value) ?? 'PREPARING';
}

function toFailureCode(value: string | undefined): { failureCode?: 'CLIENT_ERROR' | 'SERVER_FAULT' } {
  return value === 'CLIENT_ERROR' || value === 'SERVER_FAULT' ? { failureCode: value } : {};
}

/** DetailsDocument when present; older responses only carry the stringified Details. */
function detailsOf(item: { Details?: string; DetailsDocument?: DocumentType }): unknown {
  if (item.DetailsDocument !== undefined) return item.DetailsDocument;
  if (item.Details === undefined || item.Details === '') return {};
  try {
    return JSON.parse(item.Details) as unknown;
  } catch {
    return item.Details;
  }
}

function toChange(change: ChangeSummary): ChangeSetDescription['changes'][number] {
  return {
    changeType: change.ChangeType ?? '',
    ...(change.ChangeName !== undefined ? { changeName: change.ChangeName } : {}),
    entity: {
      type: change.Entity?.Type ?? '',
      ...(change.Entity?.Identifier !== undefined ? { identifier: change.Entity.Identifier } : {}),
    },
    details: detailsOf(change),
    errors: (change.ErrorDetailList ?? []).map((e) => ({
      code: e.ErrorCode ?? '',
      message: e.ErrorMessage ?? '',
    })),
  };
}

export class AwsCatalog implements CatalogPort {
  constructor(
    private readonly client: MarketplaceCatalogClient,
    private readonly retry: RetryPolicy,
  ) {}

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(this.retry, 'marketplace-catalog', operation, fn);
  }

  async startChangeSet(
    request: StartChangeSetRequest,
  ): Promise<{ changeSetId: string; changeSetArn: string }> {
    const result = await this.call('StartChangeSet', () =>
      this.client.send(
        new StartChangeSetCommand({
          Catalog: catalogName,
          ChangeSetName: request.changeSetName,
          ClientRequestToken: request.clientRequestToken,
          Intent: request.intent ?? 'APPLY',
          ChangeSet: request.changes.map((change) => ({
            ChangeType: change.ChangeType,
            Entity: change.Entity,
            DetailsDocument: change.DetailsDocument as DocumentType,
            ...(change.ChangeName !== undefined ? { ChangeName: change.ChangeName } : {}),
          })),
        }),
      ),
    );
    return { changeSetId: result.ChangeSetId ?? '', changeSetArn: result.ChangeSetArn ?? '' };
  }

  async describeChangeSet(changeSetId: string): Promise<ChangeSetDescription> {
    const r = await this.call('DescribeChangeSet', () =>
      this.client.send(new DescribeChangeSetCommand({ Catalog: catalogName, ChangeSetId: changeSetId })),
    );
    return {
      changeSetId: r.ChangeSetId ?? changeSetId,
      changeSetArn: r.ChangeSetArn ?? '',
      changeSetName: r.ChangeSetName ?? '',
      intent: r.Intent === 'VALIDATE' ? 'VALIDATE' : 'APPLY',
      status: toStatus(r.Status),
      startTime: r.StartTime ?? '',
      ...(r.EndTime ? { endTime: r.EndTime } : {}),
      ...toFailureCode(r.FailureCode),
      ...(r.FailureDescription ? { failureDescription: r.FailureDescription } : {}),
      changes: (r.ChangeSet ?? []).map(toChange),
    };
  }

  async listChangeSets(query: ListChangeSetsQuery): Promise<ChangeSetSummary[]> {
    const filters: Filter[] = [];
    if (query.changeSetName) filters.push({ Name: 'ChangeSetName', ValueList: [query.changeSetName].flat() });
    if (query.entityId) filters.push({ Name: 'EntityId', ValueList: [query.entityId] });
    if (query.statuses?.length) filters.push({ Name: 'Status', ValueList: query.statuses });
    const summaries: ChangeSetSummary[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.call('ListChangeSets', () =>
        this.client.send(
          new ListChangeSetsCommand({
            Catalog: catalogName,
            Sort: { SortBy: 'StartTime', SortOrder: 'DESCENDING' },
            MaxResults: 20,
            ...(filters.length ? { FilterList: filters } : {}),
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const s of page.ChangeSetSummaryList ?? []) {
        summaries.push({
          changeSetId: s.ChangeSetId ?? '',
          changeSetArn: s.ChangeSetArn ?? '',
          changeSetName: s.ChangeSetName ?? '',
          status: toStatus(s.Status),
          startTime: s.StartTime ?? '',
          ...(s.EndTime ? { endTime: s.EndTime } : {}),
          entityIds: s.EntityIdList ?? [],
          ...toFailureCode(s.FailureCode),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    // ISO timestamps sort as strings; the port promises newest first whatever the server did.
    return summaries.sort((a, b) => b.startTime.localeCompare(a.startTime));
  }

  async describeEntity<T extends EntityType = 'AmiProduct@1.0'>(
    entityId: string,
    type?: T,
  ): Promise<EntityDescription<T>> {
    const entityType = (type ?? 'AmiProduct@1.0') as T;
    const r = await this.call('DescribeEntity', () =>
      this.client.send(new DescribeEntityCommand({ Catalog: catalogName, EntityId: entityId })),
    );
    if (r.EntityType !== entityType)
      throw new CloudError({
        kind: 'not-found',
        awsCode: 'ResourceNotFoundException',
        service: 'marketplace-catalog',
        operation: 'DescribeEntity',
        message: `Entity ${entityId} is a ${r.EntityType ?? '(no type)'}, not a ${entityType}`,
      });
    return {
      entityId,
      entityType,
      entityArn: r.EntityArn ?? '',
      lastModifiedDate: r.LastModifiedDate ?? '',
      details: detailsOf(r) as EntityDescription<T>['details'],
    };
  }

  async listEntities(query: ListEntitiesQuery): Promise<EntitySummary[]> {
    const filters =
      query.entityType === 'AmiProduct'
        ? query.productTitle
          ? { AmiProductFilters: { ProductTitle: { ValueList: [query.productTitle] } } }
          : undefined
        : query.productId
          ? { OfferFilters: { ProductId: { ValueList: [query.productId] } } }
          : undefined;
    const entities: EntitySummary[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.call('ListEntities', () =>
        this.client.send(
          new ListEntitiesCommand({
            Catalog: catalogName,
            EntityType: query.entityType,
            OwnershipType: 'SELF',
            MaxResults: 50,
            ...(filters ? { EntityTypeFilters: filters } : {}),
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const e of page.EntitySummaryList ?? []) {
        entities.push({
          entityId: e.EntityId ?? '',
          entityType: e.EntityType ?? '',
          name: e.Name ?? '',
          ...(e.Visibility ? { visibility: e.Visibility } : {}),
          lastModifiedDate: e.LastModifiedDate ?? '',
          ...(e.OfferSummary?.ProductId ? { productId: e.OfferSummary.ProductId } : {}),
          ...(e.OfferSummary?.State ? { state: e.OfferSummary.State } : {}),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    // Filters are exact on this side too, so a server that matches loosely cannot mislead.
    if (query.entityType === 'AmiProduct' && query.productTitle)
      return entities.filter((e) => e.name === query.productTitle);
    if (query.entityType === 'Offer' && query.productId)
      return entities.filter((e) => e.productId === query.productId);
    return entities;
  }

  async cancelChangeSet(changeSetId: string): Promise<void> {
    await this.call('CancelChangeSet', () =>
      this.client.send(new CancelChangeSetCommand({ Catalog: catalogName, ChangeSetId: changeSetId })),
    );
  }
}
