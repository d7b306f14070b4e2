/** A simulated cloud with sandbox-like accounts, and helpers that bring an AMI to a listable state. */
import { ManualClock } from '../../../src/core/clock.js';
import { configSchema } from '../../../src/config/schema.js';
import type { SimConfig } from '../../../src/config/schema.js';
import type { Change } from '../../../src/cloud/ports.js';
import { createSimCloud, type SimCloud } from '../../../src/cloud/sim/index.js';

export const fedora = '125523088429';
export const internal = '111122223333';
export const seller = '444455556666';
export const marketplaceAccounts = ['679593333241', '684062674729'];
export const accessRole = `arn:aws:iam::${internal}:role/AWSMarketplaceAmiIngestion`;

export function simConfig(
  overrides: { faults?: Partial<SimConfig['faults']>; latency?: Partial<SimConfig['latency']> } = {},
): SimConfig {
  const base = configSchema.shape.cloud.parse(undefined).sim;
  return {
    ...base,
    latency: { ...base.latency, ...overrides.latency },
    faults: { ...base.faults, ...overrides.faults },
  };
}

export function makeSim(options: { clock?: ManualClock; sim?: SimConfig; stateFile?: string } = {}): {
  cloud: SimCloud;
  clock: ManualClock;
} {
  const clock = options.clock ?? new ManualClock();
  const cloud = createSimCloud({
    clock,
    sim: options.sim ?? simConfig(),
    fedoraOwner: fedora,
    partitions: {
      aws: {
        internalAccount: internal,
        sellerAccount: seller,
        accessRoleArns: [accessRole],
        marketplaceAccounts,
      },
    },
    stateFile: options.stateFile,
  });
  return { cloud, clock };
}

/** Seeds a Fedora image, mirrors it into the internal account, waits for it and shares it. */
export async function listableAmi(
  cloud: SimCloud,
  clock: ManualClock,
  name = 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
): Promise<string> {
  const source = cloud.seedImage({ region: 'us-east-1', name, architecture: 'x86_64' });
  const ec2 = cloud.clients('aws').ec2;
  const { imageId } = await ec2.copyImage({
    region: 'us-east-1',
    sourceRegion: 'us-east-1',
    sourceImageId: source.imageId,
    name: `mirror-${name}`,
    clientToken: `token-${name}`,
    tags: { 'fedora:source': source.imageId },
  });
  clock.advance(31 * 60_000);
  await ec2.modifyImageLaunchPermission('us-east-1', imageId, { add: marketplaceAccounts });
  const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [imageId] });
  for (const snapshotId of image?.snapshotIds ?? []) {
    await ec2.modifySnapshotCreateVolumePermission('us-east-1', snapshotId, { add: marketplaceAccounts });
  }
  return imageId;
}

export function addVersion(
  entity: string,
  versionTitle: string,
  amiId: string,
  roleArn = accessRole,
): Change {
  return {
    ChangeType: 'AddDeliveryOptions',
    Entity: { Type: 'AmiProduct@1.0', Identifier: entity },
    DetailsDocument: {
      Version: { VersionTitle: versionTitle, ReleaseNotes: `Fedora ${versionTitle}` },
      DeliveryOptions: [
        {
          Details: {
            AmiDeliveryOptionDetails: {
              AmiSource: {
                AmiId: amiId,
                AccessRoleArn: roleArn,
                UserName: 'fedora',
                OperatingSystemName: 'FEDORA',
                OperatingSystemVersion: '41',
                ScanningPort: 22,
              },
              UsageInstructions: 'ssh fedora@<address>',
              RecommendedInstanceType: 't3.small',
              SecurityGroups: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: ['0.0.0.0/0'] }],
            },
          },
        },
      ],
    },
  };
}

/** CreateProduct and the metadata a new product needs, plus its first version. */
export function newProductChanges(title: string, versionTitle: string, amiId: string): Change[] {
  const ref = '$CreateProductChange.Entity.Identifier';
  return [
    {
      ChangeType: 'CreateProduct',
      ChangeName: 'CreateProductChange',
      Entity: { Type: 'AmiProduct@1.0' },
      DetailsDocument: {},
    },
    {
      ChangeType: 'UpdateInformation',
      Entity: { Type: 'AmiProduct@1.0', Identifier: ref },
      DetailsDocument: {
        ProductTitle: title,
        ShortDescription: 'Fedora Cloud Base',
        LongDescription: 'Fedora Cloud Base image',
        Sku: 'fedora-41-cloud-base-x86_64',
        LogoUrl: 'https://fedoraproject.org/logo.png',
        Highlights: ['Official Fedora image'],
        SearchKeywords: ['Fedora'],
        Categories: ['Operating Systems'],
      },
    },
    {
      ChangeType: 'AddRegions',
      Entity: { Type: 'AmiProduct@1.0', Identifier: ref },
      DetailsDocument: { Regions: ['us-east-1', 'eu-west-1'] },
    },
    {
      ChangeType: 'AddInstanceTypes',
      Entity: { Type: 'AmiProduct@1.0', Identifier: ref },
      DetailsDocument: { InstanceTypes: ['t3.small', 'm6i.large'] },
    },
    addVersion(ref, versionTitle, amiId),
  ];
}

/** Moves the clock past the default PREPARING + APPLYING phases. */
export const changeSetSeconds = 120 + 900;
