/**
 * Reading DescribeEntity back in the terms a change set sends. AWS does not echo every value: it serves
 * an uploaded logo from its own `awsmp-logos` bucket, may show `FutureRegionSupport` as null, and may
 * leave out the product-level `Compatibility` (the instance types are then only under each version's
 * AMI source). Each of these reads as "what was sent", or `plan` would never converge.
 */
import type { AmiProductDetails } from '../cloud/ports.js';

const awsmpLogo =
  /^https:\/\/(awsmp-logos\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com\/|s3\.amazonaws\.com\/awsmp-logos\/)/;

/**
 * Whether the logo DescribeEntity shows is the configured one: the same URL, or AWS's copy of a logo
 * (which cannot be compared with its source, so a changed `logoUrl` is not detected once AWS copied it).
 */
export function sameLogo(shown: string | undefined, wanted: string): boolean {
  return shown === wanted || (shown !== undefined && awsmpLogo.test(shown));
}

/** FutureRegionSupport as shown; undefined when AWS does not show it (null), which means "unknown". */
export function shownFutureRegionSupport(details: AmiProductDetails): string | undefined {
  return details.RegionAvailability?.FutureRegionSupport ?? undefined;
}

/** Whether FutureRegionSupport needs an update: only when AWS shows a value and it differs. */
export function futureRegionSupportDiffers(details: AmiProductDetails, wanted: string): boolean {
  if (details.RegionAvailability?.FutureRegionSupport === null) return false;
  return shownFutureRegionSupport(details) !== wanted;
}

/** The product's available instance types: product-level, else those of the newest version's AMI source. */
export function availableInstanceTypes(details: AmiProductDetails): string[] {
  if (details.Compatibility) return details.Compatibility.AvailableInstanceTypes ?? [];
  const newest = [...(details.Versions ?? [])].sort((a, b) =>
    (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''),
  )[0];
  const source = newest?.Sources?.find((s) => s.Compatibility) ?? newest?.Sources?.[0];
  return source?.Compatibility?.AvailableInstanceTypes ?? [];
}
