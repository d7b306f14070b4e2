import { toFedoraArch } from '../../core/arch.js';
import { InternalError } from '../../core/errors.js';
import type { ImageRequest } from '../../core/model/image-request.js';
import type { JobData, JobState } from '../../core/model/job.js';
import { Severity } from './publisher.js';
import type { BusPublisher, PublishReceipt, SeverityLevel } from './publisher.js';

/** Topic suffixes (the publisher prepends the configured prefix, e.g. `org.fedoraproject.prod`). */
export const announcementTopics = {
  published: 'fedora_marketplace.version.published.v1',
  failed: 'fedora_marketplace.version.failed.v1',
} as const;
export type AnnouncementTopic = (typeof announcementTopics)[keyof typeof announcementTopics];

/** The body described by schemas/announcement.v1.schema.json. */
export interface AnnouncementBody {
  status: 'published' | 'failed';
  release: number;
  /** Fedora's name for the architecture (`x86_64`, `aarch64`), as in fedora-image-uploader messages. */
  arch: string;
  subvariant: string;
  compose_id: string;
  image_name: string;
  product_id: string | null;
  product_title: string | null;
  /** Draft, Limited, Public or Restricted; only Public is listed for buyers. */
  product_visibility: string | null;
  offer_id: string | null;
  version_title: string | null;
  source_ami: { region: string; ami: string };
  mirrored_amis: Record<string, string>;
  change_set_id: string | null;
  change_set_status: string | null;
  ssm_alias: string | null;
  reason: string | null;
  job_id: string;
}

/** What an announcement needs from a job; a pipeline `Job` fits as is. */
export interface AnnouncementInput {
  id: string;
  state: JobState;
  reason?: string;
  request: Pick<
    ImageRequest,
    'release' | 'arch' | 'subvariant' | 'composeId' | 'imageName' | 'sourceAmi' | 'sourceRegion'
  >;
  data: Pick<
    JobData,
    | 'mirroredAmis'
    | 'productId'
    | 'productTitle'
    | 'versionTitle'
    | 'changeSetId'
    | 'changeSetStatus'
    | 'ssmAlias'
    | 'offerId'
  >;
  /** What the store records of the job's product. */
  product?: { visibility?: string; offerId?: string };
}

export interface Announcement {
  topic: AnnouncementTopic;
  body: AnnouncementBody;
  severity: SeverityLevel;
}

/** The message for a job that reached `published` or `failed`; other states have nothing to announce. */
export function buildAnnouncement(job: AnnouncementInput): Announcement {
  if (job.state !== 'published' && job.state !== 'failed') {
    throw new InternalError('Only published or failed jobs are announced', {
      field: 'job.state',
      value: job.state,
      rule: 'state must be published or failed',
    });
  }
  const { request, data } = job;
  const failed = job.state === 'failed';
  const body: AnnouncementBody = {
    status: job.state,
    release: request.release,
    arch: toFedoraArch(request.arch),
    subvariant: request.subvariant,
    compose_id: request.composeId,
    image_name: request.imageName,
    product_id: data.productId ?? null,
    product_title: data.productTitle ?? null,
    product_visibility: job.product?.visibility ?? null,
    offer_id: job.product?.offerId ?? data.offerId ?? null,
    version_title: data.versionTitle ?? null,
    source_ami: { region: request.sourceRegion, ami: request.sourceAmi },
    mirrored_amis: { ...data.mirroredAmis },
    change_set_id: data.changeSetId ?? null,
    change_set_status: data.changeSetStatus ?? null,
    ssm_alias: data.ssmAlias ?? null,
    // A failure always says why, even when the job recorded no reason text.
    reason: failed ? job.reason || 'failed without a recorded reason' : null,
    job_id: job.id,
  };
  return {
    topic: failed ? announcementTopics.failed : announcementTopics.published,
    body,
    severity: failed ? Severity.error : Severity.info,
  };
}

/** Builds and publishes the announcement for `job`; resolves once the broker confirmed it. */
export async function publishAnnouncement(
  publisher: BusPublisher,
  job: AnnouncementInput,
): Promise<PublishReceipt> {
  const { topic, body, severity } = buildAnnouncement(job);
  return publisher.publish({ topic, body, severity, schema: topic });
}
