/**
 * Port-level Marketplace Catalog cases that every adapter must pass: the simulated CatalogPort called
 * directly, and the aws adapter's Catalog client over HTTP against the served simulation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogPort, ChangeSetStatus } from '../../src/cloud/ports.js';
import type { SimCloud } from '../../src/cloud/sim/index.js';
import { CloudError } from '../../src/core/errors.js';
import { addVersion, marketplaceAccounts, newProductChanges } from '../cloud/sim/sim-fixture.js';

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
  });
}
