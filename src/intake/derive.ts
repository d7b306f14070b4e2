/**
 * What can be read from the three names an announcement carries: the topic suffix, the pungi
 * compose id and the AMI name. Older messages lack `release` and `subvariant`; they are derived here
 * and every derivation is recorded, so a job shows where each value came from.
 */
import { InputError } from '../core/errors.js';
import type { AwsPublishedBody } from './aws-published.js';
import { awsPublishedTopic } from './aws-published.js';
import type { ImageRequest } from '../core/model/image-request.js';

export type Derivation = ImageRequest['derived'][number];
export type ComposeSuffix = 'production' | 'nightly' | 'test' | 'ci';

export interface ComposeId {
  /** Release short name, e.g. `Fedora`, `Fedora-Cloud`. */
  short: string;
  /** `41`, `Rawhide`, `ELN`. */
  version: string;
  /** Release type suffix when not GA, e.g. `updates`. */
  type?: string;
  /** YYYYMMDD. */
  date: string;
  suffix: ComposeSuffix;
  respin: number;
}

// productmd: <short>-<version>[-<type>]-<YYYYMMDD>[.n|.t|.ci].<respin>. The short name may contain
// dashes (Fedora-Cloud), so the version is pinned to what Fedora uses: a number, Rawhide or ELN.
const composePattern =
  /^(?<short>[A-Za-z][\w]*(?:-[A-Za-z][\w]*)*?)-(?<version>\d+(?:\.\d+)*|[Rr]awhide|[Ee][Ll][Nn])(?:-(?<type>[a-z]+(?:-[a-z]+)*))?-(?<date>\d{8})(?<suffix>\.n|\.t|\.ci)?\.(?<respin>\d+)$/;

const suffixes: Record<string, ComposeSuffix> = {
  '': 'production',
  '.n': 'nightly',
  '.t': 'test',
  '.ci': 'ci',
};

export function parseComposeId(id: string, field = 'compose_id'): ComposeId {
  const groups = composePattern.exec(id)?.groups;
  if (!groups) {
    throw new InputError(`not a pungi compose id: ${id}`, {
      field,
      value: id,
      rule: 'must be a productmd compose id <short>-<version>[-<type>]-<YYYYMMDD>[.n|.t|.ci].<respin>',
      hint: 'e.g. Fedora-41-20241027.0 or Fedora-Rawhide-20250820.n.0',
    });
  }
  return {
    short: groups.short as string,
    version: groups.version as string,
    ...(groups.type ? { type: groups.type } : {}),
    date: groups.date as string,
    suffix: suffixes[groups.suffix ?? ''] as ComposeSuffix,
    respin: Number(groups.respin),
  };
}

export interface ImageName {
  /** `Cloud_Base` for `Fedora-Cloud-Base-...`. */
  subvariant: string;
  /** Fedora's name for it: x86_64 or aarch64. */
  arch: string;
  /** `41`, `Rawhide`, `ELN`. */
  version: string;
  prerelease: boolean;
  /** `1.4` (GA respin), `20250415.0` (updates compose). */
  label: string;
}

// Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4, ...-43-Prerelease-1.2, ...-Rawhide-20250820.0
const currentName =
  /^Fedora-(?<sub>[A-Za-z][\w-]*?)-AmazonEC2\.(?<arch>[a-z0-9_]+)-(?<version>\d+|[Rr]awhide|[Ee][Ll][Nn])-(?<pre>Prerelease-)?(?<label>\d+(?:\.\d+)+)$/;
// Fedora-Cloud-Base-40-1.14.x86_64-hvm-us-west-2-gp3-0 (before the AmazonEC2 image type existed)
const legacyName =
  /^Fedora-(?<sub>[A-Za-z][\w-]*?)-(?<version>\d+|[Rr]awhide)-(?<label>\d+(?:\.\d+)+)\.(?<arch>x86_64|aarch64)(?:-hvm-[a-z0-9-]+-(?:gp2|gp3|standard)-\d+)?$/;

export function parseImageName(name: string): ImageName | undefined {
  const groups = (currentName.exec(name) ?? legacyName.exec(name))?.groups;
  if (!groups) return undefined;
  return {
    subvariant: (groups.sub as string).replace(/-/g, '_'),
    arch: groups.arch as string,
    version: groups.version as string,
    prerelease: groups.pre !== undefined,
    label: groups.label as string,
  };
}

export interface TopicSuffix {
  /** `rawhide`, `nightly`, `eln`, ... for streams that are not a numbered release. */
  channel?: string;
  subvariant?: string;
  release?: number;
  arch?: string;
}

const channels = new Set(['rawhide', 'nightly', 'eln', 'rc', 'beta', 'branched']);

/** `...aws.Cloud_Base.41.x86_64`, `...aws.rawhide.Cloud_Base.x86_64`, `...aws.nightly.Cloud_Base.aarch64`. */
export function parseTopicSuffix(topic: string): TopicSuffix {
  const at = topic.indexOf(`${awsPublishedTopic}.`);
  if (at < 0) return {};
  const parts = topic.slice(at + awsPublishedTopic.length + 1).split('.');
  if (parts.length !== 3) return {};
  const [a, b, arch] = parts as [string, string, string];
  if (channels.has(a.toLowerCase())) return { channel: a.toLowerCase(), subvariant: b, arch };
  if (/^\d+$/.test(b)) return { subvariant: a, release: Number(b), arch };
  if (channels.has(b.toLowerCase())) return { subvariant: a, channel: b.toLowerCase(), arch };
  return {};
}

export interface DerivedFields {
  /** Undefined for streams without a number (Rawhide, ELN) when the message does not say. */
  release?: number;
  subvariant?: string;
  label: string;
  compose: ComposeId;
  image?: ImageName;
  topic: TopicSuffix;
  derived: Derivation[];
}

export function deriveFields(body: AwsPublishedBody, topic: string): DerivedFields {
  const compose = parseComposeId(body.compose_id, 'body.compose_id');
  const image = parseImageName(body.image_name);
  const suffix = parseTopicSuffix(topic);
  const derived: Derivation[] = [];

  let release = body.release;
  if (release === undefined) {
    const candidates: Array<[string | number | undefined, string]> = [
      [suffix.release, `topic suffix (${topic})`],
      [compose.version, `compose id ${body.compose_id}`],
      [image?.version, `image name ${body.image_name}`],
    ];
    for (const [value, from] of candidates) {
      if (value !== undefined && /^\d+$/.test(String(value))) {
        release = Number(value);
        derived.push({ field: 'release', value: String(release), from });
        break;
      }
    }
  }

  let subvariant = body.subvariant;
  if (subvariant === undefined) {
    const from = suffix.subvariant
      ? ([suffix.subvariant, `topic suffix (${topic})`] as const)
      : image
        ? ([image.subvariant, `image name ${body.image_name}`] as const)
        : undefined;
    if (from) {
      subvariant = from[0];
      derived.push({ field: 'subvariant', value: from[0], from: from[1] });
    }
  }

  let label = image?.label;
  if (label === undefined) {
    // Updates composes use <date>.<respin> as their label; a GA label (1.4) is not in the compose id.
    label = `${compose.date}.${compose.respin}`;
    derived.push({
      field: 'label',
      value: label,
      from: `compose id ${body.compose_id} (image name not recognised)`,
    });
  }

  // Assigned rather than spread in: this runs for every announcement on the bus.
  const fields: DerivedFields = { label, compose, topic: suffix, derived };
  if (release !== undefined) fields.release = release;
  if (subvariant !== undefined) fields.subvariant = subvariant;
  if (image) fields.image = image;
  return fields;
}
