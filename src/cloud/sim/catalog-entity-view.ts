/**
 * What DescribeEntity shows of a product: by default not what the seller sent but what AWS shows
 * (see the README, "What the API does not do"): the logo is served from AWS's own `awsmp-logos`
 * bucket, `FutureRegionSupport` reads back as null, and the instance types appear only under each
 * version's AMI source (`Versions[].Sources[].Compatibility`), not at product level.
 */
import { createHash } from 'node:crypto';
import type { AmiProductDetails } from '../ports.js';
import type { SimProduct } from './world-state.js';

/** An `awsmp-logos` URL as AWS serves uploaded logos: per seller, named by a digest of the logo. */
export function awsmpLogoUrl(sellerAccount: string, sentUrl: string): string {
  const digest = (text: string) => createHash('md5').update(text).digest('hex');
  const extension = /\.(png|jpe?g|gif|svg)$/i.exec(sentUrl)?.[1]?.toLowerCase() ?? 'png';
  return `https://awsmp-logos.s3.amazonaws.com/seller-${digest(sellerAccount).slice(0, 13)}/${digest(sentUrl)}.${extension}`;
}

export function productView(product: SimProduct, rewrite: boolean): AmiProductDetails {
  const details = structuredClone(product.details);
  if (!rewrite) return details;
  const promo = details.PromotionalResources;
  if (promo?.LogoUrl) promo.LogoUrl = awsmpLogoUrl(product.sellerAccount, promo.LogoUrl);
  if (details.RegionAvailability) details.RegionAvailability.FutureRegionSupport = null;
  const compatibility = details.Compatibility;
  delete details.Compatibility;
  for (const version of details.Versions ?? [])
    for (const source of version.Sources ?? []) source.Compatibility = structuredClone(compatibility);
  return details;
}
