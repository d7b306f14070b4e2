/**
 * Port-level EC2 cases that every adapter must pass: the simulated cloud and the AWS adapter over
 * moto run the same file, so the simulation cannot drift from what the SDK shows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ec2Port, Image } from '../../src/cloud/ports.js';

export interface Ec2ContractEnv {
  ec2: Ec2Port;
  /** The account the port acts as (owner of copies). */
  internalAccount: string;
  fedoraOwner: string;
  /** A Fedora-owned source image, and an impostor with the same name owned by another account. */
  source: { region: string; imageId: string; name: string };
  impostor: { imageId: string; ownerId: string };
  /** Lets time pass until pending copies settle (the simulation's clock; a no-op on moto). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const marketplaceAccounts = ['679593333241', '684062674729'];

export function runEc2Contract(name: string, makeEnv: () => Promise<Ec2ContractEnv>): void {
  describe(`Ec2Port contract: ${name}`, () => {
    let env: Ec2ContractEnv;
    beforeEach(async () => {
      env = await makeEnv();
    });
    afterEach(async () => {
      await env?.close();
    });

    async function copyOnce(suffix: string): Promise<Image> {
      const request = {
        region: env.source.region,
        sourceRegion: env.source.region,
        sourceImageId: env.source.imageId,
        name: `contract-${suffix}`,
        clientToken: `contract-token-${suffix}`,
        tags: { 'fedora-marketplace:source': env.source.imageId },
      };
      const { imageId } = await env.ec2.copyImage(request);
      await env.settle();
      const [image] = await env.ec2.describeImages(env.source.region, {
        owners: ['self'],
        imageIds: [imageId],
      });
      if (!image) throw new Error(`copy ${imageId} is not visible to its owner`);
      return image;
    }

    it('owner-pinned lookup ignores an image of the same name owned by another account', async () => {
      const pinned = await env.ec2.describeImages(env.source.region, {
        owners: [env.fedoraOwner],
        names: [env.source.name],
      });
      expect(pinned.map((i) => [i.imageId, i.ownerId])).toEqual([[env.source.imageId, env.fedoraOwner]]);
      const impostor = await env.ec2.describeImages(env.source.region, {
        owners: [env.impostor.ownerId],
        names: [env.source.name],
      });
      expect(impostor.map((i) => i.imageId)).toEqual([env.impostor.imageId]);
    });

    it('copying twice with the same name and token yields one image, owned and tagged', async () => {
      const first = await copyOnce('twice');
      const again = await env.ec2.copyImage({
        region: env.source.region,
        sourceRegion: env.source.region,
        sourceImageId: env.source.imageId,
        name: 'contract-twice',
        clientToken: 'contract-token-twice',
        tags: { 'fedora-marketplace:source': env.source.imageId },
      });
      expect(again.imageId).toBe(first.imageId);
      const copies = await env.ec2.describeImages(env.source.region, {
        owners: ['self'],
        names: ['contract-twice'],
      });
      expect(copies.map((i) => i.imageId)).toEqual([first.imageId]);
      expect(first.ownerId).toBe(env.internalAccount);
      expect(first.tags['fedora-marketplace:source']).toBe(env.source.imageId);
      expect(first.encrypted).toBe(false);
    });

    it('sharing reads back exactly the accounts granted, for the image and its snapshots', async () => {
      const image = await copyOnce('share');
      expect(await env.ec2.describeImageLaunchPermission(env.source.region, image.imageId)).toEqual([]);
      await env.ec2.modifyImageLaunchPermission(env.source.region, image.imageId, {
        add: marketplaceAccounts,
      });
      expect((await env.ec2.describeImageLaunchPermission(env.source.region, image.imageId)).sort()).toEqual(
        marketplaceAccounts,
      );
      expect(image.snapshotIds.length).toBeGreaterThan(0);
      for (const snapshotId of image.snapshotIds) {
        await env.ec2.modifySnapshotCreateVolumePermission(env.source.region, snapshotId, {
          add: marketplaceAccounts,
        });
        expect(
          (await env.ec2.describeSnapshotCreateVolumePermission(env.source.region, snapshotId)).sort(),
        ).toEqual(marketplaceAccounts);
      }
    });

    it('permissions can be removed again', async () => {
      const image = await copyOnce('unshare');
      const snapshotId = image.snapshotIds[0]!;
      await env.ec2.modifyImageLaunchPermission(env.source.region, image.imageId, {
        add: marketplaceAccounts,
      });
      await env.ec2.modifySnapshotCreateVolumePermission(env.source.region, snapshotId, {
        add: marketplaceAccounts,
      });
      await env.ec2.modifyImageLaunchPermission(env.source.region, image.imageId, {
        remove: marketplaceAccounts,
      });
      await env.ec2.modifySnapshotCreateVolumePermission(env.source.region, snapshotId, {
        remove: [marketplaceAccounts[0]!],
      });
      expect(await env.ec2.describeImageLaunchPermission(env.source.region, image.imageId)).toEqual([]);
      expect(await env.ec2.describeSnapshotCreateVolumePermission(env.source.region, snapshotId)).toEqual([
        marketplaceAccounts[1],
      ]);
    });
  });
}
