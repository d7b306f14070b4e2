/**
 * `publish --release N --arch A --source-ami ID`: the lead looks the AMI up with Fedora's owner
 * pinned and hands the image here; the flags must agree with what the image itself says.
 */
import type { Image } from '../cloud/ports.js';
import type { AwsArch } from '../core/arch.js';
import { toAwsArch } from '../core/arch.js';
import { InputError } from '../core/errors.js';
import type { Derivation } from './derive.js';
import { parseImageName } from './derive.js';
import type { ImageRequest } from '../core/model/image-request.js';

export interface CliRequestOptions {
  release: number;
  arch: AwsArch;
  subvariant: string;
  /** The compose id, when known; otherwise derived from the image name (see below). */
  composeId?: string;
  region: string;
}

export function requestFromImage(image: Image, opts: CliRequestOptions): ImageRequest {
  const parsed = parseImageName(image.name);
  if (!parsed) {
    throw new InputError(`${image.imageId} is not a Fedora Cloud image name`, {
      field: '--source-ami',
      value: image.name,
      rule: 'the image name must look like Fedora-Cloud-Base-AmazonEC2.<arch>-<release>-<label>',
      hint: 'pass the id of an AMI published by Fedora (owner 125523088429)',
    });
  }
  if (image.architecture !== opts.arch) {
    throw new InputError(`${image.imageId} is a ${image.architecture} image`, {
      field: '--arch',
      value: opts.arch,
      rule: `must match the image's architecture (${image.architecture})`,
      hint: `pass --arch ${image.architecture}, or the AMI id of the ${opts.arch} image`,
    });
  }
  const nameArch = toAwsArch(parsed.arch);
  if (nameArch !== opts.arch) {
    throw new InputError(`${image.name} names architecture ${parsed.arch}`, {
      field: '--arch',
      value: opts.arch,
      rule: `must match the architecture in the image name (${parsed.arch})`,
    });
  }
  if (parsed.version !== String(opts.release)) {
    throw new InputError(`${image.name} is not a Fedora ${opts.release} image`, {
      field: '--release',
      value: opts.release,
      rule: `must match the release in the image name (${parsed.version})`,
      hint: /^\d+$/.test(parsed.version)
        ? `pass --release ${parsed.version}`
        : 'only numbered Fedora releases are listed',
    });
  }
  if (parsed.subvariant !== opts.subvariant) {
    throw new InputError(`${image.name} is not a ${opts.subvariant} image`, {
      field: '--subvariant',
      value: opts.subvariant,
      rule: `must match the subvariant in the image name (${parsed.subvariant})`,
    });
  }

  const derived: Derivation[] = [{ field: 'label', value: parsed.label, from: `image name ${image.name}` }];
  let composeId = opts.composeId;
  if (composeId === undefined) {
    // Not a real pungi id for GA labels (1.4); it only has to be stable so repeated requests coalesce.
    composeId = `Fedora-${opts.subvariant.split('_')[0]}-${opts.release}-${parsed.label}`;
    derived.push({
      field: 'composeId',
      value: composeId,
      from: `image name ${image.name} (no --compose-id given)`,
    });
  }
  return {
    release: opts.release,
    arch: opts.arch,
    subvariant: opts.subvariant,
    composeId,
    imageName: image.name,
    label: parsed.label,
    sourceAmi: image.imageId,
    sourceRegion: opts.region,
    regions: { [opts.region]: image.imageId },
    prerelease: parsed.prerelease,
    derived,
    origin: { kind: 'cli' },
  };
}
