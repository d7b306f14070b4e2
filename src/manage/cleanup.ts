/**
 * Cleanup: mirrored AMIs (and their snapshots) that no live version uses any more, once they have been
 * retired for a grace period. Only images the internal account owns and this tool tagged are candidates;
 * an image of a job still in flight, or of a version still Public (or whose product cannot be read),
 * is never touched.
 */
import type { CatalogPort, Ec2Port, EntityDescription, Image } from '../cloud/ports.js';
import { isTerminal, type Job } from '../core/model/job.js';

export const tagPrefix = 'fedora-marketplace:';

export interface CleanupCandidate {
  region: string;
  imageId: string;
  name: string;
  snapshotIds: string[];
  /** Deprecation time if set, else creation date: what the grace period counts from. */
  since: string;
  job?: string;
}

export interface CleanupDeps {
  ec2: Ec2Port;
  catalog: CatalogPort;
  now: Date;
}

async function entityOf(catalog: CatalogPort, cache: Map<string, EntityDescription | undefined>, id: string) {
  if (!cache.has(id)) cache.set(id, await catalog.describeEntity(id).catch(() => undefined));
  return cache.get(id);
}

/** AMI ids some job still needs: in-flight jobs, and versions that are Public or cannot be checked. */
async function imagesInUse(catalog: CatalogPort, jobs: Job[]): Promise<Set<string>> {
  const inUse = new Set<string>();
  const entities = new Map<string, EntityDescription | undefined>();
  for (const job of jobs) {
    const amis = Object.values(job.data.mirroredAmis);
    if (!isTerminal(job.state)) {
      amis.forEach((a) => inUse.add(a));
      continue;
    }
    if (job.state !== 'published') continue;
    const entity = job.data.productId ? await entityOf(catalog, entities, job.data.productId) : undefined;
    const version = entity?.details.Versions?.find((v) => v.VersionTitle === job.data.versionTitle);
    const restricted =
      entity?.details.Description?.Visibility === 'Restricted' ||
      (version !== undefined && (version.DeliveryOptions ?? []).every((o) => o.Visibility === 'Restricted'));
    if (!restricted) amis.forEach((a) => inUse.add(a));
  }
  return inUse;
}

function tagged(image: Image): boolean {
  return Object.keys(image.tags).some((k) => k.startsWith(tagPrefix));
}

export async function cleanupCandidates(
  deps: CleanupDeps,
  jobs: Job[],
  regions: string[],
  graceDays: number,
): Promise<CleanupCandidate[]> {
  const inUse = await imagesInUse(deps.catalog, jobs);
  const cutoff = deps.now.getTime() - graceDays * 86_400_000;
  const candidates: CleanupCandidate[] = [];
  for (const region of [...new Set(regions)].sort()) {
    for (const image of await deps.ec2.describeImages(region, { owners: ['self'] })) {
      if (!tagged(image) || inUse.has(image.imageId)) continue;
      const since = image.deprecationTime ?? image.creationDate;
      if (since === undefined || Date.parse(since) > cutoff) continue;
      candidates.push({
        region,
        imageId: image.imageId,
        name: image.name,
        snapshotIds: [...image.snapshotIds],
        since,
        ...(image.tags[`${tagPrefix}job`] ? { job: image.tags[`${tagPrefix}job`] } : {}),
      });
    }
  }
  return candidates;
}

/** Deregisters each image, then deletes its snapshots (EC2 refuses to delete a snapshot an image uses). */
export async function deleteCandidates(ec2: Ec2Port, candidates: CleanupCandidate[]): Promise<void> {
  for (const c of candidates) {
    await ec2.deregisterImage(c.region, c.imageId);
    for (const snapshotId of c.snapshotIds) await ec2.deleteSnapshot(c.region, snapshotId);
  }
}
