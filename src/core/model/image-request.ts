import type { AwsArch } from '../arch.js';

/**
 * What intake hands to the pipeline: one official Fedora image to list, however it was announced
 * (a bus message, a dump file, or `publish --release --arch --source-ami`).
 */
export interface ImageRequest {
  release: number;
  arch: AwsArch;
  /** e.g. `Cloud_Base`. */
  subvariant: string;
  /** Pungi compose id, e.g. `Fedora-41-20241027.0`. */
  composeId: string;
  /** The AMI name Fedora registered, e.g. `Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4`. */
  imageName: string;
  /** Compose label used in version titles: `1.4` for a GA respin, `20250415.0` for an updates compose. */
  label: string;
  /** Fedora's AMI in `sourceRegion` (the base region when the message has it). */
  sourceAmi: string;
  sourceRegion: string;
  /** Every region Fedora published to, region -> AMI id, as announced. */
  regions: Record<string, string>;
  /** True for Beta/RC candidates admitted by `--include-prerelease`. */
  prerelease: boolean;
  /** Fields that were not in the message and were derived, with how (recorded in the job). */
  derived: Array<{ field: string; value: string; from: string }>;
  origin: RequestOrigin;
}

export interface RequestOrigin {
  kind: 'message' | 'cli' | 'replay' | 'bus';
  /** fedora-messaging message id, when there is one. */
  messageId?: string;
  topic?: string;
  /** File the message was read from. */
  file?: string;
}

/** The identity of an image: a second announcement of the same image must not create a second job. */
export function imageKey(r: Pick<ImageRequest, 'subvariant' | 'release' | 'arch' | 'composeId'>): string {
  return `${r.subvariant}/${r.release}/${r.arch}/${r.composeId}`;
}

/**
 * The Marketplace product an image belongs to: one per subvariant, release and architecture,
 * `Cloud_Base/41/x86_64`, and `Cloud_Base/43/x86_64/prerelease` for the product of Beta/RC images.
 */
export function productKey(r: Pick<ImageRequest, 'subvariant' | 'release' | 'arch' | 'prerelease'>): string {
  return `${r.subvariant}/${r.release}/${r.arch}${r.prerelease ? '/prerelease' : ''}`;
}
