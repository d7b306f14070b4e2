import type { Image } from '../../cloud/ports.js';
import { CloudError } from '../../core/errors.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import type { Job } from '../../core/model/job.js';
import { advance, fail, wait, type StepOutcome } from '../outcome.js';
import { pollAt } from '../poll.js';
import type { ImageRequest } from '../../core/model/image-request.js';

/**
 * verify: the source AMI must be Fedora's (owner pinned, never a name-only lookup: CVE-2018-15869),
 * available, HVM, EBS-backed, unencrypted, of the announced architecture and name.
 */
export async function verifyStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { partition } = listingPartition(ctx.config);
  const image = await findSourceImage(ctx, partition, job.request);
  const problem = sourceImageProblem(image, job.request, ctx.config.fedora.ownerAccount);
  if (problem) return fail(problem);
  const found = image as Image;
  if (found.state === 'pending') {
    return wait(pollAt(ctx, 'image', job), `source ${found.imageId} is still pending in ${found.region}`);
  }
  return advance(
    'mirror',
    `source ${found.imageId} (${found.name}) verified: owner ${found.ownerId}, ${found.architecture}, hvm, ebs, unencrypted`,
    {
      source: {
        imageId: found.imageId,
        region: found.region,
        name: found.name,
        snapshotIds: found.snapshotIds,
        ...(found.creationDate ? { creationDate: found.creationDate } : {}),
        ...(found.bootMode ? { bootMode: found.bootMode } : {}),
      },
    },
  );
}

export async function findSourceImage(
  ctx: Pick<PipelineContext, 'cloud' | 'config'>,
  partition: Parameters<PipelineContext['cloud']['clients']>[0],
  request: Pick<ImageRequest, 'sourceAmi' | 'sourceRegion'>,
): Promise<Image | undefined> {
  try {
    const images = await ctx.cloud.clients(partition).ec2.describeImages(request.sourceRegion, {
      owners: [ctx.config.fedora.ownerAccount],
      imageIds: [request.sourceAmi],
    });
    return images[0];
  } catch (error) {
    // EC2 answers a lookup by id of an image that does not exist (or that we may not see) with an
    // error, not an empty list: InvalidAMIID.NotFound, or .Malformed / .Unavailable.
    if (error instanceof CloudError && error.awsCode.startsWith('InvalidAMIID.')) return undefined;
    throw error;
  }
}

/** Why `image` cannot be listed, or undefined when it can. */
export function sourceImageProblem(
  image: Image | undefined,
  request: Pick<ImageRequest, 'sourceAmi' | 'sourceRegion' | 'arch' | 'imageName'>,
  owner: string,
): string | undefined {
  if (!image) {
    return (
      `source AMI ${request.sourceAmi} was not found in ${request.sourceRegion} among images owned by ${owner} ` +
      `(the configured Fedora owner, fedora.ownerAccount); it does not exist there or belongs to another account, ` +
      `and only Fedora's own images are listed`
    );
  }
  if (image.ownerId !== owner)
    return `source AMI ${image.imageId} is owned by ${image.ownerId}, not by Fedora (${owner})`;
  if (image.state !== 'available' && image.state !== 'pending') {
    return `source AMI ${image.imageId} is in state ${image.state}${image.stateReason ? ` (${image.stateReason})` : ''}, expected available`;
  }
  if (image.virtualizationType !== 'hvm')
    return `source AMI ${image.imageId} is ${image.virtualizationType}; the Marketplace requires HVM`;
  if (image.rootDeviceType !== 'ebs')
    return `source AMI ${image.imageId} is ${image.rootDeviceType}-backed; the Marketplace requires EBS`;
  if (image.encrypted)
    return `source AMI ${image.imageId} has encrypted snapshots; the Marketplace refuses encrypted AMIs`;
  if (image.architecture !== request.arch) {
    return `source AMI ${image.imageId} is ${image.architecture} but the message announced ${request.arch}`;
  }
  if (image.name !== request.imageName) {
    return `source AMI ${image.imageId} is named ${JSON.stringify(image.name)} but the message announced ${JSON.stringify(request.imageName)}`;
  }
  return undefined;
}
