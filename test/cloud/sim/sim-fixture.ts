/** A simulated cloud with sandbox-like accounts, and helpers that bring an AMI to a listable state. */
import { expect } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { CloudError } from '../../../src/core/errors.js';
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
  overrides: {
    faults?: Partial<SimConfig['faults']>;
    latency?: Partial<SimConfig['latency']>;
    marketplace?: Partial<SimConfig['marketplace']>;
  } = {},
): SimConfig {
  const base = configSchema.shape.cloud.parse(undefined).sim;
  return {
    ...base,
    latency: { ...base.latency, ...overrides.latency },
    faults: { ...base.faults, ...overrides.faults },
    marketplace: { ...base.marketplace, ...overrides.marketplace },
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
  const ref = productRef;
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

export const productRef = '$CreateProductChange.Entity.Identifier';
export const offerRef = '$CreateOfferChange.Entity.Identifier';
export const instanceTypes = ['t3.small', 'm6i.large'];

function offerChange(ChangeType: string, Identifier: string, DetailsDocument: unknown): Change {
  return { ChangeType, Entity: { Type: 'Offer@1.0', Identifier }, DetailsDocument };
}

/** One metered `Hrs` dimension per instance type, as AWS's reference change sets price AMI products. */
export function addDimensions(product: string, types = instanceTypes): Change {
  return {
    ChangeType: 'AddDimensions',
    Entity: { Type: 'AmiProduct@1.0', Identifier: product },
    DetailsDocument: types.map((t) => ({ Key: t, Name: t, Description: t, Unit: 'Hrs', Types: ['Metered'] })),
  };
}

/** A free price card: 0.00 per hour for every instance type. */
export function pricingTerms(offer: string, types = instanceTypes): Change {
  return offerChange('UpdatePricingTerms', offer, {
    PricingModel: 'Usage',
    Terms: [
      {
        Type: 'UsageBasedPricingTerm',
        CurrencyCode: 'USD',
        RateCards: [{ RateCard: types.map((t) => ({ DimensionKey: t, Price: '0.00' })) }],
      },
    ],
  });
}

/** CreateOffer for `product` and its name, free pricing, EULA and refund policy. */
export function offerChanges(product: string, types = instanceTypes): Change[] {
  return [
    {
      ChangeType: 'CreateOffer',
      ChangeName: 'CreateOfferChange',
      Entity: { Type: 'Offer@1.0' },
      DetailsDocument: { ProductId: product },
    },
    offerChange('UpdateInformation', offerRef, { Name: 'Fedora Cloud Base', Description: 'Free of charge' }),
    pricingTerms(offerRef, types),
    offerChange('UpdateLegalTerms', offerRef, {
      Terms: [{ Type: 'LegalTerm', Documents: [{ Type: 'StandardEula', Version: '2022-07-14' }] }],
    }),
    offerChange('UpdateSupportTerms', offerRef, {
      Terms: [{ Type: 'SupportTerm', RefundPolicy: 'Fedora is free of charge: there is nothing to refund.' }],
    }),
  ];
}

export const releaseProduct = (product: string): Change => ({
  ChangeType: 'ReleaseProduct',
  Entity: { Type: 'AmiProduct@1.0', Identifier: product },
  DetailsDocument: {},
});

export const releaseOffer = (offer: string): Change => offerChange('ReleaseOffer', offer, {});

export const updateVisibility = (product: string, TargetVisibility: string): Change => ({
  ChangeType: 'UpdateVisibility',
  Entity: { Type: 'AmiProduct@1.0', Identifier: product },
  DetailsDocument: { TargetVisibility },
});

/** A new product released as Limited with a free offer, in one change set (AWS's reference order). */
export function limitedListingChanges(title: string, versionTitle: string, amiId: string): Change[] {
  return [
    ...newProductChanges(title, versionTitle, amiId),
    addDimensions(productRef),
    releaseProduct(productRef),
    ...offerChanges(productRef),
    releaseOffer(offerRef),
  ];
}

/** The CloudError a call fails with (the test fails when it does not). */
export async function rejection(promise: Promise<unknown>): Promise<CloudError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudError);
  return error as CloudError;
}
