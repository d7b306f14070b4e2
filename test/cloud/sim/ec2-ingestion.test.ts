/**
 * The simulated Marketplace checking ingestion against another EC2 (as `sandbox serve --ec2-endpoint`
 * does with moto): here a second simulated cloud plays that EC2, through its Ec2Port.
 */
import { describe, expect, it } from 'vitest';
import {
  amiIdsOf,
  createEc2IngestionImages,
  withIngestionRefresh,
} from '../../../src/cloud/sim/ec2-ingestion.js';
import { createSimCloud } from '../../../src/cloud/sim/index.js';
import { ManualClock } from '../../../src/core/clock.js';
import {
  accessRole,
  addVersion,
  fedora,
  internal,
  marketplaceAccounts,
  newProductChanges,
  seller,
  simConfig,
} from './sim-fixture.js';

const accounts = {
  internalAccount: internal,
  sellerAccount: seller,
  accessRoleArns: [accessRole],
  marketplaceAccounts,
};

function setup() {
  const clock = new ManualClock();
  const sim = simConfig({ latency: { copyImageSeconds: 0 } });
  const elsewhere = createSimCloud({ clock, sim, fedoraOwner: fedora, partitions: { aws: accounts } });
  const ingestion = createEc2IngestionImages({
    ec2: elsewhere.clients('aws').ec2,
    region: 'us-east-1',
    owner: internal,
  });
  const marketplace = createSimCloud({
    clock,
    sim,
    fedoraOwner: fedora,
    partitions: { aws: accounts },
    externalEc2: { aws: ingestion.facts },
  });
  const catalog = withIngestionRefresh(marketplace.clients('aws').catalog, ingestion, (withinMs) =>
    marketplace.settlingAmis(withinMs),
  );
  return { clock, elsewhere, catalog, settle: () => clock.advance((120 + 900 + 1) * 1000) };
}

describe('ingestion checks against an injected Ec2Port', () => {
  it('fails an AMI the other EC2 has not shared, and accepts it once shared there', async () => {
    const { elsewhere, catalog, settle } = setup();
    const ec2 = elsewhere.clients('aws').ec2;
    const source = elsewhere.seedImage({
      region: 'us-east-1',
      name: 'Fedora-41-1.4',
      architecture: 'x86_64',
    });
    const { imageId } = await ec2.copyImage({
      region: 'us-east-1',
      sourceRegion: 'us-east-1',
      sourceImageId: source.imageId,
      name: 'mirror',
      clientToken: 'mirror',
      tags: {},
    });

    const first = await catalog.startChangeSet({
      changes: newProductChanges('Fedora 41 elsewhere', '41.1.4', imageId),
      changeSetName: 'unshared',
      clientRequestToken: 'unshared',
    });
    settle();
    const failed = await catalog.describeChangeSet(first.changeSetId);
    expect(failed.status).toBe('FAILED');
    expect(failed.changes.flatMap((c) => c.errors.map((e) => e.code))).toEqual(
      expect.arrayContaining(['AMI_NOT_SHARED', 'SNAPSHOT_NOT_SHARED']),
    );

    await ec2.modifyImageLaunchPermission('us-east-1', imageId, { add: marketplaceAccounts });
    const [image] = await ec2.describeImages('us-east-1', { owners: [internal], imageIds: [imageId] });
    for (const snapshotId of image?.snapshotIds ?? [])
      await ec2.modifySnapshotCreateVolumePermission('us-east-1', snapshotId, { add: marketplaceAccounts });
    const second = await catalog.startChangeSet({
      changes: newProductChanges('Fedora 41 elsewhere', '41.1.4', imageId),
      changeSetName: 'shared',
      clientRequestToken: 'shared',
    });
    settle();
    expect((await catalog.describeChangeSet(second.changeSetId)).status).toBe('SUCCEEDED');
  });

  it('treats an AMI unknown to the other EC2 as missing in us-east-1', async () => {
    const { catalog, settle } = setup();
    const { changeSetId } = await catalog.startChangeSet({
      changes: newProductChanges('Fedora 41 missing', '41.1.4', 'ami-0123456789abcdef0'),
      changeSetName: 'missing',
      clientRequestToken: 'missing',
    });
    settle();
    const failed = await catalog.describeChangeSet(changeSetId);
    expect(failed.changes.flatMap((c) => c.errors.map((e) => e.code))).toContain('INVALID_AMI_ID');
  });

  it('reads again only the AMIs of change sets about to settle, however many came before', async () => {
    const { clock, elsewhere, catalog, settle } = setup();
    const lookups = () => elsewhere.callCounts()['ec2:DescribeImages'] ?? 0;
    const { changeSetId } = await catalog.startChangeSet({
      changes: newProductChanges('Fedora 41 settled', '41.1.4', 'ami-0123456789abcdef0'),
      changeSetName: 'settled',
      clientRequestToken: 'settled',
    });
    settle();
    await catalog.describeChangeSet(changeSetId);
    const before = lookups();
    // Nothing is about to settle: a call costs no lookup at all.
    await catalog.listEntities({ entityType: 'AmiProduct' });
    await catalog.describeChangeSet(changeSetId);
    expect(lookups()).toBe(before);
    // A new set's AMI is read when it starts, and again only when the set is about to settle.
    await catalog.startChangeSet({
      changes: newProductChanges('Fedora 41 open', '41.1.5', 'ami-0123456789abcdef1'),
      changeSetName: 'open',
      clientRequestToken: 'open',
    });
    await catalog.listEntities({ entityType: 'AmiProduct' });
    expect(lookups()).toBe(before + 1);
    clock.advance((120 + 900 - 2) * 1000);
    await catalog.listEntities({ entityType: 'AmiProduct' });
    expect(lookups()).toBe(before + 2);
  });

  it('reads the AMI ids of AddDeliveryOptions changes', () => {
    expect(amiIdsOf([...newProductChanges('t', '1', 'ami-1'), addVersion('prod-x', '2', 'ami-2')])).toEqual([
      'ami-1',
      'ami-2',
    ]);
  });
});
