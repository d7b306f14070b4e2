import type { AwsArch } from '../core/arch.js';
import type { Config } from './schema.js';

/** The product id the operator configured for a release and architecture (`products.X.productIds`), if any. */
export function configuredProductId(
  config: Config,
  image: { subvariant: string; release: number; arch: AwsArch },
): string | undefined {
  return config.products[image.subvariant]?.productIds[`${image.release}/${image.arch}`];
}
