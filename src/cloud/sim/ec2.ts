/**
 * Simulated EC2 for one account of one partition: owner-scoped image visibility, idempotent
 * CopyImage with a pending phase, sharing attributes, deprecation and cleanup.
 */
import { CloudError } from '../../core/errors.js';
import type { AwsArch } from '../../core/arch.js';
import type { SimConfig } from '../../config/schema.js';
import type {
  CopyImageRequest,
  DescribeImagesQuery,
  Ec2Port,
  Image,
  InstanceTypeInfo,
  PermissionChange,
  RegionInfo,
} from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import type { CallGate } from './faults.js';
import { instanceTypesIn } from './instance-types-fixture.js';
import { regionsByPartition } from './regions-fixture.js';
import type { SimWorld } from './world.js';
import { isoTime, nextId, type SimImage, type WorldState } from './world-state.js';

/** Owner aliases DescribeImages accepts besides account ids. */
const ownerAliases: Record<string, string> = { 'aws-marketplace': '679593333241', amazon: '137112412989' };

function ec2Error(kind: CloudError['kind'], awsCode: string, operation: string, message: string): CloudError {
  return new CloudError({ kind, awsCode, service: 'ec2', operation, message });
}

export function toPublicImage(image: SimImage): Image {
  const { settlesAt: _a, settlesTo: _b, settleReason: _c, launchPermissions: _d, ...rest } = image;
  return { ...rest, snapshotIds: [...rest.snapshotIds], tags: { ...rest.tags } };
}

export function isVisibleTo(image: SimImage, account: string): boolean {
  return image.ownerId === account || image.public || image.launchPermissions.includes(account);
}

export class SimEc2 implements Ec2Port {
  constructor(
    private readonly world: SimWorld,
    private readonly gate: CallGate,
    private readonly sim: SimConfig,
    private readonly partition: Partition,
    private readonly account: string,
  ) {}

  async describeImages(region: string, query: DescribeImagesQuery): Promise<Image[]> {
    await this.enter('DescribeImages', region);
    if (!Array.isArray(query.owners) || query.owners.length === 0) {
      throw ec2Error(
        'validation',
        'InvalidParameterValue',
        'DescribeImages',
        'Owners must not be empty (owner pinning)',
      );
    }
    const owners = new Set(query.owners.map((o) => (o === 'self' ? this.account : (ownerAliases[o] ?? o))));
    return this.world.read((state) => {
      if (query.imageIds) {
        for (const id of query.imageIds) {
          const image = state.images[id];
          if (!image || image.region !== region || !isVisibleTo(image, this.account)) {
            throw ec2Error(
              'not-found',
              'InvalidAMIID.NotFound',
              'DescribeImages',
              `The image id '[${id}]' does not exist`,
            );
          }
        }
      }
      return Object.values(state.images)
        .filter(
          (image) => image.region === region && owners.has(image.ownerId) && isVisibleTo(image, this.account),
        )
        .filter((image) => !query.imageIds || query.imageIds.includes(image.imageId))
        .filter((image) => !query.names || query.names.some((pattern) => nameMatches(pattern, image.name)))
        .filter((image) => Object.entries(query.tags ?? {}).every(([k, v]) => image.tags[k] === v))
        .map(toPublicImage);
    });
  }

  async copyImage(request: CopyImageRequest): Promise<{ imageId: string }> {
    const op = 'CopyImage';
    await this.enter(op, request.region);
    this.requireRegion(request.sourceRegion, op);
    return this.world.mutate((state, now) => {
      const tokenKey = `${this.account}|${request.region}|${request.clientToken}`;
      const fingerprint = JSON.stringify([request.sourceRegion, request.sourceImageId, request.name]);
      const existing = state.copyTokens[tokenKey];
      if (existing) {
        if (existing.fingerprint !== fingerprint) {
          throw ec2Error(
            'conflict',
            'IdempotentParameterMismatch',
            op,
            'The client token was already used with different parameters',
          );
        }
        return { imageId: existing.imageId };
      }
      const source = state.images[request.sourceImageId];
      if (!source || source.region !== request.sourceRegion || !isVisibleTo(source, this.account)) {
        throw ec2Error(
          'not-found',
          'InvalidAMIID.NotFound',
          op,
          `The image id '[${request.sourceImageId}]' does not exist`,
        );
      }
      if (source.state !== 'available') {
        throw ec2Error(
          'validation',
          'IncorrectState',
          op,
          `Image ${source.imageId} is in state ${source.state}, not available`,
        );
      }
      const clash = Object.values(state.images).find(
        (i) => i.region === request.region && i.ownerId === this.account && i.name === request.name,
      );
      if (clash) {
        throw ec2Error(
          'conflict',
          'InvalidAMIName.Duplicate',
          op,
          `AMI name ${request.name} is already in use by AMI ${clash.imageId}`,
        );
      }
      const fails = this.sim.faults.failCopyOf.includes(source.imageId);
      const imageId = nextId(state, 'ami');
      const snapshotIds = source.snapshotIds.map((sourceSnapshotId) => {
        const snapshotId = nextId(state, 'snap');
        state.snapshots[snapshotId] = {
          snapshotId,
          ownerId: this.account,
          region: request.region,
          encrypted: state.snapshots[sourceSnapshotId]?.encrypted ?? source.encrypted,
          tags: { ...request.tags },
          createVolumePermissions: [],
        };
        return snapshotId;
      });
      state.images[imageId] = {
        ...toPublicImage(source),
        imageId,
        name: request.name,
        description: request.description,
        ownerId: this.account,
        region: request.region,
        state: 'pending',
        snapshotIds,
        public: false,
        tags: { ...request.tags },
        creationDate: new Date(now).toISOString(),
        deprecationTime: undefined,
        stateReason: undefined,
        launchPermissions: [],
        settlesAt: now + this.sim.latency.copyImageSeconds * 1000,
        settlesTo: fails ? 'failed' : 'available',
        settleReason: fails
          ? 'Client.InternalError: Snapshot copy failed (sim.faults.failCopyOf)'
          : undefined,
      };
      state.copyTokens[tokenKey] = { imageId, fingerprint };
      return { imageId };
    });
  }

  async createTags(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void> {
    await this.enter('CreateTags', region);
    this.world.mutate((state) => {
      const targets = resourceIds.map((id) => this.ownedResource(state, region, id, 'CreateTags'));
      for (const target of targets) Object.assign(target.tags, tags);
    });
  }

  async modifyImageLaunchPermission(
    region: string,
    imageId: string,
    change: PermissionChange,
  ): Promise<void> {
    await this.enter('ModifyImageAttribute', region);
    this.world.mutate((state) => {
      const image = this.ownedImage(state, region, imageId, 'ModifyImageAttribute');
      for (const account of change.add ?? []) {
        if (account === 'all') image.public = true;
        else if (!image.launchPermissions.includes(account)) image.launchPermissions.push(account);
      }
      for (const account of change.remove ?? []) {
        if (account === 'all') image.public = false;
        else image.launchPermissions = image.launchPermissions.filter((a) => a !== account);
      }
    });
  }

  async modifySnapshotCreateVolumePermission(
    region: string,
    snapshotId: string,
    change: PermissionChange,
  ): Promise<void> {
    const op = 'ModifySnapshotAttribute';
    await this.enter(op, region);
    this.world.mutate((state) => {
      const snapshot = this.ownedSnapshot(state, region, snapshotId, op);
      if (snapshot.encrypted && (change.add ?? []).includes('all')) {
        throw ec2Error('validation', 'InvalidParameter', op, 'Encrypted snapshots cannot be made public');
      }
      for (const account of change.add ?? []) {
        if (!snapshot.createVolumePermissions.includes(account))
          snapshot.createVolumePermissions.push(account);
      }
      const removed = new Set(change.remove ?? []);
      snapshot.createVolumePermissions = snapshot.createVolumePermissions.filter((a) => !removed.has(a));
    });
  }

  async describeImageLaunchPermission(region: string, imageId: string): Promise<string[]> {
    await this.enter('DescribeImageAttribute', region);
    return this.world.read((state) => {
      const image = this.ownedImage(state, region, imageId, 'DescribeImageAttribute');
      return image.public ? ['all', ...image.launchPermissions] : [...image.launchPermissions];
    });
  }

  async describeSnapshotCreateVolumePermission(region: string, snapshotId: string): Promise<string[]> {
    const op = 'DescribeSnapshotAttribute';
    await this.enter(op, region);
    return this.world.read((state) => [
      ...this.ownedSnapshot(state, region, snapshotId, op).createVolumePermissions,
    ]);
  }

  async describeRegions(): Promise<RegionInfo[]> {
    await this.gate.enter('ec2', 'DescribeRegions');
    return regionsByPartition[this.partition].map((r) => ({ ...r }));
  }

  async describeInstanceTypes(
    region: string,
    filter: { architecture: AwsArch },
  ): Promise<InstanceTypeInfo[]> {
    await this.enter('DescribeInstanceTypes', region);
    return instanceTypesIn(region, filter.architecture);
  }

  async enableImageDeprecation(region: string, imageId: string, deprecateAt: Date): Promise<void> {
    const op = 'EnableImageDeprecation';
    await this.enter(op, region);
    this.world.mutate((state, now) => {
      const image = this.ownedImage(state, region, imageId, op);
      const tenYears = 10 * 365.25 * 24 * 3600 * 1000;
      if (Number.isNaN(deprecateAt.getTime()) || deprecateAt.getTime() > now + tenYears) {
        throw ec2Error(
          'validation',
          'InvalidParameterValue',
          op,
          'DeprecateAt must be a date at most 10 years ahead',
        );
      }
      // EC2 rounds the deprecation time down to the minute.
      image.deprecationTime = isoTime(Math.floor(deprecateAt.getTime() / 60_000) * 60_000);
    });
  }

  async deregisterImage(region: string, imageId: string): Promise<void> {
    await this.enter('DeregisterImage', region);
    this.world.mutate((state) => {
      this.ownedImage(state, region, imageId, 'DeregisterImage');
      delete state.images[imageId];
    });
  }

  async deleteSnapshot(region: string, snapshotId: string): Promise<void> {
    const op = 'DeleteSnapshot';
    await this.enter(op, region);
    this.world.mutate((state) => {
      this.ownedSnapshot(state, region, snapshotId, op);
      const user = Object.values(state.images).find((i) => i.snapshotIds.includes(snapshotId));
      if (user) {
        throw ec2Error(
          'validation',
          'InvalidSnapshot.InUse',
          op,
          `The snapshot ${snapshotId} is currently in use by ${user.imageId}`,
        );
      }
      delete state.snapshots[snapshotId];
    });
  }

  private async enter(operation: string, region: string): Promise<void> {
    await this.gate.enter('ec2', operation);
    this.requireRegion(region, operation);
  }

  private requireRegion(region: string, operation: string): void {
    if (!regionsByPartition[this.partition].some((r) => r.name === region)) {
      throw new CloudError({
        kind: 'validation',
        awsCode: 'InvalidRegion',
        service: 'ec2',
        operation,
        message: `Region ${region} is not part of partition ${this.partition}`,
        context: { field: 'region', value: region, rule: `must be a region of ${this.partition}` },
      });
    }
  }

  private ownedImage(state: WorldState, region: string, imageId: string, op: string): SimImage {
    const image = state.images[imageId];
    if (!image || image.region !== region || !isVisibleTo(image, this.account)) {
      throw ec2Error('not-found', 'InvalidAMIID.NotFound', op, `The image id '[${imageId}]' does not exist`);
    }
    if (image.ownerId !== this.account) {
      throw ec2Error('access-denied', 'AuthFailure', op, `Not authorized for image:${imageId}`);
    }
    return image;
  }

  private ownedSnapshot(state: WorldState, region: string, snapshotId: string, op: string) {
    const snapshot = state.snapshots[snapshotId];
    if (!snapshot || snapshot.region !== region) {
      throw ec2Error(
        'not-found',
        'InvalidSnapshot.NotFound',
        op,
        `The snapshot '${snapshotId}' does not exist.`,
      );
    }
    if (snapshot.ownerId !== this.account) {
      throw ec2Error('access-denied', 'AuthFailure', op, `Not authorized for snapshot:${snapshotId}`);
    }
    return snapshot;
  }

  private ownedResource(
    state: WorldState,
    region: string,
    id: string,
    op: string,
  ): { tags: Record<string, string> } {
    if (id.startsWith('snap-')) return this.ownedSnapshot(state, region, id, op);
    if (id.startsWith('ami-')) return this.ownedImage(state, region, id, op);
    throw ec2Error('validation', 'InvalidID', op, `The ID '${id}' is not valid`);
  }
}

/** EC2 name filters accept `*` and `?` wildcards. */
function nameMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(name);
}
