import type { AwsArch } from '../core/arch.js';
import type { Config } from './schema.js';

/**
 * The product id the operator configured (`products.X.productIds`), if any: keyed `41/x86_64`, and
 * `43/x86_64/prerelease` for the product Beta/RC images are listed on.
 */
export function configuredProductId(
  config: Config,
  image: { subvariant: string; release: number; arch: AwsArch; prerelease?: boolean },
): string | undefined {
  const key = `${image.release}/${image.arch}${image.prerelease ? '/prerelease' : ''}`;
  return config.products[image.subvariant]?.productIds[key];
}
