/**
 * The in-process simulated AWS: EC2, Marketplace Catalog, SSM and STS for every configured partition,
 * sharing one persisted world and one clock. It behaves like AWS where the pipeline depends on it
 * (owner-scoped visibility, idempotency tokens, pending states, entity locks, ingestion rules).
 */
import { createHash } from 'node:crypto';
import type { AwsArch } from '../../core/arch.js';
import type { Clock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import type { SimConfig } from '../../config/schema.js';
import type { Cloud, EventQueuePort, Image, PartitionClients } from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import { SimCatalog } from './catalog.js';
import { SimEventQueue } from './event-queue.js';
import { createChangeSetSettler } from './catalog-settle.js';
import type { ExternalEc2Facts, IngestionRules } from './catalog-rules.js';
import { SimEc2, toPublicImage } from './ec2.js';
import { CallGate } from './faults.js';
import { crashingClients, type CrashPoint } from './crash-hook.js';
import { amiIdsOf } from './ec2-ingestion.js';
import { partitionOfRegion } from './regions-fixture.js';
import { sandboxState, type SandboxState } from './sandbox-state.js';
import { findMarketplaceAmi, SimSsm } from './ssm.js';
import { SimSts } from './sts.js';
import { SimWorld } from './world.js';
import type { SimImage, WorldState } from './world-state.js';

export { readSimClock } from './persistence.js';
export { parseCrashPoint, type CrashPoint } from './crash-hook.js';
export type { SandboxState } from './sandbox-state.js';

export interface SimPartitionAccounts {
  internalAccount: string;
  sellerAccount: string;
  /** Roles the Marketplace accepts as AccessRoleArn in AddDeliveryOptions. */
  accessRoleArns: string[];
  /** Accounts an AMI and its snapshots must be shared with before ingestion. */
  marketplaceAccounts: string[];
}

export interface SimCloudOptions {
  clock: Clock;
  sim: SimConfig;
  /** Owner of seeded images unless a spec names another (Fedora's public AMI account). */
  fedoraOwner: string;
  partitions: Partial<Record<Partition, SimPartitionAccounts>>;
  stateFile?: string;
  /**
   * Per partition, the EC2 whose AMIs, regions and instance types the simulated Marketplace checks
   * changes against; default: this simulated EC2. `sandbox serve` points it at moto.
   */
  externalEc2?: Partial<Record<Partition, ExternalEc2Facts>>;
  /** Crash-test hook: the process kills itself right after this call (crash-hook.ts). */
  crashAfter?: CrashPoint;
}

export interface SeedImageSpec {
  region: string;
  name: string;
  /** Defaults to Fedora's account (`fedoraOwner`). */
  ownerId?: string;
  architecture: AwsArch;
  /** Defaults to an id derived from owner, region and name, so seeding twice is harmless. */
  imageId?: string;
  description?: string;
  public?: boolean;
  encrypted?: boolean;
  bootMode?: Image['bootMode'];
  creationDate?: string;
}

export interface SimCloud extends Cloud {
  /** The simulated SQS queue of AWS events; undefined when `sim.events` is false. */
  eventQueue(): EventQueuePort | undefined;
  /** Registers an image (with one snapshot) owned by any account, e.g. Fedora's or an impostor's. */
  seedImage(spec: SeedImageSpec): Image;
  /** Registers several images at once; `created` is false for an id that already existed. */
  seedImages(specs: SeedImageSpec[]): Array<{ image: Image; created: boolean }>;
  /**
   * seedImages for callers that can wait a turn of the event loop: what is asked within one turn (the
   * new images of a prefetch window) is seeded in one mutation, which rewrites the state file once.
   */
  seedImagesSoon(specs: SeedImageSpec[]): Promise<Array<{ image: Image; created: boolean }>>;
  state(): SandboxState;
  /** Calls per operation, keyed `service:Operation` (e.g. `ec2:CopyImage`). */
  callCounts(): Record<string, number>;
  /**
   * AMI ids named by change sets that settle within `withinMs` from now: what the next Catalog calls
   * judge (ingestion is checked when a set settles).
   */
  settlingAmis(withinMs: number): string[];
  /** Which product version and region a Marketplace AMI from an SSM alias belongs to. */
  resolveMarketplaceAmi(
    amiId: string,
  ): { productId: string; versionTitle: string; region: string } | undefined;
  flush(): void;
}

/** Where the Marketplace ingests AMIs from in each partition. */
const ingestionRegion: Record<Partition, string> = {
  aws: 'us-east-1',
  'aws-us-gov': 'us-gov-west-1',
  'aws-cn': 'cn-northwest-1',
};

function checkSeedRegion(spec: SeedImageSpec): void {
  if (partitionOfRegion(spec.region) === undefined) {
    throw new ConfigError('Cannot seed an image in an unknown region', [
      { field: 'region', value: spec.region, rule: 'must be an AWS region' },
    ]);
  }
}

export function createSimCloud(options: SimCloudOptions): SimCloud {
  const rules: Partial<Record<Partition, IngestionRules>> = {};
  for (const [partition, accounts] of Object.entries(options.partitions) as Array<
    [Partition, SimPartitionAccounts]
  >) {
    rules[partition] = {
      amiRegion: ingestionRegion[partition],
      marketplaceAccounts: [...accounts.marketplaceAccounts],
      accessRoleArns: [...accounts.accessRoleArns],
    };
    const external = options.externalEc2?.[partition];
    if (external) rules[partition] = { ...rules[partition], external };
  }
  const world = new SimWorld(
    options.clock,
    options.stateFile,
    createChangeSetSettler(rules, { govCloudEnabled: options.sim.marketplace.govCloudEnabled }),
    {
      enabled: options.sim.events,
      dropRate: options.sim.faults.eventDropRate,
      seed: options.sim.faults.seed,
    },
  );
  const eventQueue = options.sim.events
    ? new SimEventQueue(world, 'arn:aws:sqs:us-east-1:000000000000:fedora-marketplace-sandbox-events')
    : undefined;
  const gate = new CallGate(options.sim);
  // One mutation, so seeding a message's twenty-odd regions writes the state file once.
  const seed = (specs: SeedImageSpec[]) =>
    world.mutate((state, now) => specs.map((spec) => seedInto(state, now, spec, options.fedoraOwner)));
  // seedImagesSoon's queue: the specs of this turn (their regions already checked) and the mutation that
  // will seed them.
  const soon: { specs: SeedImageSpec[]; seeded?: Promise<Array<{ image: Image; created: boolean }>> } = {
    specs: [],
  };
  const clients = new Map<Partition, PartitionClients>();
  const crashCount = { calls: 0 };

  return {
    clients(partition) {
      const cached = clients.get(partition);
      if (cached) return cached;
      const accounts = options.partitions[partition];
      if (!accounts) {
        throw new ConfigError(`Partition ${partition} is not configured`, [
          {
            field: `partitions.${partition}`,
            rule: 'must be configured to be used',
            hint: `add partitions.${partition} to the configuration`,
          },
        ]);
      }
      const built: PartitionClients = {
        partition,
        ec2: new SimEc2(world, gate, options.sim, partition, accounts.internalAccount),
        catalog: new SimCatalog(world, gate, options.sim, partition, accounts.sellerAccount),
        ssm: new SimSsm(world, gate, partition),
        internalSts: new SimSts(gate, partition, accounts.internalAccount),
        sellerSts: new SimSts(gate, partition, accounts.sellerAccount),
      };
      const used = options.crashAfter ? crashingClients(built, options.crashAfter, crashCount) : built;
      clients.set(partition, used);
      return used;
    },

    seedImage(spec) {
      return this.seedImages([spec])[0]!.image;
    },

    seedImages(specs) {
      for (const spec of specs) checkSeedRegion(spec);
      return seed(specs);
    },

    seedImagesSoon(specs) {
      for (const spec of specs) checkSeedRegion(spec);
      const start = soon.specs.length;
      soon.specs.push(...specs);
      soon.seeded ??= new Promise((resolve, reject) =>
        setImmediate(() => {
          const batch = soon.specs;
          soon.specs = [];
          soon.seeded = undefined;
          try {
            resolve(seed(batch));
          } catch (error) {
            reject(error);
          }
        }),
      );
      return soon.seeded.then((results) => results.slice(start, start + specs.length));
    },

    eventQueue: () => eventQueue,
    state: () => world.read((state, now) => sandboxState(state, now)),
    callCounts: () => gate.callCounts(),
    resolveMarketplaceAmi: (amiId) => world.read((state) => findMarketplaceAmi(state, amiId)),
    settlingAmis: (withinMs) =>
      world.peek((state) => {
        const horizon = Math.max(options.clock.now().getTime(), state.clockMs) + withinMs;
        return Object.values(state.changeSets)
          .filter((cs) => (cs.status === 'PREPARING' || cs.status === 'APPLYING') && cs.endAt <= horizon)
          .flatMap((cs) => amiIdsOf(cs.changes));
      }),
    flush: () => world.flush(),
    close: async () => {
      world.flush();
      world.close();
    },
  };
}

function seedInto(
  state: WorldState,
  now: number,
  spec: SeedImageSpec,
  fedoraOwner: string,
): { image: Image; created: boolean } {
  const ownerId = spec.ownerId ?? fedoraOwner;
  const hex = createHash('sha256').update([ownerId, spec.region, spec.name].join('\u0000')).digest('hex');
  const imageId = spec.imageId ?? `ami-${hex.slice(0, 17)}`;
  const existing = state.images[imageId];
  if (existing) return { image: toPublicImage(existing), created: false };
  const snapshotId = `snap-${hex.slice(17, 34)}`;
  const encrypted = spec.encrypted ?? false;
  state.snapshots[snapshotId] = {
    snapshotId,
    ownerId,
    region: spec.region,
    encrypted,
    tags: {},
    createVolumePermissions: [],
  };
  const image: SimImage = {
    imageId,
    name: spec.name,
    description: spec.description,
    ownerId,
    region: spec.region,
    state: 'available',
    architecture: spec.architecture,
    virtualizationType: 'hvm',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/sda1',
    encrypted,
    snapshotIds: [snapshotId],
    bootMode: spec.bootMode ?? (spec.architecture === 'arm64' ? 'uefi' : 'uefi-preferred'),
    enaSupport: true,
    public: spec.public ?? true,
    tags: {},
    creationDate: spec.creationDate ?? new Date(now).toISOString(),
    launchPermissions: [],
  };
  state.images[imageId] = image;
  return { image: toPublicImage(image), created: true };
}
