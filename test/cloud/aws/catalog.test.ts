import {
  DescribeChangeSetCommand,
  DescribeEntityCommand,
  ListChangeSetsCommand,
  ListEntitiesCommand,
  MarketplaceCatalogClient,
  StartChangeSetCommand,
} from '@aws-sdk/client-marketplace-catalog';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsCatalog } from '../../../src/cloud/aws/catalog.js';
import { defaultRetryPolicy } from '../../../src/cloud/aws/retry.js';

const mock = mockClient(MarketplaceCatalogClient);
afterEach(() => mock.reset());
const catalog = () =>
  new AwsCatalog(new MarketplaceCatalogClient({ region: 'us-east-1' }), {
    ...defaultRetryPolicy,
    maxAttempts: 1,
  });

describe('AwsCatalog', () => {
  it('starts a change set with DetailsDocument, token, intent and the AWSMarketplace catalog', async () => {
    mock.on(StartChangeSetCommand).resolves({
      ChangeSetId: 'cs-1',
      ChangeSetArn: 'arn:aws:aws-marketplace:us-east-1:1:AWSMarketplace/ChangeSet/cs-1',
    });
    const result = await catalog().startChangeSet({
      changes: [
        {
          ChangeType: 'AddDeliveryOptions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-abc' },
          DetailsDocument: { Version: { VersionTitle: '41.1.4', ReleaseNotes: 'notes' } },
          ChangeName: 'add-version',
        },
      ],
      changeSetName: 'Fedora 41 x86_64 41.1.4',
      clientRequestToken: 'fm-41-x86_64-41.1.4',
      intent: 'VALIDATE',
    });
    expect(result.changeSetId).toBe('cs-1');
    const input = mock.commandCalls(StartChangeSetCommand)[0]!.args[0].input;
    expect(input).toEqual({
      Catalog: 'AWSMarketplace',
      ChangeSetName: 'Fedora 41 x86_64 41.1.4',
      ClientRequestToken: 'fm-41-x86_64-41.1.4',
      Intent: 'VALIDATE',
      ChangeSet: [
        {
          ChangeType: 'AddDeliveryOptions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-abc' },
          DetailsDocument: { Version: { VersionTitle: '41.1.4', ReleaseNotes: 'notes' } },
          ChangeName: 'add-version',
        },
      ],
    });
    expect(input.ChangeSet?.[0]).not.toHaveProperty('Details');
  });

  it('maps a failed change set with its error details', async () => {
    mock.on(DescribeChangeSetCommand).resolves({
      ChangeSetId: 'cs-2',
      ChangeSetArn: 'arn:cs-2',
      ChangeSetName: 'n',
      Intent: 'APPLY',
      Status: 'FAILED',
      StartTime: '2026-01-01T00:00:00Z',
      EndTime: '2026-01-01T00:10:00Z',
      FailureCode: 'CLIENT_ERROR',
      FailureDescription: 'bad version',
      ChangeSet: [
        {
          ChangeType: 'AddDeliveryOptions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-abc@1' },
          Details: '{"Version":{"VersionTitle":"41.1.4"}}',
          ErrorDetailList: [{ ErrorCode: 'DUPLICATE_VERSION_TITLE', ErrorMessage: 'exists' }],
        },
      ],
    });
    const d = await catalog().describeChangeSet('cs-2');
    expect(d).toEqual({
      changeSetId: 'cs-2',
      changeSetArn: 'arn:cs-2',
      changeSetName: 'n',
      intent: 'APPLY',
      status: 'FAILED',
      startTime: '2026-01-01T00:00:00Z',
      endTime: '2026-01-01T00:10:00Z',
      failureCode: 'CLIENT_ERROR',
      failureDescription: 'bad version',
      changes: [
        {
          changeType: 'AddDeliveryOptions',
          entity: { type: 'AmiProduct@1.0', identifier: 'prod-abc@1' },
          details: { Version: { VersionTitle: '41.1.4' } },
          errors: [{ code: 'DUPLICATE_VERSION_TITLE', message: 'exists' }],
        },
      ],
    });
  });

  it('reads every page of ListChangeSets with filters, newest first', async () => {
    mock
      .on(ListChangeSetsCommand)
      .resolvesOnce({
        ChangeSetSummaryList: [
          {
            ChangeSetId: 'a',
            Status: 'SUCCEEDED',
            StartTime: '2026-01-01T00:00:00Z',
            EntityIdList: ['prod-1'],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        ChangeSetSummaryList: [{ ChangeSetId: 'b', Status: 'APPLYING', StartTime: '2026-01-02T00:00:00Z' }],
      });
    const list = await catalog().listChangeSets({ entityId: 'prod-1', statuses: ['APPLYING', 'PREPARING'] });
    expect(list.map((s) => [s.changeSetId, s.status])).toEqual([
      ['b', 'APPLYING'],
      ['a', 'SUCCEEDED'],
    ]);
    const calls = mock.commandCalls(ListChangeSetsCommand).map((c) => c.args[0].input);
    expect(calls[0]?.FilterList).toEqual([
      { Name: 'EntityId', ValueList: ['prod-1'] },
      { Name: 'Status', ValueList: ['APPLYING', 'PREPARING'] },
    ]);
    expect(calls[1]?.NextToken).toBe('page-2');
  });

  it('lists entities across pages and keeps only exact title matches', async () => {
    mock
      .on(ListEntitiesCommand)
      .resolvesOnce({
        EntitySummaryList: [
          { EntityId: 'prod-1', EntityType: 'AmiProduct', Name: 'Fedora 41 Cloud Base Images (x86_64) HVM' },
        ],
        NextToken: 't',
      })
      .resolvesOnce({
        EntitySummaryList: [
          {
            EntityId: 'prod-2',
            EntityType: 'AmiProduct',
            Name: 'Fedora 41 Cloud Base Images (x86_64) HVM beta',
          },
        ],
      });
    const found = await catalog().listEntities({
      entityType: 'AmiProduct',
      productTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM',
    });
    expect(found.map((e) => e.entityId)).toEqual(['prod-1']);
    const first = mock.commandCalls(ListEntitiesCommand)[0]!.args[0].input;
    expect(first.EntityTypeFilters).toEqual({
      AmiProductFilters: { ProductTitle: { ValueList: ['Fedora 41 Cloud Base Images (x86_64) HVM'] } },
    });
  });

  it('returns the entity DetailsDocument', async () => {
    mock.on(DescribeEntityCommand).resolves({
      EntityType: 'AmiProduct@1.0',
      EntityArn: 'arn:prod-1',
      LastModifiedDate: '2026-01-01T00:00:00Z',
      DetailsDocument: { Versions: [{ VersionTitle: '41.1.4' }] },
    });
    const entity = await catalog().describeEntity('prod-1');
    expect(entity.details.Versions?.[0]?.VersionTitle).toBe('41.1.4');
    expect(entity.entityId).toBe('prod-1');
  });
});
