/**
 * The desired listing of one image: configuration (product defaults plus architecture overrides,
 * templates rendered) joined with what the pipeline learned (mirrored AMIs, instance types, regions).
 */
import type { Partition } from '../core/model/partition.js';
import { ConfigError, InputError } from '../core/errors.js';
import { resolveListing } from '../config/load.js';
import { configuredProductId } from '../config/products.js';
import type { Config, PartitionConfig, ProductConfig } from '../config/schema.js';
import type { ImageAge } from '../core/model/image-age.js';
import type { ImageRequest } from '../core/model/image-request.js';
import type { ProductListing } from '../core/model/listing.js';
import { representativeRegions } from './regions.js';
import {
  imageFactsOf,
  imageValues,
  productPlaceholders,
  productValues,
  renderTemplate,
  subvariantKebab,
  type ProductFacts,
} from './render.js';

export interface BuildListingArgs {
  config: Config;
  request: ImageRequest;
  /** region -> mirrored AMI id; must include the partition's base region. */
  mirroredAmis: Record<string, string>;
  instanceTypes: string[];
  regions: string[];
  productId?: string;
  partition?: Partition;
  /** Where the image stands among its product's versions (retention orders by it). */
  imageAge?: ImageAge;
}

function productConfig(config: Config, subvariant: string): ProductConfig {
  const product = config.products[subvariant];
  if (!product)
    throw new ConfigError(`no product is configured for subvariant ${subvariant}`, [
      {
        field: `products.${subvariant}`,
        rule: 'every listed subvariant needs a products entry',
        hint: `configured: ${Object.keys(config.products).join(', ')}`,
      },
    ]);
  return product;
}

function partitionConfig(config: Config, partition: Partition): PartitionConfig {
  const settings = config.partitions[partition];
  if (!settings)
    throw new ConfigError(`partition ${partition} is not configured`, [
      {
        field: `partitions.${partition}`,
        rule: 'a listing needs the partition its Marketplace account lives in',
      },
    ]);
  return settings;
}

/** The stable SKU of a product: `fedora-41-cloud-base-x86_64` (`...-prerelease` for Beta/RC images). */
export function skuFor(facts: ProductFacts): string {
  const sku = `fedora-${facts.release}-${subvariantKebab(facts.subvariant)}-${facts.arch}`;
  return facts.prerelease ? `${sku}-prerelease` : sku;
}

/** Appended to the title of the product prereleases are listed on (policy.prereleases: own-product). */
export const prereleaseTitleSuffix = ' Prerelease';

/** The product title, e.g. `Fedora 41 Cloud Base Images (x86_64) HVM` (`... HVM Prerelease`). */
export function productTitleFor(config: Config, facts: ProductFacts): string {
  const listing = resolveListing(productConfig(config, facts.subvariant), facts.arch);
  const title = renderTemplate(
    listing.title,
    productValues(facts),
    `products.${facts.subvariant}.title`,
    productPlaceholders,
  );
  return facts.prerelease ? `${title}${prereleaseTitleSuffix}` : title;
}

/** The seller's product with this exact title, if any (how a product is found when no id is configured). */
export function buildListing(args: BuildListingArgs): ProductListing {
  const { config, request } = args;
  const partition = args.partition ?? 'aws';
  const product = productConfig(config, request.subvariant);
  const settings = partitionConfig(config, partition);
  const listing = resolveListing(product, request.arch);
  const facts = imageFactsOf(request);
  const productVals = productValues(facts);
  const imageVals = imageValues(facts);
  const field = (name: string) => `products.${request.subvariant}.${name}`;
  // Product-level text may not use image placeholders: it would change (and be resubmitted) with every version.
  const productText = (text: string, name: string) =>
    renderTemplate(text, productVals, field(name), productPlaceholders);
  const imageText = (text: string, name: string) => renderTemplate(text, imageVals, field(name));

  const amiId = args.mirroredAmis[settings.baseRegion];
  if (!amiId)
    throw new InputError('the listing needs the image mirrored into the base region', {
      field: `mirroredAmis.${settings.baseRegion}`,
      value: Object.keys(args.mirroredAmis),
      rule: `the Marketplace ingests AMIs from ${settings.baseRegion} only`,
      hint: 'run the mirror step first',
    });

  const productId = args.productId ?? configuredProductId(config, request);
  return {
    subvariant: request.subvariant,
    release: request.release,
    arch: request.arch,
    ...(productId ? { productId } : {}),
    prerelease: request.prerelease,
    productTitle: productTitleFor(config, facts),
    shortDescription: productText(listing.shortDescription, 'shortDescription'),
    longDescription: productText(listing.longDescription, 'longDescription'),
    highlights: listing.highlights.map((h, i) => productText(h, `highlights[${i}]`)),
    categories: [...listing.categories],
    searchKeywords: listing.searchKeywords.map((k, i) => productText(k, `searchKeywords[${i}]`)),
    additionalResources: listing.additionalResources.map((r, i) => ({
      text: productText(r.text, `additionalResources[${i}].text`),
      url: r.url,
    })),
    supportDescription: productText(listing.supportDescription, 'supportDescription'),
    logoUrl: listing.logoUrl,
    ...(listing.videoUrl ? { videoUrl: listing.videoUrl } : {}),
    manufacturer: listing.manufacturer,
    offerName: productText(listing.title, 'title'),
    offerDescription: productText(listing.offerDescription, 'offerDescription'),
    eulaUrl: listing.eulaUrl,
    refundPolicy: productText(listing.refundPolicy, 'refundPolicy'),
    targetVisibility: listing.visibility,
    sku: skuFor(facts),
    regions: [...args.regions],
    representativeRegions: representativeRegions(args.regions, settings.marketplace.govCloudThroughApi),
    futureRegionSupport: listing.futureRegionSupport,
    instanceTypes: [...args.instanceTypes],
    // A prerelease's title says so: it can never pass for (or collide with) a GA version.
    versionTitle: request.prerelease
      ? imageText(listing.prereleaseVersionTitle, 'prereleaseVersionTitle')
      : imageText(listing.versionTitle, 'versionTitle'),
    releaseNotes: imageText(listing.releaseNotes, 'releaseNotes'),
    upgradeInstructions: imageText(listing.upgradeInstructions, 'upgradeInstructions'),
    usageInstructions: imageText(listing.usageInstructions, 'usageInstructions'),
    recommendedInstanceType: listing.recommendedInstanceType,
    amiId,
    sourceAmiId: request.sourceAmi,
    mirroredAmis: { ...args.mirroredAmis },
    accessRoleArn: settings.marketplace.accessRoleArn,
    userName: listing.userName,
    operatingSystemName: listing.operatingSystemName,
    operatingSystemVersion: imageText(listing.operatingSystemVersion, 'operatingSystemVersion'),
    scanningPort: listing.scanningPort,
    securityGroups: listing.securityGroups.map((g) => ({ ...g, cidrs: [...g.cidrs] })),
    composeId: request.composeId,
    imageName: request.imageName,
    ...(args.imageAge ? { imageAge: args.imageAge } : {}),
  };
}
