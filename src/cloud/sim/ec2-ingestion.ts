/**
 * The simulated Marketplace's checks backed by another EC2 (moto, through the aws adapter) instead of
 * the simulated one: `sandbox serve` fronts a publish whose images live there. The checks run
 * synchronously while a change set settles, so before each Catalog call the facts of every AMI that a
 * change set about to settle names are fetched, and the lookup reads that cache. Other AMIs are not
 * fetched again: the cost of a call stays flat however many versions are published or under way.
 * Regions and instance types that EC2 offers are read once.
 */
import { CloudError } from '../../core/errors.js';
import type { CatalogPort, Change, Ec2Port, EntityType } from '../ports.js';
import type { ExternalEc2Facts, IngestionImage } from './catalog-rules.js';

export interface Ec2IngestionImages {
  facts: ExternalEc2Facts;
  /** Reads the current facts of these AMIs from the EC2 (the facts of others stay as they were). */
  refresh(amiIds?: string[]): Promise<void>;
}

export interface Ec2IngestionOptions {
  ec2: Ec2Port;
  /** Where the Marketplace ingests from (us-east-1). */
  region: string;
  /** The account that owns the mirrored AMIs (owner-pinned lookup). */
  owner: string;
}

export function createEc2IngestionImages(options: Ec2IngestionOptions): Ec2IngestionImages {
  const known = new Map<string, IngestionImage | undefined>();
  const regions = new Set<string>();
  const instanceTypes = new Set<string>();
  // Paging through moto's instance types takes seconds: start now, wait only before a change set.
  const offered = Promise.all([
    options.ec2.describeRegions(),
    options.ec2.describeInstanceTypes(options.region, { architecture: 'x86_64' }),
    options.ec2.describeInstanceTypes(options.region, { architecture: 'arm64' }),
  ]).then(([r, x86, arm]) => {
    for (const region of r) regions.add(region.name);
    for (const type of [...x86, ...arm]) instanceTypes.add(type.instanceType);
  });
  // Reported by the first refresh; not an unhandled rejection meanwhile.
  offered.catch(() => undefined);

  async function read(amiId: string): Promise<IngestionImage | undefined> {
    const { ec2, region, owner } = options;
    let images;
    try {
      images = await ec2.describeImages(region, { owners: [owner], imageIds: [amiId] });
    } catch (error) {
      // An unknown or malformed id is "does not exist" for the rules, as it is for the Marketplace.
      if (error instanceof CloudError && (error.kind === 'not-found' || error.kind === 'validation'))
        return undefined;
      throw error;
    }
    const image = images.find((i) => i.imageId === amiId);
    if (!image) return undefined;
    const [launchPermissions, snapshots] = await Promise.all([
      ec2.describeImageLaunchPermission(region, amiId),
      Promise.all(
        image.snapshotIds.map(async (snapshotId) => ({
          snapshotId,
          createVolumePermissions: await ec2.describeSnapshotCreateVolumePermission(region, snapshotId),
        })),
      ),
    ]);
    return { ...image, launchPermissions, snapshots };
  }

  return {
    facts: { lookupImage: (amiId) => known.get(amiId), regions, instanceTypes },
    async refresh(amiIds = []) {
      await offered;
      const ids = [...new Set(amiIds)];
      const facts = await Promise.all(ids.map(read));
      ids.forEach((id, i) => known.set(id, facts[i]));
    },
  };
}

/** AMI ids named by AddDeliveryOptions changes (AmiSource.AmiId). */
export function amiIdsOf(changes: Change[]): string[] {
  const ids: string[] = [];
  for (const change of changes) {
    const details = change.DetailsDocument as { DeliveryOptions?: unknown } | null;
    const deliveryOptions = Array.isArray(details?.DeliveryOptions)
      ? (details.DeliveryOptions as unknown[])
      : [];
    for (const option of deliveryOptions) {
      const amiId = (
        option as { Details?: { AmiDeliveryOptionDetails?: { AmiSource?: { AmiId?: unknown } } } }
      )?.Details?.AmiDeliveryOptionDetails?.AmiSource?.AmiId;
      if (typeof amiId === 'string') ids.push(amiId);
    }
  }
  return ids;
}

/**
 * Facts read this long before a set's end are still the facts when it settles: a refresh takes moments.
 */
export const settlingWithinMs = 5_000;

/**
 * A CatalogPort that refreshes the ingestion facts before every call that may settle a change set:
 * those of the AMIs a new set names, and of those `settlingAmis` names (sets about to settle).
 */
export function withIngestionRefresh(
  catalog: CatalogPort,
  images: Ec2IngestionImages,
  settlingAmis: (withinMs: number) => string[],
): CatalogPort {
  const refreshed = async <T>(call: () => Promise<T>, named: string[] = []): Promise<T> => {
    await images.refresh([...named, ...settlingAmis(settlingWithinMs)]);
    return call();
  };
  return {
    startChangeSet: (request) => refreshed(() => catalog.startChangeSet(request), amiIdsOf(request.changes)),
    describeChangeSet: (changeSetId) => refreshed(() => catalog.describeChangeSet(changeSetId)),
    listChangeSets: (query) => refreshed(() => catalog.listChangeSets(query)),
    // The entity type goes through: an offer is described as an offer.
    describeEntity: <T extends EntityType = 'AmiProduct@1.0'>(entityId: string, entityType?: T) =>
      refreshed(() => catalog.describeEntity(entityId, entityType)),
    listEntities: (query) => refreshed(() => catalog.listEntities(query)),
    cancelChangeSet: (changeSetId) => refreshed(() => catalog.cancelChangeSet(changeSetId)),
  };
}
