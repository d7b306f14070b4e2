import { describe, expect, it } from 'vitest';
import type { CatalogPort, Change } from '../../../src/cloud/ports.js';
import type { ManualClock } from '../../../src/core/clock.js';
import {
  addVersion,
  changeSetSeconds,
  listableAmi,
  makeSim,
  newProductChanges,
  rejection,
} from './sim-fixture.js';

const title = 'Fedora 41 Cloud Base Images (x86_64) HVM';

async function createProduct(
  catalog: CatalogPort,
  amiId: string,
  advance: (ms: number) => void,
): Promise<string> {
  const { changeSetId } = await catalog.startChangeSet({
    changes: newProductChanges(title, '41.1.4', amiId),
    changeSetName: 'create fedora 41 x86_64',
    clientRequestToken: 'create-41-x86_64',
  });
  advance(changeSetSeconds * 1000);
  const done = await catalog.describeChangeSet(changeSetId);
  expect(done.status).toBe('SUCCEEDED');
  const productId = done.changes[0]?.entity.identifier ?? '';
  expect(productId).toMatch(/^prod-[a-z0-9]{13}$/);
  return productId;
}

describe('simulated Marketplace catalog', () => {
  it('moves a change set PREPARING -> APPLYING -> SUCCEEDED and applies it', async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog, ssm } = cloud.clients('aws');
    const { changeSetId, changeSetArn } = await catalog.startChangeSet({
      changes: newProductChanges(title, '41.1.4', amiId),
      changeSetName: 'create fedora 41 x86_64',
      clientRequestToken: 'create-41-x86_64',
    });
    expect(changeSetArn).toBe(
      `arn:aws:aws-marketplace:us-east-1:444455556666:AWSMarketplace/ChangeSet/${changeSetId}`,
    );
    expect((await catalog.describeChangeSet(changeSetId)).status).toBe('PREPARING');
    clock.advance(120_000);
    expect((await catalog.describeChangeSet(changeSetId)).status).toBe('APPLYING');
    clock.advance(899_000);
    expect((await catalog.describeChangeSet(changeSetId)).endTime).toBeUndefined();
    clock.advance(1_000);
    const done = await catalog.describeChangeSet(changeSetId);
    expect(done).toMatchObject({ status: 'SUCCEEDED', intent: 'APPLY', endTime: '2026-01-01T00:48:00Z' });
    const productId = done.changes[0]?.entity.identifier ?? '';
    expect(done.changes.every((c) => c.entity.identifier === productId)).toBe(true);

    const entity = await catalog.describeEntity(productId);
    expect(entity.details.Description).toMatchObject({ ProductTitle: title, Visibility: 'Draft' });
    expect(entity.details.RegionAvailability?.Regions).toEqual(['us-east-1', 'eu-west-1']);
    const version = entity.details.Versions?.[0];
    expect(version?.VersionTitle).toBe('41.1.4');
    expect(version?.Sources?.[0]).toMatchObject({
      Image: amiId,
      Architecture: 'x86_64',
      Type: 'AmazonMachineImage',
      Compatibility: { AvailableInstanceTypes: ['t3.small', 'm6i.large'], RestrictedInstanceTypes: [] },
    });
    const option = version?.DeliveryOptions?.[0];
    expect(option?.Id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(option).toMatchObject({
      Visibility: 'Public',
      AmiAlias: `/aws/service/marketplace/${productId}/41.1.4`,
    });
    expect(await catalog.listEntities({ entityType: 'AmiProduct', productTitle: title })).toMatchObject([
      { entityId: productId, name: title },
    ]);
    expect(await catalog.listEntities({ entityType: 'AmiProduct', productTitle: 'Fedora 40' })).toEqual([]);

    const aliased = await ssm.getParameter('eu-west-1', `/aws/service/marketplace/${productId}/latest`);
    expect(aliased).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(await ssm.getParameter('eu-west-1', `/aws/service/marketplace/${productId}/41.1.4`)).toBe(aliased);
    expect(cloud.resolveMarketplaceAmi(aliased ?? '')).toEqual({
      productId,
      versionTitle: '41.1.4',
      region: 'eu-west-1',
    });
    expect(
      await ssm.getParameter('ap-south-1', `/aws/service/marketplace/${productId}/latest`),
    ).toBeUndefined();
  });

  it('returns the same change set for a repeated ClientRequestToken', async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog } = cloud.clients('aws');
    const request = {
      changes: newProductChanges(title, '41.1.4', amiId),
      changeSetName: 'create',
      clientRequestToken: 'same-token',
    };
    const first = await catalog.startChangeSet(request);
    expect(await catalog.startChangeSet(request)).toEqual(first);
    expect(await catalog.listChangeSets({})).toHaveLength(1);
  });

  it('locks an entity while a change set on it is open (ResourceInUseException)', async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog } = cloud.clients('aws');
    const productId = await createProduct(catalog, amiId, (ms) => clock.advance(ms));
    const regions = (token: string) => ({
      changes: [
        {
          ChangeType: 'AddRegions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
          DetailsDocument: { Regions: ['af-south-1'] },
        },
      ],
      changeSetName: 'add regions',
      clientRequestToken: token,
    });
    const open = await catalog.startChangeSet(regions('first'));
    clock.advance(200_000);
    const locked = await rejection(catalog.startChangeSet(regions('second')));
    expect(locked).toMatchObject({ kind: 'resource-in-use', awsCode: 'ResourceInUseException' });
    expect(locked.message).toContain(open.changeSetId);
    clock.advance(changeSetSeconds * 1000);
    await catalog.startChangeSet(regions('second'));
    const listed = await catalog.listChangeSets({ entityId: productId });
    expect(listed.map((c) => c.status)).toEqual(['PREPARING', 'SUCCEEDED', 'SUCCEEDED']);
    expect(
      await catalog.listChangeSets({ entityId: productId, statuses: ['PREPARING', 'APPLYING'] }),
    ).toHaveLength(1);
    expect(await catalog.listChangeSets({ changeSetName: 'add regions' })).toHaveLength(2);
  });

  it('fails a duplicate version title with CLIENT_ERROR and an error detail, leaving the product unchanged', async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog } = cloud.clients('aws');
    const productId = await createProduct(catalog, amiId, (ms) => clock.advance(ms));
    const before = await catalog.describeEntity(productId);
    const { changeSetId } = await catalog.startChangeSet({
      changes: [
        {
          ChangeType: 'AddRegions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
          DetailsDocument: { Regions: ['ap-east-1'] },
        },
        addVersion(productId, '41.1.4', amiId),
      ],
      changeSetName: 'new version',
      clientRequestToken: 'dup',
    });
    clock.advance(changeSetSeconds * 1000);
    const failed = await catalog.describeChangeSet(changeSetId);
    expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'CLIENT_ERROR' });
    expect(failed.changes[0]?.errors).toEqual([]);
    expect(failed.changes[1]?.errors).toEqual([expect.objectContaining({ code: 'DUPLICATE_VERSION_TITLE' })]);
    expect(await catalog.describeEntity(productId)).toEqual(before);
  });

  it("refuses at once a DetailsDocument that AWS's shape refuses, and fails versions whose AMI is not shared or whose role is not allowed", async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog, ec2 } = cloud.clients('aws');
    const productId = await createProduct(catalog, amiId, (ms) => clock.advance(ms));
    await ec2.modifyImageLaunchPermission('us-east-1', amiId, { remove: ['684062674729'] });
    const tooLong = await rejection(
      catalog.startChangeSet({
        changes: [addVersion(productId, 'x'.repeat(65), amiId)],
        changeSetName: 'bad version',
        clientRequestToken: 'bad',
      }),
    );
    expect(tooLong).toMatchObject({ kind: 'validation', awsCode: 'ValidationException' });
    expect(tooLong.details).toEqual([
      {
        code: 'FieldValidationFailed',
        field: 'Details.Version.VersionTitle',
        message: 'must NOT have more than 64 characters',
        changeType: 'AddDeliveryOptions',
        entityType: 'AmiProduct@1.0',
        entityId: productId,
      },
    ]);
    expect(await catalog.listChangeSets({ changeSetName: 'bad version' })).toEqual([]);
    const second = await catalog.startChangeSet({
      changes: [addVersion(productId, '41.1.5', amiId, 'arn:aws:iam::111122223333:role/Other')],
      changeSetName: 'bad version',
      clientRequestToken: 'bad-2',
    });
    clock.advance(changeSetSeconds * 1000);
    const errors = (await catalog.describeChangeSet(second.changeSetId)).changes[0]?.errors ?? [];
    expect(errors.map((e) => e.code)).toEqual(['INVALID_ACCESS_ROLE_ARN', 'AMI_NOT_SHARED']);
    expect(errors[1]?.message).toContain('684062674729');
  });

  it('validates a new version with Intent VALIDATE without applying it; refuses VALIDATE for anything else', async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog } = cloud.clients('aws');
    const refused = await rejection(
      catalog.startChangeSet({
        changes: newProductChanges(title, '41.1.4', amiId),
        changeSetName: 'validate',
        clientRequestToken: 'validate',
        intent: 'VALIDATE',
      }),
    );
    expect(refused).toMatchObject({ kind: 'validation', awsCode: 'ValidationException' });
    expect(refused.details.map((d) => d.field)).toEqual(['Intent']);

    const productId = await createProduct(catalog, amiId, (ms) => clock.advance(ms));
    const before = await catalog.describeEntity(productId);
    const { changeSetId } = await catalog.startChangeSet({
      changes: [addVersion(productId, '41.1.5', amiId)],
      changeSetName: 'validate 41.1.5',
      clientRequestToken: 'validate-41.1.5',
      intent: 'VALIDATE',
    });
    clock.advance(changeSetSeconds * 1000);
    expect(await catalog.describeChangeSet(changeSetId)).toMatchObject({
      status: 'SUCCEEDED',
      intent: 'VALIDATE',
    });
    expect(await catalog.describeEntity(productId)).toEqual(before);
  });

  it('rejects malformed change sets synchronously and cancels only while PREPARING', async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog } = cloud.clients('aws');
    const productId = await createProduct(catalog, amiId, (ms) => clock.advance(ms));
    const twice = await rejection(
      catalog.startChangeSet({
        changes: [addVersion(productId, 'a', amiId), addVersion(productId, 'b', amiId)],
        changeSetName: 'twice',
        clientRequestToken: 'twice',
      }),
    );
    expect(twice).toMatchObject({ kind: 'validation', awsCode: 'ValidationException' });
    const empty = await rejection(
      catalog.startChangeSet({ changes: [], changeSetName: 'empty', clientRequestToken: 'empty' }),
    );
    expect(empty.kind).toBe('validation');
    const missing = await rejection(catalog.describeEntity('prod-doesnotexist1'));
    expect(missing).toMatchObject({ kind: 'not-found', awsCode: 'ResourceNotFoundException' });

    const first = await catalog.startChangeSet({
      changes: [addVersion(productId, 'c', amiId)],
      changeSetName: 'c',
      clientRequestToken: 'c',
    });
    await catalog.cancelChangeSet(first.changeSetId);
    expect((await catalog.describeChangeSet(first.changeSetId)).status).toBe('CANCELLED');
    const second = await catalog.startChangeSet({
      changes: [addVersion(productId, 'd', amiId)],
      changeSetName: 'd',
      clientRequestToken: 'd',
    });
    clock.advance(130_000);
    const late = await rejection(catalog.cancelChangeSet(second.changeSetId));
    expect(late.awsCode).toBe('ResourceInUseException');
  });

  it('restricts regions and delivery options, but never the last public version', async () => {
    const { cloud, clock } = makeSim();
    const amiId = await listableAmi(cloud, clock);
    const { catalog } = cloud.clients('aws');
    const productId = await createProduct(catalog, amiId, (ms) => clock.advance(ms));
    const optionId =
      (await catalog.describeEntity(productId)).details.Versions?.[0]?.DeliveryOptions?.[0]?.Id ?? '';
    const entity = { Type: 'AmiProduct@1.0', Identifier: productId };
    const restrictOnly = {
      ChangeType: 'RestrictDeliveryOptions',
      Entity: entity,
      DetailsDocument: { DeliveryOptionIds: [optionId] },
    };
    // A version added by the same set does not count: it is not available until the set succeeds.
    const refused = await settle(catalog, clock, [restrictOnly, addVersion(productId, '41.1.5', amiId)]);
    expect(refused.changes[0]?.errors.map((e) => e.code)).toEqual(['LAST_PUBLIC_VERSION']);

    await settle(catalog, clock, [addVersion(productId, '41.1.5', amiId)]);
    const done = await settle(catalog, clock, [
      restrictOnly,
      { ChangeType: 'RestrictRegions', Entity: entity, DetailsDocument: { Regions: ['eu-west-1'] } },
      {
        ChangeType: 'UpdateFutureRegionSupport',
        Entity: entity,
        DetailsDocument: { FutureRegionSupport: { SupportedRegions: ['All'] } },
      },
    ]);
    expect(done.status).toBe('SUCCEEDED');
    const details = (await catalog.describeEntity(productId)).details;
    expect(details.Versions?.map((v) => v.DeliveryOptions?.[0]?.Visibility)).toEqual([
      'Restricted',
      'Public',
    ]);
    expect(details.RegionAvailability).toMatchObject({ Regions: ['us-east-1'], Restrict: ['eu-west-1'] });
    expect(cloud.state().products).toEqual([
      expect.objectContaining({
        id: productId,
        title,
        visibility: 'Draft',
        offerId: null,
        versions: [
          { title: '41.1.4', amiId, deliveryOptionId: optionId, visibility: 'Restricted' },
          expect.objectContaining({ title: '41.1.5', visibility: 'Public' }),
        ],
      }),
    ]);
  });
});

let tokens = 0;

/** Starts a change set and lets it run to its end. */
async function settle(catalog: CatalogPort, clock: ManualClock, changes: Change[]) {
  tokens += 1;
  const { changeSetId } = await catalog.startChangeSet({
    changes,
    changeSetName: `set ${tokens}`,
    clientRequestToken: `token-${tokens}`,
  });
  clock.advance(changeSetSeconds * 1000);
  return catalog.describeChangeSet(changeSetId);
}
