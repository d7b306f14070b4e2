import type { PipelineContext } from '../context.js';
import { imageShareAccounts, listingPartition } from '../../config/partitions.js';
import type { Job } from '../../core/model/job.js';
import { advance, fail, type StepOutcome } from '../outcome.js';

/**
 * share: launch permission on every mirrored image and createVolumePermission on its snapshots for the
 * Marketplace ingestion and scanning accounts (and the seller account, when another account holds the
 * mirrors), each read back. Adding a grant that exists is a no-op in
 * EC2, so the add is safe to repeat after a restart and no separate look-before is needed.
 */
export async function shareStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { partition, settings } = listingPartition(ctx.config);
  const ec2 = ctx.cloud.clients(partition).ec2;
  const accounts = imageShareAccounts(settings);
  const absent = (granted: string[]) => accounts.filter((a) => !granted.includes(a));

  for (const [region, imageId] of Object.entries(job.data.mirroredAmis)) {
    await ec2.modifyImageLaunchPermission(region, imageId, { add: accounts });
    // Read back: the Marketplace fails the change set hours later if a grant silently did not apply.
    const missing = absent(await ec2.describeImageLaunchPermission(region, imageId));
    if (missing.length > 0)
      return fail(`launch permission on ${imageId} (${region}) did not take for ${missing.join(', ')}`);
    for (const snapshotId of job.data.mirroredSnapshots[imageId] ?? []) {
      await ec2.modifySnapshotCreateVolumePermission(region, snapshotId, { add: accounts });
      const missingVolume = absent(await ec2.describeSnapshotCreateVolumePermission(region, snapshotId));
      if (missingVolume.length > 0) {
        return fail(
          `createVolumePermission on ${snapshotId} (${region}) did not take for ${missingVolume.join(', ')}`,
        );
      }
    }
  }
  const images = Object.keys(job.data.mirroredAmis).length;
  return advance('describe', `shared ${images} image(s) and their snapshots with ${accounts.join(', ')}`, {
    sharedWith: [...accounts],
  });
}
