/**
 * Which instance types a product offers: what EC2 reports for the architecture, limited to types that
 * can boot the image, minus configured exclusions, in the order a person reads them.
 */
import type { InstanceTypeInfo } from '../cloud/ports.js';
import type { AwsArch } from '../core/arch.js';
import { InputError } from '../core/errors.js';

export type ImageBootMode = 'legacy-bios' | 'uefi' | 'uefi-preferred';

export interface InstanceTypeOptions {
  arch: AwsArch;
  /** The image's boot mode; absent means the instance type's default, so any type boots it. */
  bootMode?: ImageBootMode;
  /** Exact types (`t3.nano`), families (`t2`) or globs (`m5.*`, `*.metal`). */
  exclude: string[];
  includePreviousGeneration: boolean;
  recommended: string;
  /** Names the product in errors (`products.<subvariant>.recommendedInstanceType`). */
  subvariant?: string;
}

const namedSizes = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge'];

/** Sort key of a size: named sizes, then `<n>xlarge` by n, then `metal` (and `metal-<n>xl`), then anything else. */
function sizeRank(size: string): [number, number, string] {
  const named = namedSizes.indexOf(size);
  if (named >= 0) return [0, named, ''];
  const multiple = /^(\d+)xlarge$/.exec(size);
  if (multiple) return [1, Number(multiple[1]), ''];
  if (size === 'metal') return [2, 0, ''];
  const metal = /^metal-(\d+)xl$/.exec(size);
  if (metal) return [2, Number(metal[1]), ''];
  return [3, 0, size];
}

function splitType(type: string): [string, string] {
  const dot = type.indexOf('.');
  return dot < 0 ? [type, ''] : [type.slice(0, dot), type.slice(dot + 1)];
}

/** `localeCompare` with these options builds a collator on every call: the sort spent its time there. */
const natural = new Intl.Collator('en', { numeric: true });

/** Family by natural order (`c5` < `c5n` < `c6g` < `m5` < `m10`), then size (nano ... 48xlarge, metal). */
export function compareInstanceTypes(a: string, b: string): number {
  const [fa, sa] = splitType(a);
  const [fb, sb] = splitType(b);
  const byFamily = natural.compare(fa, fb);
  if (byFamily !== 0) return byFamily;
  const [ga, na, ta] = sizeRank(sa);
  const [gb, nb, tb] = sizeRank(sb);
  return ga - gb || na - nb || natural.compare(ta, tb);
}

/** The first exclusion that matches `type`, if any. */
export function matchingExclusion(type: string, exclude: string[]): string | undefined {
  return exclude.find((pattern) => {
    if (pattern.includes('*') || pattern.includes('?')) {
      const re = new RegExp(
        `^${pattern
          .split('')
          .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
      );
      return re.test(type);
    }
    if (!pattern.includes('.')) return splitType(type)[0] === pattern;
    return type === pattern;
  });
}

function bootsImage(info: InstanceTypeInfo, bootMode: ImageBootMode | undefined): boolean {
  if (bootMode === undefined) return true;
  if (bootMode === 'uefi-preferred') return info.bootModes.length > 0;
  return info.bootModes.includes(bootMode);
}

/** Why `type` is not offered, in words (for the recommended-type error). */
function whyNotOffered(type: string, types: InstanceTypeInfo[], opts: InstanceTypeOptions): string {
  const info = types.find((t) => t.instanceType === type);
  if (!info) return `EC2 does not offer ${type} for ${opts.arch} in the base region`;
  if (!info.architectures.includes(opts.arch)) return `${type} is not an ${opts.arch} instance type`;
  if (!info.currentGeneration && !opts.includePreviousGeneration)
    return `${type} is a previous-generation type and instanceTypes.includePreviousGeneration is false`;
  if (!bootsImage(info, opts.bootMode)) return `${type} cannot boot an image with boot mode ${opts.bootMode}`;
  return `${type} is excluded by instanceTypes.exclude entry "${matchingExclusion(type, opts.exclude) ?? '?'}"`;
}

/** The instance types of the listing; throws when the recommended type is not among them. */
export function deriveInstanceTypes(types: InstanceTypeInfo[], opts: InstanceTypeOptions): string[] {
  const offered = new Set<string>();
  for (const info of types) {
    if (!info.architectures.includes(opts.arch)) continue;
    if (!info.currentGeneration && !opts.includePreviousGeneration) continue;
    if (!bootsImage(info, opts.bootMode)) continue;
    if (matchingExclusion(info.instanceType, opts.exclude) !== undefined) continue;
    offered.add(info.instanceType);
  }
  const result = [...offered].sort(compareInstanceTypes);
  if (!offered.has(opts.recommended)) {
    throw new InputError('the recommended instance type is not one the listing offers', {
      field: `products.${opts.subvariant ?? '<subvariant>'}.recommendedInstanceType`,
      value: opts.recommended,
      rule: `must be one of the ${result.length} listed instance types: ${whyNotOffered(opts.recommended, types, opts)}`,
      hint: `choose a listed type such as ${result.slice(0, 3).join(', ') || '(none: check instanceTypes.exclude)'}`,
    });
  }
  return result;
}
