import {
  CancelChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeEntityCommand,
  ListChangeSetsCommand,
  ListEntitiesCommand,
  MarketplaceCatalogClient,
  ResourceInUseException,
  ResourceNotFoundException,
  StartChangeSetCommand,
  ValidationException,
} from '@aws-sdk/client-marketplace-catalog';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../src/core/clock.js';
import type { Change } from '../../../src/cloud/ports.js';
import { startCatalogServer } from '../../../src/cloud/sim/catalog-server.js';
import type { SimCloud } from '../../../src/cloud/sim/index.js';
import {
  addVersion,
  changeSetSeconds,
  limitedListingChanges,
  listableAmi,
  makeSim,
  newProductChanges,
  seller,
} from './sim-fixture.js';

const title = 'Fedora 41 Cloud Base Images (x86_64) HVM';
const Catalog = 'AWSMarketplace';

/** The SDK types DetailsDocument as a Smithy document; our changes carry plain JSON. */
const sdkChanges = (changes: Change[]) =>
  changes.map((c) => ({ ...c, DetailsDocument: c.DetailsDocument as never }));

describe('Catalog API server over the simulated Marketplace, driven by the AWS SDK', () => {
  let cloud: SimCloud;
  let clock: ManualClock;
  let server: { url: string; close(): Promise<void> };
  let client: MarketplaceCatalogClient;

  beforeEach(async () => {
    ({ cloud, clock } = makeSim());
    server = await startCatalogServer({
      catalog: cloud.clients('aws').catalog,
      host: '127.0.0.1',
      port: 0,
      sellerAccount: seller,
    });
    client = new MarketplaceCatalogClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' },
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  it('starts, describes and lists change sets and describes the created entity', async () => {
    const amiId = await listableAmi(cloud, clock);
    const started = await client.send(
      new StartChangeSetCommand({
        Catalog,
        ChangeSet: sdkChanges(newProductChanges(title, '41.1.4', amiId)),
        ChangeSetName: 'create fedora 41',
        ClientRequestToken: 'create-41',
      }),
    );
    expect(started.ChangeSetId).toMatch(/^[a-z0-9]{25}$/);
    const preparing = await client.send(
      new DescribeChangeSetCommand({ Catalog, ChangeSetId: started.ChangeSetId }),
    );
    expect(preparing).toMatchObject({
      Status: 'PREPARING',
      Intent: 'APPLY',
      ChangeSetName: 'create fedora 41',
    });
    expect(preparing.EndTime).toBeUndefined();

    clock.advance(changeSetSeconds * 1000);
    const done = await client.send(
      new DescribeChangeSetCommand({ Catalog, ChangeSetId: started.ChangeSetId }),
    );
    expect(done.Status).toBe('SUCCEEDED');
    const productId = done.ChangeSet?.[0]?.Entity?.Identifier ?? '';
    expect(productId).toMatch(/^prod-/);
    expect(JSON.parse(done.ChangeSet?.[2]?.Details ?? '{}')).toEqual({ Regions: ['us-east-1', 'eu-west-1'] });

    const listed = await client.send(
      new ListChangeSetsCommand({
        Catalog,
        FilterList: [
          { Name: 'EntityId', ValueList: [productId] },
          { Name: 'Status', ValueList: ['SUCCEEDED'] },
        ],
      }),
    );
    expect(listed.ChangeSetSummaryList).toMatchObject([
      { ChangeSetId: started.ChangeSetId, EntityIdList: [productId], Status: 'SUCCEEDED' },
    ]);

    const entity = await client.send(new DescribeEntityCommand({ Catalog, EntityId: productId }));
    expect(entity.EntityType).toBe('AmiProduct@1.0');
    const details = entity.DetailsDocument as {
      Versions: Array<{ VersionTitle: string; Sources: Array<{ Image: string }> }>;
    };
    expect(details.Versions[0]).toMatchObject({ VersionTitle: '41.1.4', Sources: [{ Image: amiId }] });

    const entities = await client.send(
      new ListEntitiesCommand({
        Catalog,
        EntityType: 'AmiProduct',
        EntityTypeFilters: { AmiProductFilters: { ProductTitle: { ValueList: [title] } } },
      }),
    );
    expect(entities.EntitySummaryList).toMatchObject([
      {
        EntityId: productId,
        Name: title,
        EntityArn: `arn:aws:aws-marketplace:us-east-1:${seller}:AWSMarketplace/AmiProduct/${productId}`,
      },
    ]);
  });

  it('surfaces the locked entity, missing entity and bad request as the SDK exception classes', async () => {
    const amiId = await listableAmi(cloud, clock);
    const first = await client.send(
      new StartChangeSetCommand({
        Catalog,
        ChangeSet: sdkChanges(newProductChanges(title, '41.1.4', amiId)),
        ClientRequestToken: 'create-41',
      }),
    );
    clock.advance(changeSetSeconds * 1000);
    const described = await client.send(
      new DescribeChangeSetCommand({ Catalog, ChangeSetId: first.ChangeSetId }),
    );
    const productId = described.ChangeSet?.[0]?.Entity?.Identifier ?? '';
    const version = (versionTitle: string) => sdkChanges([addVersion(productId, versionTitle, amiId)]);

    const open = await client.send(
      new StartChangeSetCommand({ Catalog, ChangeSet: version('41.1.5'), ChangeSetName: 'v5' }),
    );
    const locked = await client
      .send(new StartChangeSetCommand({ Catalog, ChangeSet: version('41.1.6') }))
      .catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(ResourceInUseException);
    expect((locked as ResourceInUseException).$metadata.httpStatusCode).toBe(423);
    expect((locked as ResourceInUseException).message).toContain(open.ChangeSetId);

    const cancelled = await client.send(
      new CancelChangeSetCommand({ Catalog, ChangeSetId: open.ChangeSetId }),
    );
    expect(cancelled.ChangeSetId).toBe(open.ChangeSetId);
    expect(
      (await client.send(new DescribeChangeSetCommand({ Catalog, ChangeSetId: open.ChangeSetId }))).Status,
    ).toBe('CANCELLED');

    const missing = await client
      .send(new DescribeEntityCommand({ Catalog, EntityId: 'prod-doesnotexist1' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const empty = await client
      .send(new StartChangeSetCommand({ Catalog, ChangeSet: [] }))
      .catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(ValidationException);
    expect((empty as ValidationException).$metadata.httpStatusCode).toBe(422);
  });

  it('pages ListChangeSets with NextToken', async () => {
    const amiId = await listableAmi(cloud, clock);
    for (let i = 0; i < 3; i++) {
      await client.send(
        new StartChangeSetCommand({
          Catalog,
          ChangeSet: sdkChanges(newProductChanges(`${title} ${i}`, '41.1.4', amiId)),
          ChangeSetName: 'paged',
        }),
      );
    }
    const first = await client.send(new ListChangeSetsCommand({ Catalog, MaxResults: 2 }));
    expect(first.ChangeSetSummaryList).toHaveLength(2);
    const second = await client.send(
      new ListChangeSetsCommand({ Catalog, MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(second.ChangeSetSummaryList).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers malformed changes with a ValidationException that names the field, and the Details string rules', async () => {
    const amiId = await listableAmi(cloud, clock);
    const [create, info] = newProductChanges(title, '41.1.4', amiId);
    const cases = [
      // Details and DetailsDocument together.
      { ...create!, Details: '{}' },
      // A Details string must hold an object: the dimension list needs DetailsDocument.
      {
        ChangeType: 'AddDimensions',
        Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-aaaaaaaaaaaaa' },
        Details: JSON.stringify([{ Key: 't3.small' }]),
      },
    ];
    for (const change of cases) {
      const refused = await client
        .send(new StartChangeSetCommand({ Catalog, ChangeSet: [change as never] }))
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ValidationException);
    }
    const shape = (await client
      .send(
        new StartChangeSetCommand({
          Catalog,
          ChangeSet: sdkChanges([create!, { ...info!, DetailsDocument: { ProductTitle: 'T'.repeat(73) } }]),
        }),
      )
      .catch((e: unknown) => e)) as ValidationException;
    expect(shape).toBeInstanceOf(ValidationException);
    expect(shape.ValidationExceptionFieldList).toEqual([
      {
        Reason: 'FieldValidationFailed',
        EntityType: 'AmiProduct@1.0',
        EntityId: '$CreateProductChange.Entity.Identifier',
        ChangeType: 'UpdateInformation',
        Field: 'Details.ProductTitle',
        Message: 'must NOT have more than 72 characters',
      },
    ]);
    // The same change as a Details string is accepted.
    const asString = await client.send(
      new StartChangeSetCommand({
        Catalog,
        ChangeSet: [create!, info!].map(({ DetailsDocument, ...c }) => ({
          ...c,
          Details: JSON.stringify(DetailsDocument),
        })),
      }),
    );
    expect(asString.ChangeSetId).toBeDefined();
  });

  it('lists and describes offers', async () => {
    const amiId = await listableAmi(cloud, clock);
    const { ChangeSetId } = await client.send(
      new StartChangeSetCommand({
        Catalog,
        ChangeSet: sdkChanges(limitedListingChanges(title, '41.1.4', amiId)),
      }),
    );
    clock.advance(changeSetSeconds * 1000);
    const done = await client.send(new DescribeChangeSetCommand({ Catalog, ChangeSetId }));
    expect(done.Status).toBe('SUCCEEDED');
    const productId = done.ChangeSet?.find((c) => c.ChangeType === 'CreateProduct')?.Entity?.Identifier;
    const listed = await client.send(
      new ListEntitiesCommand({
        Catalog,
        EntityType: 'Offer',
        EntityTypeFilters: { OfferFilters: { ProductId: { ValueList: [productId ?? ''] } } },
      }),
    );
    const offerId = listed.EntitySummaryList?.[0]?.EntityId ?? '';
    expect(listed.EntitySummaryList?.[0]).toMatchObject({
      EntityType: 'Offer',
      Name: 'Fedora Cloud Base',
      OfferSummary: { ProductId: productId, State: 'Released' },
    });
    const offer = await client.send(new DescribeEntityCommand({ Catalog, EntityId: offerId }));
    expect(offer).toMatchObject({
      EntityType: 'Offer@1.0',
      DetailsDocument: { Id: offerId, State: 'Released' },
    });
  });
});
