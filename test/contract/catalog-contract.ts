/**
 * Port-level Marketplace Catalog cases that every adapter must pass: the simulated CatalogPort called
 * directly, and the aws adapter's Catalog client over HTTP against the served simulation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogPort, Change, ChangeSetDescription, ChangeSetStatus } from '../../src/cloud/ports.js';
import type { SimCloud } from '../../src/cloud/sim/index.js';
import { CloudError } from '../../src/core/errors.js';
import {
  addVersion,
  limitedListingChanges,
  marketplaceAccounts,
  newProductChanges,
  productRef,
  releaseProduct,
} from '../cloud/sim/sim-fixture.js';

export interface CatalogContractEnv {
  catalog: CatalogPort;
  /** A mirrored, shared AMI the Marketplace will ingest. */
  listableAmi(name: string): Promise<string>;
  /** How long each change-set phase lasts on this adapter. */
  prepareMs: number;
  applyMs: number;
  /** Lets `ms` of the adapter's time pass (a ManualClock jump, or a real wait). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Seeds a Fedora image in the simulation, mirrors it (copy latency 0 or settled by `settle`) and shares it. */
export async function simListableAmi(sim: SimCloud, name: string, settle: () => void): Promise<string> {
  const ec2 = sim.clients('aws').ec2;
  const source = sim.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
  const { imageId } = await ec2.copyImage({
    region: 'us-east-1',
    sourceRegion: 'us-east-1',
    sourceImageId: source.imageId,
    name: `mirror-${name}`,
    clientToken: `token-${name}`,
    tags: {},
  });
  settle();
  await ec2.modifyImageLaunchPermission('us-east-1', imageId, { add: marketplaceAccounts });
  const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [imageId] });
  for (const snapshotId of image?.snapshotIds ?? [])
    await ec2.modifySnapshotCreateVolumePermission('us-east-1', snapshotId, { add: marketplaceAccounts });
  return imageId;
}

const image = (version: string) => `Fedora-Cloud-Base-AmazonEC2.x86_64-41-${version}`;

export function runCatalogContract(name: string, makeEnv: () => Promise<CatalogContractEnv>): void {
  describe(`CatalogPort contract: ${name}`, () => {
    let env: CatalogContractEnv;
    beforeEach(async () => {
      env = await makeEnv();
    });
    afterEach(async () => {
      await env?.close();
    });

    const status = async (id: string): Promise<ChangeSetStatus> =>
      (await env.catalog.describeChangeSet(id)).status;

    /** Creates a product with version 41.1.4 and waits until it exists. */
    async function createProduct(title: string): Promise<{ productId: string; changeSetId: string }> {
      const amiId = await env.listableAmi(image('1.4'));
      const { changeSetId } = await env.catalog.startChangeSet({
        changes: newProductChanges(title, '41.1.4', amiId),
        changeSetName: `Create ${title}`,
        clientRequestToken: `create-${title.replace(/\W/g, '-')}`,
      });
      await env.advance(env.prepareMs + env.applyMs + 200);
      const done = await env.catalog.describeChangeSet(changeSetId);
      expect(done.status).toBe('SUCCEEDED');
      const productId = done.changes.find((c) => c.changeType === 'CreateProduct')?.entity.identifier;
      if (!productId) throw new Error('CreateProduct has no entity identifier after SUCCEEDED');
      return { productId, changeSetId };
    }

    it('moves a started change set PREPARING -> APPLYING -> SUCCEEDED; DescribeEntity shows the version', async () => {
      const amiId = await env.listableAmi(image('1.4'));
      const title = 'Fedora 41 Cloud Base Images (x86_64) HVM';
      const { changeSetId, changeSetArn } = await env.catalog.startChangeSet({
        changes: newProductChanges(title, '41.1.4', amiId),
        changeSetName: 'Create Fedora 41 x86_64',
        clientRequestToken: 'contract-create-41-x86_64',
      });
      expect(changeSetArn).toContain(changeSetId);
      expect(await status(changeSetId)).toBe('PREPARING');
      await env.advance(env.prepareMs + env.applyMs / 2);
      expect(await status(changeSetId)).toBe('APPLYING');
      await env.advance(env.applyMs / 2 + 200);
      const done = await env.catalog.describeChangeSet(changeSetId);
      expect(done).toMatchObject({ status: 'SUCCEEDED', intent: 'APPLY' });
      expect(done.endTime).toBeDefined();

      const [product] = await env.catalog.listEntities({ entityType: 'AmiProduct', productTitle: title });
      expect(product?.name).toBe(title);
      const entity = await env.catalog.describeEntity(product?.entityId ?? '');
      expect(entity.details.Description?.ProductTitle).toBe(title);
      expect(entity.details.Versions?.map((v) => [v.VersionTitle, v.Sources?.[0]?.Image])).toEqual([
        ['41.1.4', amiId],
      ]);
    });

    it('raises resource-in-use for a change set on a product locked by an open one', async () => {
      const { productId } = await createProduct('Fedora 41 locked');
      const amiId = await env.listableAmi(image('1.5'));
      await env.catalog.startChangeSet({
        changes: [addVersion(productId, '41.1.5', amiId)],
        changeSetName: 'Add 41.1.5',
        clientRequestToken: 'contract-add-41.1.5',
      });
      const second = env.catalog.startChangeSet({
        changes: [addVersion(productId, '41.1.6', amiId)],
        changeSetName: 'Add 41.1.6',
        clientRequestToken: 'contract-add-41.1.6',
      });
      await expect(second).rejects.toBeInstanceOf(CloudError);
      await expect(second).rejects.toMatchObject({
        kind: 'resource-in-use',
        awsCode: 'ResourceInUseException',
      });
    });

    it('fails a duplicate version title with CLIENT_ERROR and an error detail on the change', async () => {
      const { productId } = await createProduct('Fedora 41 duplicate');
      const amiId = await env.listableAmi(image('1.4b'));
      const { changeSetId } = await env.catalog.startChangeSet({
        changes: [addVersion(productId, '41.1.4', amiId)],
        changeSetName: 'Add 41.1.4 again',
        clientRequestToken: 'contract-add-41.1.4-again',
      });
      await env.advance(env.prepareMs + env.applyMs + 200);
      const failed = await env.catalog.describeChangeSet(changeSetId);
      expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'CLIENT_ERROR' });
      const errors = failed.changes.flatMap((c) => c.errors);
      expect(errors.map((e) => e.code)).toContain('DUPLICATE_VERSION_TITLE');
      expect(errors.find((e) => e.code === 'DUPLICATE_VERSION_TITLE')?.message).toContain('41.1.4');
    });

    it('lists change sets by name and by entity, newest first', async () => {
      const { productId, changeSetId: created } = await createProduct('Fedora 41 listed');
      const amiId = await env.listableAmi(image('1.5'));
      const { changeSetId: added } = await env.catalog.startChangeSet({
        changes: [addVersion(productId, '41.1.5', amiId)],
        changeSetName: 'Add 41.1.5 listed',
        clientRequestToken: 'contract-add-41.1.5-listed',
      });
      const byName = await env.catalog.listChangeSets({ changeSetName: 'Add 41.1.5 listed' });
      expect(byName.map((s) => [s.changeSetId, s.status])).toEqual([[added, 'PREPARING']]);
      expect(byName[0]?.entityIds).toEqual([productId]);
      const byEntity = await env.catalog.listChangeSets({ entityId: productId });
      expect(byEntity.map((s) => s.changeSetId)).toEqual([added, created]);
      expect(await env.catalog.listChangeSets({ changeSetName: 'no such change set' })).toEqual([]);
    });

    /** Starts a set and returns it once it has ended. */
    async function settled(changes: Change[], token: string) {
      const { changeSetId } = await env.catalog.startChangeSet({
        changes,
        changeSetName: token,
        clientRequestToken: token,
      });
      await env.advance(env.prepareMs + env.applyMs + 200);
      return env.catalog.describeChangeSet(changeSetId);
    }

    const codes = (d: ChangeSetDescription) => d.changes.flatMap((c) => c.errors.map((e) => e.code));

    it('releases a product with its free offer in one set; the offer reads back by product', async () => {
      const amiId = await env.listableAmi(image('1.4'));
      const done = await settled(
        limitedListingChanges('Fedora 41 limited', '41.1.4', amiId),
        'contract-limited',
      );
      expect(done.status, JSON.stringify(codes(done))).toBe('SUCCEEDED');
      const productId = done.changes.find((c) => c.changeType === 'CreateProduct')?.entity.identifier ?? '';
      const offerId = done.changes.find((c) => c.changeType === 'CreateOffer')?.entity.identifier ?? '';
      expect((await env.catalog.describeEntity(productId)).details.Description?.Visibility).toBe('Limited');
      const offer = await env.catalog.describeEntity(offerId, 'Offer@1.0');
      expect(offer).toMatchObject({
        entityType: 'Offer@1.0',
        details: { ProductId: productId, State: 'Released' },
      });
      expect(await env.catalog.listEntities({ entityType: 'Offer', productId })).toEqual([
        expect.objectContaining({ entityId: offerId, entityType: 'Offer', productId, state: 'Released' }),
      ]);
      await expect(env.catalog.describeEntity(productId, 'Offer@1.0')).rejects.toMatchObject({
        kind: 'not-found',
      });
    });

    it('fails a release without a priced offer with CLIENT_ERROR', async () => {
      const amiId = await env.listableAmi(image('1.4'));
      const failed = await settled(
        [...newProductChanges('Fedora 41 unpriced', '41.1.4', amiId), releaseProduct(productRef)],
        'contract-unpriced',
      );
      expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'CLIENT_ERROR' });
      expect(codes(failed)).toEqual(['OFFER_REQUIRED']);
      expect(
        await env.catalog.listEntities({ entityType: 'AmiProduct', productTitle: 'Fedora 41 unpriced' }),
      ).toEqual([]);
    });

    it('fails GovCloud regions in AddRegions with CLIENT_ERROR: only a Marketplace representative adds them', async () => {
      const { productId } = await createProduct('Fedora 41 GovCloud');
      const failed = await settled(
        [
          {
            ChangeType: 'AddRegions',
            Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
            DetailsDocument: { Regions: ['us-gov-east-1'] },
          },
        ],
        'contract-govcloud',
      );
      expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'CLIENT_ERROR' });
      expect(failed.changes[0]?.errors).toEqual([
        { code: 'INVALID_REGION', message: expect.stringContaining('Marketplace representative') },
      ]);
    });

    it('refuses at once Intent VALIDATE for a set that does more than add versions, and a DetailsDocument AWS refuses', async () => {
      const { productId } = await createProduct('Fedora 41 validate');
      const validate = env.catalog.startChangeSet({
        changes: [releaseProduct(productId)],
        changeSetName: 'validate release',
        clientRequestToken: 'contract-validate-release',
        intent: 'VALIDATE',
      });
      await expect(validate).rejects.toMatchObject({ kind: 'validation', awsCode: 'ValidationException' });
      const error = (await validate.catch((e: unknown) => e)) as CloudError;
      expect(error.details.map((d) => d.field)).toEqual(['Intent']);

      const amiId = await env.listableAmi(image('1.5'));
      const tooLong = (await env.catalog
        .startChangeSet({
          changes: [addVersion(productId, 'v'.repeat(65), amiId)],
          changeSetName: 'too long',
          clientRequestToken: 'contract-too-long',
        })
        .catch((e: unknown) => e)) as CloudError;
      expect(tooLong).toBeInstanceOf(CloudError);
      expect(tooLong.details).toEqual([
        {
          code: 'FieldValidationFailed',
          message: 'must NOT have more than 64 characters',
          field: 'Details.Version.VersionTitle',
          changeType: 'AddDeliveryOptions',
          entityType: 'AmiProduct@1.0',
          entityId: productId,
        },
      ]);
      expect(await env.catalog.listChangeSets({ entityId: productId })).toHaveLength(1);
    });
  });
}
