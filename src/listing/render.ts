/**
 * Configuration text templates: `{release}`, `{arch}`, ... are replaced by facts about the product or
 * the image. An unknown placeholder is a configuration mistake, never left in a listing.
 */
import { toFedoraArch, type AwsArch } from '../core/arch.js';
import { ConfigError } from '../core/errors.js';
import { composeDateOf } from '../core/model/image-age.js';
import type { ImageRequest } from '../core/model/image-request.js';

/** What a product (one release x architecture x subvariant, GA or prerelease) is, whatever its versions. */
export interface ProductFacts {
  release: number;
  arch: AwsArch;
  subvariant: string;
  /** Beta/RC images are listed on a product of their own, never as versions of the GA product. */
  prerelease?: boolean;
}

/** What one image (one version of a product) is. */
export interface ImageFacts extends ProductFacts {
  label: string;
  composeId: string;
  imageName: string;
}

export const productPlaceholders = [
  'release',
  'arch',
  'fedoraArch',
  'subvariant',
  'subvariantTitle',
] as const;
export const imagePlaceholders = [...productPlaceholders, 'label', 'composeId', 'imageName', 'date'] as const;

/** `Cloud_Base` -> `Cloud Base`. */
export function subvariantTitle(subvariant: string): string {
  return subvariant.replace(/_/g, ' ');
}

/** `Cloud_Base` -> `cloud-base`. */
export function subvariantKebab(subvariant: string): string {
  return subvariant
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

export function productValues(facts: ProductFacts): Record<string, string> {
  return {
    release: String(facts.release),
    arch: facts.arch,
    fedoraArch: toFedoraArch(facts.arch),
    subvariant: facts.subvariant,
    subvariantTitle: subvariantTitle(facts.subvariant),
  };
}

export function imageValues(facts: ImageFacts): Record<string, string> {
  const date = composeDateOf(facts);
  return {
    ...productValues(facts),
    label: facts.label,
    composeId: facts.composeId,
    imageName: facts.imageName,
    ...(date ? { date } : {}),
  };
}

export function imageFactsOf(request: ImageRequest): ImageFacts {
  const { release, arch, subvariant, prerelease, label, composeId, imageName } = request;
  return { release, arch, subvariant, prerelease, label, composeId, imageName };
}

/**
 * Replaces every `{name}` in `template` by `values[name]`. `field` names the configuration entry in
 * errors; `known` lists the placeholders this field may use (a known placeholder with no value, such
 * as `{label}` in a product title, is as wrong as a misspelt one).
 */
export function renderTemplate(
  template: string,
  values: Record<string, string>,
  field: string,
  known: readonly string[] = imagePlaceholders,
): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value !== undefined) return value;
    const usable = known.filter((k) => values[k] !== undefined);
    const rule = known.includes(name)
      ? name === 'date'
        ? 'placeholder {date} needs a compose id or label that carries a date (YYYYMMDD)'
        : `placeholder ${whole} is not available here: this text belongs to the product, not to one image`
      : `unknown placeholder ${whole}`;
    throw new ConfigError(`cannot render ${field}: ${rule}`, [
      { field, value: template, rule, hint: `use only ${usable.map((k) => `{${k}}`).join(' ')}` },
    ]);
  });
}
