/**
 * Ec2Port over @aws-sdk/client-ec2. Every image lookup is owner-pinned, and CopyImage is made
 * idempotent by a name lookup as well as its ClientToken, because moto (and a restart after a copy
 * whose token has expired) would otherwise make a second image.
 */
import {
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotAttributeCommand,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type EC2Client,
  type Filter,
  type Image as SdkImage,
  type InstanceTypeInfo as SdkInstanceTypeInfo,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { AwsArch } from '../../core/arch.js';
import { InputError } from '../../core/errors.js';
import type {
  CopyImageRequest,
  DescribeImagesQuery,
  Ec2Port,
  Image,
  ImageState,
  InstanceTypeInfo,
  PermissionChange,
  RegionInfo,
} from '../ports.js';
import type { RegionalClients } from './regional-clients.js';
import { withRetry, type RetryPolicy } from './retry.js';

const imageStates: readonly ImageState[] = [
  'pending',
  'available',
  'invalid',
  'deregistered',
  'transient',
  'failed',
  'error',
];
const optInStatuses: ReadonlyArray<RegionInfo['optInStatus']> = [
  'opt-in-not-required',
  'opted-in',
  'not-opted-in',
];

function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function fromTags(tags: Tag[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) result[tag.Key] = tag.Value ?? '';
  return result;
}

function toImage(image: SdkImage, region: string): Image {
  const ebs = (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs ? [m.Ebs] : []));
  const state = imageStates.find((s) => s === image.State) ?? 'error';
  const bootMode = image.BootMode;
  return {
    imageId: image.ImageId ?? '',
    name: image.Name ?? '',
    ...(image.Description !== undefined ? { description: image.Description } : {}),
    ownerId: image.OwnerId ?? '',
    region,
    state,
    architecture:
      image.Architecture === 'arm64' ? 'arm64' : image.Architecture === 'i386' ? 'i386' : 'x86_64',
    virtualizationType: image.VirtualizationType === 'paravirtual' ? 'paravirtual' : 'hvm',
    // moto reports copies as "standard"; anything not instance-store is EBS-backed.
    rootDeviceType: image.RootDeviceType === 'instance-store' ? 'instance-store' : 'ebs',
    ...(image.RootDeviceName !== undefined ? { rootDeviceName: image.RootDeviceName } : {}),
    encrypted: ebs.some((e) => e.Encrypted === true),
    snapshotIds: ebs.flatMap((e) => (e.SnapshotId ? [e.SnapshotId] : [])),
    ...(bootMode === 'legacy-bios' || bootMode === 'uefi' || bootMode === 'uefi-preferred'
      ? { bootMode }
      : {}),
    ...(image.EnaSupport !== undefined ? { enaSupport: image.EnaSupport } : {}),
    public: image.Public === true,
    tags: fromTags(image.Tags),
    ...(image.CreationDate !== undefined ? { creationDate: image.CreationDate } : {}),
    ...(image.DeprecationTime !== undefined ? { deprecationTime: image.DeprecationTime } : {}),
    ...(image.StateReason?.Message ? { stateReason: image.StateReason.Message } : {}),
  };
}

function toInstanceType(info: SdkInstanceTypeInfo): InstanceTypeInfo {
  const arches = info.ProcessorInfo?.SupportedArchitectures ?? [];
  return {
    instanceType: info.InstanceType ?? '',
    architectures: arches.filter(
      (a): a is AwsArch | 'i386' => a === 'x86_64' || a === 'arm64' || a === 'i386',
    ),
    bootModes: (info.SupportedBootModes ?? []).filter(
      (m): m is 'legacy-bios' | 'uefi' => m === 'legacy-bios' || m === 'uefi',
    ),
    currentGeneration: info.CurrentGeneration === true,
    bareMetal: info.BareMetal === true,
  };
}

function permissionEntries(ids: string[] | undefined): Array<{ UserId: string }> {
  return (ids ?? []).map((UserId) => ({ UserId }));
}

export class AwsEc2 implements Ec2Port {
  constructor(
    private readonly clients: RegionalClients<EC2Client>,
    private readonly baseRegion: string,
    private readonly retry: RetryPolicy,
  ) {}

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(this.retry, 'ec2', operation, fn);
  }

  async describeImages(region: string, query: DescribeImagesQuery): Promise<Image[]> {
    const owners = query.owners as string[];
    if (!Array.isArray(owners) || owners.length === 0) {
      throw new InputError('DescribeImages without an owner is refused', {
        field: 'owners',
        value: owners,
        rule: 'every image lookup names its owner (owner pinning)',
        hint: 'pass the owner account id, or `self` for the internal account',
      });
    }
    const filters: Filter[] = [];
    if (query.names?.length) filters.push({ Name: 'name', Values: query.names });
    for (const [key, value] of Object.entries(query.tags ?? {}))
      filters.push({ Name: `tag:${key}`, Values: [value] });
    const client = this.clients.get(region);
    const images: Image[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.call('DescribeImages', () =>
        client.send(
          new DescribeImagesCommand({
            Owners: owners,
            ...(query.imageIds?.length ? { ImageIds: query.imageIds } : {}),
            ...(filters.length ? { Filters: filters } : {}),
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      images.push(...(page.Images ?? []).map((image) => toImage(image, region)));
      nextToken = page.NextToken;
    } while (nextToken);
    return images;
  }

  async copyImage(request: CopyImageRequest): Promise<{ imageId: string }> {
    const existing = await this.describeImages(request.region, { owners: ['self'], names: [request.name] });
    const found = existing.find((image) => image.state !== 'deregistered');
    if (found) {
      await this.tagImageAndSnapshots(request.region, found, request.tags);
      return { imageId: found.imageId };
    }
    const tagSpecifications = Object.keys(request.tags).length
      ? (['image', 'snapshot'] as const).map((ResourceType) => ({ ResourceType, Tags: toTags(request.tags) }))
      : undefined;
    const client = this.clients.get(request.region);
    const result = await this.call('CopyImage', () =>
      client.send(
        new CopyImageCommand({
          Name: request.name,
          SourceImageId: request.sourceImageId,
          SourceRegion: request.sourceRegion,
          ClientToken: request.clientToken,
          Encrypted: false,
          ...(request.description !== undefined ? { Description: request.description } : {}),
          ...(tagSpecifications ? { TagSpecifications: tagSpecifications } : {}),
        }),
      ),
    );
    const imageId = result.ImageId ?? '';
    // The image only: its snapshots take TagSpecifications on AWS, and reading their ids back would
    // cost a DescribeImages per copy for endpoints (moto) that ignore them and nothing reads those tags.
    await this.tagImageAndSnapshots(request.region, { imageId, snapshotIds: [] }, request.tags);
    return { imageId };
  }

  /** CreateTags is idempotent; it covers endpoints that ignore TagSpecifications and earlier crashed runs. */
  private async tagImageAndSnapshots(
    region: string,
    image: Pick<Image, 'imageId' | 'snapshotIds'>,
    tags: Record<string, string>,
  ): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    await this.createTags(region, [image.imageId, ...image.snapshotIds], tags);
  }

  async createTags(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void> {
    if (resourceIds.length === 0 || Object.keys(tags).length === 0) return;
    const client = this.clients.get(region);
    await this.call('CreateTags', () =>
      client.send(new CreateTagsCommand({ Resources: resourceIds, Tags: toTags(tags) })),
    );
  }

  async modifyImageLaunchPermission(
    region: string,
    imageId: string,
    change: PermissionChange,
  ): Promise<void> {
    if (!change.add?.length && !change.remove?.length) return;
    const client = this.clients.get(region);
    await this.call('ModifyImageAttribute', () =>
      client.send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: {
            ...(change.add?.length ? { Add: permissionEntries(change.add) } : {}),
            ...(change.remove?.length ? { Remove: permissionEntries(change.remove) } : {}),
          },
        }),
      ),
    );
  }

  async modifySnapshotCreateVolumePermission(
    region: string,
    snapshotId: string,
    change: PermissionChange,
  ): Promise<void> {
    const client = this.clients.get(region);
    // The OperationType + UserIds form: moto ignores the CreateVolumePermission structure.
    for (const [operation, userIds] of [
      ['add', change.add],
      ['remove', change.remove],
    ] as const) {
      if (!userIds?.length) continue;
      await this.call('ModifySnapshotAttribute', () =>
        client.send(
          new ModifySnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
            OperationType: operation,
            UserIds: userIds,
          }),
        ),
      );
    }
  }

  async describeImageLaunchPermission(region: string, imageId: string): Promise<string[]> {
    const client = this.clients.get(region);
    const result = await this.call('DescribeImageAttribute', () =>
      client.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' })),
    );
    return (result.LaunchPermissions ?? []).flatMap((p) => (p.UserId ? [p.UserId] : []));
  }

  async describeSnapshotCreateVolumePermission(region: string, snapshotId: string): Promise<string[]> {
    const client = this.clients.get(region);
    const result = await this.call('DescribeSnapshotAttribute', () =>
      client.send(
        new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
      ),
    );
    return (result.CreateVolumePermissions ?? []).flatMap((p) => (p.UserId ? [p.UserId] : []));
  }

  async describeRegions(): Promise<RegionInfo[]> {
    const client = this.clients.get(this.baseRegion);
    const result = await this.call('DescribeRegions', () =>
      client.send(new DescribeRegionsCommand({ AllRegions: true })),
    );
    return (result.Regions ?? []).flatMap((r) =>
      r.RegionName
        ? [
            {
              name: r.RegionName,
              optInStatus: optInStatuses.find((s) => s === r.OptInStatus) ?? 'opt-in-not-required',
            },
          ]
        : [],
    );
  }

  async describeInstanceTypes(
    region: string,
    filter: { architecture: AwsArch },
  ): Promise<InstanceTypeInfo[]> {
    const client = this.clients.get(region);
    const types: InstanceTypeInfo[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.call('DescribeInstanceTypes', () =>
        client.send(
          new DescribeInstanceTypesCommand({
            Filters: [{ Name: 'processor-info.supported-architecture', Values: [filter.architecture] }],
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      types.push(...(page.InstanceTypes ?? []).map(toInstanceType));
      nextToken = page.NextToken;
    } while (nextToken);
    return types;
  }

  async enableImageDeprecation(region: string, imageId: string, deprecateAt: Date): Promise<void> {
    const client = this.clients.get(region);
    await this.call('EnableImageDeprecation', () =>
      client.send(new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: deprecateAt })),
    );
  }

  async deregisterImage(region: string, imageId: string): Promise<void> {
    const client = this.clients.get(region);
    await this.call('DeregisterImage', () => client.send(new DeregisterImageCommand({ ImageId: imageId })));
  }

  async deleteSnapshot(region: string, snapshotId: string): Promise<void> {
    const client = this.clients.get(region);
    await this.call('DeleteSnapshot', () =>
      client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
    );
  }
}
