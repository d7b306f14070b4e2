import type { SimCloud } from '../cloud/sim/index.js';
import { awsArches, toFedoraArch } from '../core/arch.js';
import type { ImageRequest } from '../core/model/image-request.js';

export const firstBenchRelease = 30;

/**
 * `count` official images, each of its own product (release x architecture: 30/x86_64, 30/arm64,
 * 31/x86_64...), with Fedora's source image seeded in the simulated cloud so verify finds it.
 */
export function seedBenchImages(sim: SimCloud, count: number, sourceRegion: string): ImageRequest[] {
  const requests: ImageRequest[] = [];
  for (let i = 0; i < count; i++) {
    const release = firstBenchRelease + Math.floor(i / awsArches.length);
    const arch = awsArches[i % awsArches.length] as ImageRequest['arch'];
    const label = '1.1';
    const imageName = `Fedora-Cloud-Base-AmazonEC2.${toFedoraArch(arch)}-${release}-${label}`;
    const image = sim.seedImage({
      region: sourceRegion,
      name: imageName,
      architecture: arch,
      bootMode: 'uefi-preferred',
    });
    requests.push({
      release,
      arch,
      subvariant: 'Cloud_Base',
      composeId: `Fedora-Cloud-${release}-${label}`,
      imageName,
      label,
      sourceAmi: image.imageId,
      sourceRegion,
      regions: { [sourceRegion]: image.imageId },
      prerelease: false,
      derived: [],
      origin: { kind: 'cli' },
    });
  }
  return requests;
}
