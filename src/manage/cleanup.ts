/**
 * Cleanup: mirrored AMIs (and their snapshots) that no live version uses any more, once they have been
 * retired for a grace period. Only images the internal account owns and this tool tagged are candidates.
 * What is live is read from the Marketplace itself (every product of the seller, DescribeEntity), not
 * only from the local store, so a fresh or another state directory cannot mistake a live version's
 * mirrors for leftovers. Every image kept is listed with the reason.
 */
import type { CatalogPort, Ec2Port, EntityDescription, Image } from '../cloud/ports.js';
import { isTerminal, type Job } from '../core/model/job.js';

export const tagPrefix = 'fedora-marketplace:';
const jobTag = `${tagPrefix}job`;

export interface CleanupCandidate {
  region: string;
  imageId: string;
  name: string;
  snapshotIds: string[];
  /** Deprecation time if set, else creation date: what the grace period counts from. */
  since: string;
  job?: string;
}

export interface KeptImage {
  region: string;
  imageId: string;
  name: string;
  /** Why it stays, in words: the live version that uses it, the job still running, the grace period. */
  reason: string;
  job?: string;
}

export interface CleanupPlan {
  candidates: CleanupCandidate[];
  kept: KeptImage[];
}

export interface CleanupDeps {
  ec2: Ec2Port;
  catalog: CatalogPort;
  now: Date;
}

export interface CleanupScope {
  /** The store's jobs: those still running keep their mirrors. */
  jobs: Job[];
  /** Regions to look in: the configured ones and any a job mirrored to. */
  regions: string[];
  /** Products to read besides every product the seller lists (configured and recorded ids). */
  productIds: string[];
  graceDays: number;
}

/** A version is live unless its product, or every one of its delivery options, is Restricted. */
function liveVersionsOf(entity: EntityDescription) {
  if (entity.details.Description?.Visibility === 'Restricted') return [];
  return (entity.details.Versions ?? []).filter((v) => {
    const options = v.DeliveryOptions ?? [];
    return options.length === 0 || options.some((o) => o.Visibility !== 'Restricted');
  });
}

/**
 * AMI id -> why it is live, from every product the seller lists and every id named in configuration or
 * the store. A product that cannot be read stops the cleanup: what it uses is unknown.
 */
async function liveAmis(catalog: CatalogPort, productIds: string[]): Promise<Map<string, string>> {
  const listed = await catalog.listEntities({ entityType: 'AmiProduct' });
  const live = new Map<string, string>();
  for (const id of [...new Set([...listed.map((e) => e.entityId), ...productIds])].sort()) {
    const entity = await catalog.describeEntity(id);
    const title = entity.details.Description?.ProductTitle ?? id;
    for (const version of liveVersionsOf(entity)) {
      for (const source of version.Sources ?? []) {
        if (source.Image)
          live.set(source.Image, `version ${version.VersionTitle ?? '?'} of ${id} (${title}) is live`);
      }
    }
  }
  return live;
}

function tagged(image: Image): boolean {
  return Object.keys(image.tags).some((k) => k.startsWith(tagPrefix));
}

/**
 * Which tagged mirrors may go and which stay (and why). A live version names its AMI in the base region;
 * the same image's mirrors in the other regions carry the same job tag and name, and stay with it.
 */
export async function planCleanup(deps: CleanupDeps, scope: CleanupScope): Promise<CleanupPlan> {
  const live = await liveAmis(deps.catalog, scope.productIds);
  const running = new Map<string, Job>();
  for (const job of scope.jobs) {
    if (isTerminal(job.state)) continue;
    for (const ami of Object.values(job.data.mirroredAmis)) running.set(ami, job);
  }

  const images: Image[] = [];
  for (const region of [...new Set(scope.regions)].sort())
    images.push(...(await deps.ec2.describeImages(region, { owners: ['self'] })).filter(tagged));
  // Mirrors of one image share its job tag and its name: what makes one live makes them all live.
  const liveBy = new Map<string, string>();
  for (const image of images) {
    const why = live.get(image.imageId);
    if (!why) continue;
    liveBy.set(`name ${image.name}`, why);
    if (image.tags[jobTag]) liveBy.set(`job ${image.tags[jobTag]}`, why);
  }

  const cutoff = deps.now.getTime() - scope.graceDays * 86_400_000;
  const plan: CleanupPlan = { candidates: [], kept: [] };
  for (const image of images) {
    const job = image.tags[jobTag];
    const base = { region: image.region, imageId: image.imageId, name: image.name, ...(job ? { job } : {}) };
    const since = image.deprecationTime ?? image.creationDate;
    const runningJob = running.get(image.imageId);
    const reason =
      live.get(image.imageId) ??
      liveBy.get(`name ${image.name}`) ??
      (job ? liveBy.get(`job ${job}`) : undefined) ??
      (runningJob ? `job ${runningJob.id} is still running (${runningJob.state})` : undefined) ??
      (since === undefined
        ? 'its creation date is unknown'
        : Date.parse(since) > cutoff
          ? `${image.deprecationTime ? 'deprecated' : 'created'} ${since.slice(0, 10)}, within the ${scope.graceDays}-day grace period`
          : undefined);
    if (reason) plan.kept.push({ ...base, reason });
    else plan.candidates.push({ ...base, snapshotIds: [...image.snapshotIds], since: since as string });
  }
  return plan;
}

/** Deregisters each image, then deletes its snapshots (EC2 refuses to delete a snapshot an image uses). */
export async function deleteCandidates(ec2: Ec2Port, candidates: CleanupCandidate[]): Promise<void> {
  for (const c of candidates) {
    await ec2.deregisterImage(c.region, c.imageId);
    for (const snapshotId of c.snapshotIds) await ec2.deleteSnapshot(c.region, snapshotId);
  }
}
