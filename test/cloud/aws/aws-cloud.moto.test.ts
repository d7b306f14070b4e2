import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Cloud, Ec2Port } from '../../../src/cloud/ports.js';
import { CloudError, InputError } from '../../../src/core/errors.js';
import {
  fedoraOwner,
  motoAccountHook,
  motoAccounts,
  motoCloud,
  motoConfig,
  seededImages,
  startMoto,
  type Moto,
} from '../../helpers/moto.js';

let moto: Moto;
let cloud: Cloud;
let ec2: Ec2Port;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await cloud?.close();
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  await cloud?.close();
  cloud = motoCloud(moto);
  ec2 = cloud.clients('aws').ec2;
});

const sourceName = seededImages.x86_64.name;

describe('aws adapter EC2 against moto', () => {
  it('pins the owner: the same-named image of another account is not returned', async () => {
    const images = await ec2.describeImages('us-east-1', { owners: [fedoraOwner], names: [sourceName] });
    expect(images.map((i) => [i.imageId, i.ownerId])).toEqual([[seededImages.x86_64.ami_id, fedoraOwner]]);
    expect(images[0]).toMatchObject({
      architecture: 'x86_64',
      virtualizationType: 'hvm',
      rootDeviceType: 'ebs',
      state: 'available',
      encrypted: false,
      public: true,
      region: 'us-east-1',
    });
    expect(images[0]?.snapshotIds).toHaveLength(1);
  });

  it('refuses a lookup without owners', async () => {
    await expect(
      ec2.describeImages('us-east-1', { owners: [] as unknown as [string] }),
    ).rejects.toBeInstanceOf(InputError);
  });

  it('copies once for two calls with the same name and token, and tags the image', async () => {
    const request = {
      region: 'us-east-2',
      sourceRegion: 'us-east-1',
      sourceImageId: seededImages.arm64.ami_id,
      name: 'fedora-marketplace/Fedora-Cloud-Base-41-1.4.aarch64',
      clientToken: 'fm-41-1.4-arm64-us-east-2',
      tags: { 'fedora-marketplace:source': seededImages.arm64.ami_id, Name: 'fedora 41 arm64' },
    };
    const first = await ec2.copyImage(request);
    const second = await ec2.copyImage(request);
    expect(second.imageId).toBe(first.imageId);
    const mine = await ec2.describeImages('us-east-2', { owners: ['self'], names: [request.name] });
    expect(mine.map((i) => i.imageId)).toEqual([first.imageId]);
    const copy = mine[0]!;
    expect(copy.ownerId).toBe(motoAccounts.internal);
    expect(copy.tags).toEqual(request.tags);
    const byTag = await ec2.describeImages('us-east-2', {
      owners: ['self'],
      tags: { Name: 'fedora 41 arm64' },
    });
    expect(byTag.map((i) => i.imageId)).toEqual([first.imageId]);
    expect(copy.snapshotIds.length).toBeGreaterThan(0);
  });

  it('shares image and snapshot and reads back exactly the granted accounts, then removes one', async () => {
    const { imageId } = await ec2.copyImage({
      region: 'us-east-1',
      sourceRegion: 'us-east-1',
      sourceImageId: seededImages.x86_64.ami_id,
      name: 'share-me',
      clientToken: 'share-me',
      tags: {},
    });
    const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [imageId] });
    const snapshotId = image!.snapshotIds[0]!;
    await ec2.modifyImageLaunchPermission('us-east-1', imageId, { add: ['679593333241', '684062674729'] });
    await ec2.modifySnapshotCreateVolumePermission('us-east-1', snapshotId, {
      add: ['679593333241', '684062674729'],
    });
    expect((await ec2.describeImageLaunchPermission('us-east-1', imageId)).sort()).toEqual([
      '679593333241',
      '684062674729',
    ]);
    expect((await ec2.describeSnapshotCreateVolumePermission('us-east-1', snapshotId)).sort()).toEqual([
      '679593333241',
      '684062674729',
    ]);
    await ec2.modifyImageLaunchPermission('us-east-1', imageId, { remove: ['679593333241'] });
    await ec2.modifySnapshotCreateVolumePermission('us-east-1', snapshotId, { remove: ['679593333241'] });
    expect(await ec2.describeImageLaunchPermission('us-east-1', imageId)).toEqual(['684062674729']);
    expect(await ec2.describeSnapshotCreateVolumePermission('us-east-1', snapshotId)).toEqual([
      '684062674729',
    ]);
  });

  it('deregisters a copy and deletes its snapshot', async () => {
    const { imageId } = await ec2.copyImage({
      region: 'us-east-1',
      sourceRegion: 'us-east-1',
      sourceImageId: seededImages.x86_64.ami_id,
      name: 'to-retire',
      clientToken: 'to-retire',
      tags: {},
    });
    const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [imageId] });
    await ec2.deregisterImage('us-east-1', imageId);
    await ec2.deleteSnapshot('us-east-1', image!.snapshotIds[0]!);
    expect(await ec2.describeImages('us-east-1', { owners: ['self'], names: ['to-retire'] })).toEqual([]);
  });

  it("maps moto's unimplemented EnableImageDeprecation (HTML 500) to a server error", async () => {
    const error = await ec2
      .enableImageDeprecation('us-east-1', seededImages.x86_64.ami_id, new Date('2030-01-01T00:00:00Z'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({
      kind: 'server',
      awsCode: 'NotImplemented',
      operation: 'EnableImageDeprecation',
    });
  });

  it('maps a missing image id to not-found', async () => {
    const error = await ec2
      .describeImages('us-east-1', { owners: ['self'], imageIds: ['ami-0123456789abcdef0'] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not-found', awsCode: 'InvalidAMIID.NotFound', service: 'ec2' });
  });

  it('lists all regions with their opt-in status', async () => {
    const regions = await ec2.describeRegions();
    const byName = new Map(regions.map((r) => [r.name, r.optInStatus]));
    expect(byName.get('us-east-1')).toBe('opt-in-not-required');
    expect(regions.length).toBeGreaterThan(20);
    expect(regions.some((r) => r.optInStatus === 'not-opted-in' || r.optInStatus === 'opted-in')).toBe(true);
  });

  it('reads every page of instance types, filtered by architecture', async () => {
    const arm = await ec2.describeInstanceTypes('us-east-1', { architecture: 'arm64' });
    const x86 = await ec2.describeInstanceTypes('us-east-1', { architecture: 'x86_64' });
    // More than one page of 100, so pagination was followed.
    expect(x86.length).toBeGreaterThan(100);
    expect(arm.length).toBeGreaterThan(0);
    expect(arm.every((t) => t.architectures.includes('arm64'))).toBe(true);
    expect(x86.every((t) => t.architectures.includes('x86_64'))).toBe(true);
    expect(new Set(x86.map((t) => t.instanceType)).size).toBe(x86.length);
    expect(arm.map((t) => t.instanceType)).toContain('t4g.small');
    expect(x86.map((t) => t.instanceType)).not.toContain('t4g.small');
    const t3 = x86.find((t) => t.instanceType === 't3.small');
    expect(t3).toMatchObject({ currentGeneration: true, bareMetal: false });
    expect(x86.find((t) => t.instanceType === 'm5.metal')).toMatchObject({ bareMetal: true });
  });
});

describe('aws adapter SSM and STS against moto', () => {
  it('returns a parameter value, and undefined for a missing one', async () => {
    const ssm = new SSMClient({ region: 'us-west-2', endpoint: moto.endpoint, maxAttempts: 1 });
    motoAccountHook(motoAccounts.internal)(ssm, {
      partition: 'aws',
      account: 'internal',
      accountId: motoAccounts.internal,
      service: 'ssm',
      region: 'us-west-2',
    });
    await ssm.send(
      new PutParameterCommand({ Name: '/fm/test/latest', Value: 'ami-0fed041086a000001', Type: 'String' }),
    );
    ssm.destroy();
    const port = cloud.clients('aws').ssm;
    expect(await port.getParameter('us-west-2', '/fm/test/latest')).toBe('ami-0fed041086a000001');
    expect(await port.getParameter('us-west-2', '/fm/test/missing')).toBeUndefined();
    // Parameters are regional.
    expect(await port.getParameter('us-east-1', '/fm/test/latest')).toBeUndefined();
  });

  it('identifies the internal and seller accounts separately', async () => {
    const clients = cloud.clients('aws');
    expect((await clients.internalSts.getCallerIdentity()).account).toBe(motoAccounts.internal);
    expect((await clients.sellerSts.getCallerIdentity()).account).toBe(motoAccounts.seller);
  });

  it('assumes the configured role through the regional STS endpoint', async () => {
    const config = motoConfig(moto.endpoint, {
      sellerAccount: {
        accountId: motoAccounts.seller,
        roleArn: 'arn:aws:iam::555566667777:role/fedora-marketplace-seller',
        externalId: 'fedora-external-id',
        sessionName: 'fm-test',
      },
    });
    const roleCloud = motoCloud(moto, { config });
    try {
      const identity = await roleCloud.clients('aws').sellerSts.getCallerIdentity();
      expect(identity.account).toBe('555566667777');
      expect(identity.arn).toContain('fedora-marketplace-seller/fm-test');
    } finally {
      await roleCloud.close();
    }
  });

  it('refuses a partition that is not configured', () => {
    expect(() => cloud.clients('aws-cn')).toThrow(/partition aws-cn is not configured/);
  });
});
