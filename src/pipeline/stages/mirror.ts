import type { Ec2Port, Image } from '../../cloud/ports.js';
import { CloudError } from '../../core/errors.js';
import { stableToken } from '../../core/ids.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import type { Job, JobData } from '../../core/model/job.js';
import { advance, fail, wait, type StepOutcome } from '../outcome.js';
import { awaitEvent, pollAt } from '../poll.js';

/** A failed copy is deregistered and started again; after this many starts the job fails. */
export const maxCopyStarts = 3;

/**
 * EC2 is eventually consistent: an image CopyImage just returned can be InvalidAMIID.NotFound for a
 * while. It is looked for again (a persisted wait each time) this many times before the job fails.
 */
export const maxNotFoundLooks = 10;

/**
 * mirror: copy the verified source AMI into the internal account, in the base region (which the
 * Marketplace ingests) and every configured mirror region. Each copy is found again after a restart by
 * its deterministic name (moto ignores ClientToken) and carries a deterministic ClientToken (AWS honours it).
 */
export async function mirrorStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { partition, settings } = listingPartition(ctx.config);
  const ec2 = ctx.cloud.clients(partition).ec2;
  const regions = [...new Set([settings.baseRegion, ...settings.mirrorRegions])];
  const mirroredAmis = { ...job.data.mirroredAmis };
  const mirroredSnapshots = { ...job.data.mirroredSnapshots };
  const copyAttempts = { ...(job.data.copyAttempts ?? {}) };
  const notFoundLooks = { ...(job.data.notFoundLooks ?? {}) };
  const ready = new Set(job.data.mirrorsReady ?? []);
  const name = mirrorName(job);
  const pending: string[] = [];
  /** Copies whose end an EC2 AMI State Change event announces. */
  const copying: string[] = [];

  for (const region of regions) {
    // Copies to different regions finish at different times; a finished one is not polled again.
    if (ready.has(region) && mirroredAmis[region]) continue;
    const knownId = mirroredAmis[region];
    let image: Image | undefined;
    try {
      // Without a recorded copy, CopyImage below is the look: its token (and the AWS adapter's lookup
      // by the deterministic name, for moto) returns the copy an earlier run started.
      image = knownId ? await currentMirror(ec2, region, knownId) : undefined;
      delete notFoundLooks[region];
    } catch (error) {
      if (!(knownId && error instanceof CloudError && error.awsCode === 'InvalidAMIID.NotFound')) throw error;
      const looks = (notFoundLooks[region] ?? 0) + 1;
      if (looks >= maxNotFoundLooks) {
        return fail(
          `copy ${knownId} into ${region} is still unknown to EC2 (InvalidAMIID.NotFound) after ${looks} looks since CopyImage returned it`,
          {
            mirroredAmis,
            mirroredSnapshots,
            copyAttempts,
            notFoundLooks: { ...notFoundLooks, [region]: looks },
          },
        );
      }
      notFoundLooks[region] = looks;
      pending.push(`${region} ${knownId} (not visible in EC2 yet, look ${looks} of ${maxNotFoundLooks})`);
      continue;
    }
    if (image?.state === 'failed' || image?.state === 'error' || image?.state === 'invalid') {
      const starts = copyAttempts[region] ?? 1;
      if (starts >= maxCopyStarts) {
        return fail(
          `copy of ${job.request.sourceAmi} into ${region} failed ${starts} times (last: ${image.stateReason ?? image.state})`,
          { mirroredAmis, mirroredSnapshots, copyAttempts },
        );
      }
      ctx.logger.warn(
        { job: job.id, region, image: image.imageId, reason: image.stateReason },
        'copy failed; starting it again',
      );
      await ec2.deregisterImage(region, image.imageId);
      copyAttempts[region] = starts + 1;
      image = undefined;
      delete mirroredAmis[region];
    }
    if (!image) {
      const attempt = copyAttempts[region] ?? 1;
      copyAttempts[region] = attempt;
      const { imageId } = await ctx.copySlots(region).use(() =>
        ec2.copyImage({
          region,
          sourceRegion: job.request.sourceRegion,
          sourceImageId: job.request.sourceAmi,
          name,
          description: `Fedora ${job.request.release} ${job.request.subvariant} ${job.request.arch} (${job.request.composeId}), mirrored from ${job.request.sourceAmi} for AWS Marketplace`,
          clientToken: stableToken('copy', job.key, region, attempt),
          tags: mirrorTags(job),
        }),
      );
      mirroredAmis[region] = imageId;
      ready.delete(region);
      copying.push(imageId);
      pending.push(`${region} ${imageId} (copy started)`);
      continue;
    }
    mirroredAmis[region] = image.imageId;
    if (image.snapshotIds.length > 0) mirroredSnapshots[image.imageId] = image.snapshotIds;
    if (image.state === 'available') ready.add(region);
    else {
      if (image.state === 'pending') copying.push(image.imageId);
      pending.push(`${region} ${image.imageId} ${image.state}`);
    }
  }

  const patch: Partial<JobData> = {
    mirroredAmis,
    mirroredSnapshots,
    copyAttempts,
    notFoundLooks,
    mirrorsReady: [...ready],
  };
  const note = `waiting for copies: ${pending.join(', ')}`;
  // A copy EC2 does not show yet has no event to wait for: it is looked at again on the plain schedule.
  if (pending.length > copying.length) return wait(pollAt(ctx, 'image', job), note, patch);
  if (pending.length > 0) return awaitEvent(ctx, 'image', job, { images: copying }, note, patch);
  return advance(
    'share',
    `mirrored into ${regions.length} region(s): ${regions.map((r) => `${r} ${mirroredAmis[r]}`).join(', ')}`,
    patch,
  );
}

/** The recorded mirror of this image in `region`, as EC2 shows it now. */
async function currentMirror(ec2: Ec2Port, region: string, imageId: string): Promise<Image | undefined> {
  const images = await ec2.describeImages(region, { owners: ['self'], imageIds: [imageId] });
  return images.find((i) => i.state !== 'deregistered');
}

export function mirrorName(job: Pick<Job, 'request'>): string {
  return `${job.request.imageName}-marketplace`;
}

/** The tag naming the Fedora AMI a mirror was copied from. */
export const mirrorSourceTag = 'fedora-marketplace:source-ami';

export function mirrorTags(job: Pick<Job, 'request' | 'id'>): Record<string, string> {
  const r = job.request;
  return {
    Name: mirrorName(job),
    'fedora-marketplace:job': job.id,
    [mirrorSourceTag]: r.sourceAmi,
    'fedora-marketplace:compose-id': r.composeId,
    'fedora-marketplace:release': String(r.release),
    'fedora-marketplace:arch': r.arch,
    'fedora-marketplace:subvariant': r.subvariant,
  };
}
