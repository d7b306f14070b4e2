import { describe, expect, it } from 'vitest';
import { fedora, internal, makeSim, marketplaceAccounts, rejection, simConfig } from './sim-fixture.js';

const name = 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4';

function copyRequest(
  sourceImageId: string,
  overrides: Partial<{ name: string; clientToken: string; region: string }> = {},
) {
  return {
    region: 'us-east-1',
    sourceRegion: 'us-east-1',
    sourceImageId,
    name: `mirror-${name}`,
    clientToken: 'copy-token-1',
    tags: { 'fedora:compose': '41-1.4' },
    ...overrides,
  };
}

describe('simulated EC2', () => {
  it('makes CopyImage idempotent per client token and rejects a different request with the same token', async () => {
    const { cloud } = makeSim();
    const source = cloud.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
    const ec2 = cloud.clients('aws').ec2;
    const first = await ec2.copyImage(copyRequest(source.imageId));
    const again = await ec2.copyImage(copyRequest(source.imageId));
    expect(again.imageId).toBe(first.imageId);
    expect(first.imageId).toMatch(/^ami-[0-9a-f]{17}$/);
    const mismatch = await rejection(ec2.copyImage(copyRequest(source.imageId, { name: 'other-name' })));
    expect(mismatch.kind).toBe('conflict');
    expect(mismatch.awsCode).toBe('IdempotentParameterMismatch');
    const mine = await ec2.describeImages('us-east-1', { owners: ['self'] });
    expect(mine.map((i) => i.imageId)).toEqual([first.imageId]);
  });

  it('keeps a copy pending until copyImageSeconds of simulated time have passed, with tagged snapshots', async () => {
    const { cloud, clock } = makeSim({ sim: simConfig({ latency: { copyImageSeconds: 600 } }) });
    const source = cloud.seedImage({ region: 'us-east-1', name, architecture: 'arm64' });
    const ec2 = cloud.clients('aws').ec2;
    const { imageId } = await ec2.copyImage(copyRequest(source.imageId, { region: 'eu-west-1' }));
    const lookup = async () =>
      (await ec2.describeImages('eu-west-1', { owners: ['self'], imageIds: [imageId] }))[0];
    expect((await lookup())?.state).toBe('pending');
    clock.advance(599_000);
    expect((await lookup())?.state).toBe('pending');
    clock.advance(1_000);
    const image = await lookup();
    expect(image).toMatchObject({
      state: 'available',
      ownerId: internal,
      architecture: 'arm64',
      encrypted: false,
    });
    expect(image?.tags).toEqual({ 'fedora:compose': '41-1.4' });
    expect(image?.snapshotIds).toHaveLength(1);
    expect(image?.snapshotIds[0]).not.toBe(source.snapshotIds[0]);
    expect(cloud.state().images.find((i) => i.id === imageId)?.snapshots[0]?.id).toMatch(
      /^snap-[0-9a-f]{17}$/,
    );
  });

  it('ends copies of sources listed in failCopyOf in state failed with a reason', async () => {
    const { cloud, clock } = makeSim();
    const source = cloud.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
    const { cloud: failing } = makeSim({
      clock,
      sim: simConfig({ faults: { failCopyOf: [source.imageId] } }),
    });
    failing.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
    const ec2 = failing.clients('aws').ec2;
    const { imageId } = await ec2.copyImage(copyRequest(source.imageId));
    clock.advance(1800_000);
    const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [imageId] });
    expect(image?.state).toBe('failed');
    expect(image?.stateReason).toMatch(/failCopyOf/);
  });

  it('pins owners: an impostor image with the same name is not returned for a Fedora-pinned lookup', async () => {
    const { cloud } = makeSim();
    const real = cloud.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
    const impostor = cloud.seedImage({
      region: 'us-east-1',
      name,
      architecture: 'x86_64',
      ownerId: '999988887777',
    });
    const ec2 = cloud.clients('aws').ec2;
    const pinned = await ec2.describeImages('us-east-1', { owners: [fedora], names: [name] });
    expect(pinned.map((i) => i.imageId)).toEqual([real.imageId]);
    const both = await ec2.describeImages('us-east-1', { owners: [fedora, '999988887777'], names: [name] });
    expect(both.map((i) => i.imageId).sort()).toEqual([real.imageId, impostor.imageId].sort());
    expect(await ec2.describeImages('us-east-2', { owners: [fedora], names: [name] })).toEqual([]);
    const unpinned = await rejection(ec2.describeImages('us-east-1', { owners: [] as unknown as [string] }));
    expect(unpinned.kind).toBe('validation');
  });

  it('reports a copy of an image the caller cannot see as InvalidAMIID.NotFound', async () => {
    const { cloud } = makeSim();
    const privateImage = cloud.seedImage({
      region: 'us-east-1',
      name,
      architecture: 'x86_64',
      ownerId: '999988887777',
      public: false,
    });
    const error = await rejection(cloud.clients('aws').ec2.copyImage(copyRequest(privateImage.imageId)));
    expect(error).toMatchObject({ kind: 'not-found', awsCode: 'InvalidAMIID.NotFound' });
  });

  it('shares an image and its snapshots, reads the grants back, and lets only the owner do so', async () => {
    const { cloud, clock } = makeSim();
    const source = cloud.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
    const ec2 = cloud.clients('aws').ec2;
    const { imageId } = await ec2.copyImage(copyRequest(source.imageId));
    clock.advance(1800_000);
    await ec2.modifyImageLaunchPermission('us-east-1', imageId, { add: marketplaceAccounts });
    expect((await ec2.describeImageLaunchPermission('us-east-1', imageId)).sort()).toEqual(
      [...marketplaceAccounts].sort(),
    );
    const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [imageId] });
    const snapshotId = image?.snapshotIds[0] ?? '';
    await ec2.modifySnapshotCreateVolumePermission('us-east-1', snapshotId, { add: marketplaceAccounts });
    await ec2.modifySnapshotCreateVolumePermission('us-east-1', snapshotId, {
      remove: [marketplaceAccounts[0] ?? ''],
    });
    expect(await ec2.describeSnapshotCreateVolumePermission('us-east-1', snapshotId)).toEqual([
      marketplaceAccounts[1],
    ]);

    const denied = await rejection(
      ec2.modifyImageLaunchPermission('us-east-1', source.imageId, { add: ['123456789012'] }),
    );
    expect(denied).toMatchObject({ kind: 'access-denied', awsCode: 'AuthFailure' });
  });

  it('refuses to delete a snapshot while a registered image uses it, and allows it after deregistering', async () => {
    const { cloud, clock } = makeSim();
    const source = cloud.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
    const ec2 = cloud.clients('aws').ec2;
    const { imageId } = await ec2.copyImage(copyRequest(source.imageId));
    clock.advance(1800_000);
    const deprecateAt = new Date(clock.now().getTime() + 86_400_000 + 42_000);
    await ec2.enableImageDeprecation('us-east-1', imageId, deprecateAt);
    const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [imageId] });
    expect(image?.deprecationTime).toBe('2026-01-02T00:30:00Z');
    const snapshotId = image?.snapshotIds[0] ?? '';
    const inUse = await rejection(ec2.deleteSnapshot('us-east-1', snapshotId));
    expect(inUse.awsCode).toBe('InvalidSnapshot.InUse');
    await ec2.deregisterImage('us-east-1', imageId);
    await ec2.deleteSnapshot('us-east-1', snapshotId);
    expect(await ec2.describeImages('us-east-1', { owners: ['self'] })).toEqual([]);
  });

  it('describes regions with opt-in status and instance types with realistic boot modes', async () => {
    const { cloud } = makeSim();
    const ec2 = cloud.clients('aws').ec2;
    const regions = await ec2.describeRegions();
    expect(regions.find((r) => r.name === 'af-south-1')?.optInStatus).toBe('opted-in');
    expect(regions.find((r) => r.name === 'us-east-1')?.optInStatus).toBe('opt-in-not-required');
    expect(regions.map((r) => r.name)).toEqual(
      expect.arrayContaining(['ap-east-1', 'me-south-1', 'il-central-1']),
    );
    const arm = await ec2.describeInstanceTypes('us-east-1', { architecture: 'arm64' });
    expect(arm.map((t) => t.instanceType)).toEqual(
      expect.arrayContaining(['t4g.small', 'm7g.metal', 'a1.large']),
    );
    expect(arm.every((t) => t.bootModes.join() === 'uefi')).toBe(true);
    const x86 = await ec2.describeInstanceTypes('us-east-1', { architecture: 'x86_64' });
    expect(x86.find((t) => t.instanceType === 't2.micro')).toMatchObject({
      currentGeneration: false,
      bootModes: ['legacy-bios', 'uefi'],
    });
    const capeTown = await ec2.describeInstanceTypes('af-south-1', { architecture: 'arm64' });
    expect(capeTown.some((t) => t.instanceType.startsWith('m7g.'))).toBe(false);
  });
});
