/**
 * The Marketplace products as this tool knows them, assembled from its jobs: one product per subvariant,
 * release and architecture, with every version a job brought, the availability of its newest listing and
 * the change set still open on it; its visibility (Draft, Limited, Public) and offer as the store records
 * them per product. `GET /api/v1/products` and the dashboard show this.
 */
import type { AwsArch } from '../core/arch.js';
import { productKey } from '../core/model/image-request.js';
import type { Job, JobState } from '../core/model/job.js';
import type { JobStore, ProductRecord } from '../store/store.js';

export interface ProductVersionView {
  title: string;
  jobId: string;
  state: JobState;
  composeId: string;
  /** The mirrored AMI in the base region (what the Marketplace ingests), once mirrored. */
  amiId: string | null;
  changeSetId: string | null;
  changeSetStatus: string | null;
  createdAt: string;
}

export interface ProductView {
  /** `<subvariant>/<release>/<arch>`: what makes one product. */
  key: string;
  subvariant: string;
  release: number;
  arch: AwsArch;
  /** The Marketplace product id once a change set created or found it. */
  productId: string | null;
  title: string | null;
  /** `Draft`, `Limited`, `Public` or `Restricted` as the Marketplace last showed it; null while unknown. */
  visibility: string | null;
  /** The product's public offer; null while unknown. */
  offerId: string | null;
  /** Newest first. */
  versions: ProductVersionView[];
  /** From the newest listing built for the product (empty before any job reached describe). */
  regions: string[];
  instanceTypes: string[];
  /** The change set of this product that has not ended yet (one at a time per product). */
  openChangeSet: { id: string; status: string; jobId: string } | null;
}

const openStatuses = new Set(['PREPARING', 'APPLYING']);

/** Products ordered by release (newest first), then subvariant and architecture. */
export async function listProducts(
  store: Pick<JobStore, 'listJobs' | 'listProducts'>,
): Promise<ProductView[]> {
  const byKey = new Map<string, Job[]>();
  for (const job of await store.listJobs()) {
    const key = productKey(job.request);
    byKey.set(key, [...(byKey.get(key) ?? []), job]);
  }
  const records = new Map((await store.listProducts()).map((p) => [p.key, p]));
  const products = [...byKey.entries()].map(([key, jobs]) => productView(key, jobs, records.get(key)));
  return products.sort(
    (a, b) =>
      b.release - a.release || a.subvariant.localeCompare(b.subvariant) || a.arch.localeCompare(b.arch),
  );
}

/** `jobs` are one product's, oldest first (as listJobs returns them). */
function productView(key: string, jobs: Job[], record: ProductRecord | undefined): ProductView {
  const newestFirst = [...jobs].reverse();
  const first = jobs[0] as Job;
  const listing = newestFirst.find((j) => j.data.listing)?.data.listing;
  const open = newestFirst.find(
    (j) => j.state === 'await' && j.data.changeSetId && openStatuses.has(j.data.changeSetStatus ?? ''),
  );
  return {
    key,
    subvariant: first.request.subvariant,
    release: first.request.release,
    arch: first.request.arch,
    productId: newestFirst.find((j) => j.data.productId)?.data.productId ?? null,
    title: newestFirst.find((j) => j.data.productTitle)?.data.productTitle ?? null,
    visibility: record?.visibility ?? null,
    offerId: record?.offerId ?? newestFirst.find((j) => j.data.offerId)?.data.offerId ?? null,
    versions: newestFirst
      .filter((j) => j.data.versionTitle)
      .map((j) => ({
        title: j.data.versionTitle as string,
        jobId: j.id,
        state: j.state,
        composeId: j.request.composeId,
        amiId: j.data.listing?.amiId ?? null,
        changeSetId: j.data.changeSetId ?? null,
        changeSetStatus: j.data.changeSetStatus ?? null,
        createdAt: j.createdAt.toISOString(),
      })),
    regions: listing?.regions ?? [],
    instanceTypes: listing?.instanceTypes ?? [],
    openChangeSet: open
      ? { id: open.data.changeSetId as string, status: open.data.changeSetStatus as string, jobId: open.id }
      : null,
  };
}
