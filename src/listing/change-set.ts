/**
 * Catalog API change sets for a listing: a whole new product with its offer, or a new version of an
 * existing one with only the product metadata, pricing and offer terms that differ from what
 * DescribeEntity shows. Changes come in groups that must share a change set; groups are packed into
 * sets of at most 20 changes, in order.
 */
import type { AmiProductDetails, Change } from '../cloud/ports.js';
import { InternalError } from '../core/errors.js';
import type { ProductListing } from '../core/model/listing.js';
import { futureRegionSupportDiffers, sameLogo } from './entity-reading.js';
import {
  createOffer,
  createdOfferRef,
  offerPlan,
  pricedInstanceTypes,
  productChange,
  updateLegalTerms,
  updateOfferInformation,
  updateSupportTerms,
  type CurrentOffer,
  type OfferListing,
} from './offer.js';
import { apiRegions } from './regions.js';
import {
  amiProductEntityType,
  maxChangesPerSet,
  offerEntityType,
  validateChange,
  type ValidationIssue,
} from './validate.js';

export const createProductChangeName = 'CreateProduct';
export const createdProductRef = `$${createProductChangeName}.Entity.Identifier`;

/** The product-level part of a listing: what UpdateInformation, AddRegions, ... describe. */
export type ProductMetadata = Pick<
  ProductListing,
  | 'productTitle'
  | 'shortDescription'
  | 'longDescription'
  | 'sku'
  | 'logoUrl'
  | 'videoUrl'
  | 'highlights'
  | 'additionalResources'
  | 'supportDescription'
  | 'categories'
  | 'searchKeywords'
>;

export interface UpdateInformationDocument {
  ProductTitle?: string;
  ShortDescription?: string;
  LongDescription?: string;
  Sku?: string;
  LogoUrl?: string;
  VideoUrls?: string[];
  Highlights?: string[];
  AdditionalResources?: Array<{ Text: string; Url: string }>;
  SupportDescription?: string;
  Categories?: string[];
  SearchKeywords?: string[];
}

/** The complete UpdateInformation document of a listing. */
export function informationDocument(m: ProductMetadata): Required<UpdateInformationDocument> {
  return {
    ProductTitle: m.productTitle,
    ShortDescription: m.shortDescription,
    LongDescription: m.longDescription,
    Sku: m.sku,
    LogoUrl: m.logoUrl,
    VideoUrls: m.videoUrl ? [m.videoUrl] : [],
    Highlights: [...m.highlights],
    AdditionalResources: m.additionalResources.map((r) => ({ Text: r.text, Url: r.url })),
    SupportDescription: m.supportDescription,
    Categories: [...m.categories],
    SearchKeywords: [...m.searchKeywords],
  };
}

/** What DescribeEntity shows for the same fields (undefined where it shows nothing). */
export function currentInformation(current: AmiProductDetails): UpdateInformationDocument {
  const d = current.Description ?? {};
  const p = current.PromotionalResources ?? {};
  return {
    ProductTitle: d.ProductTitle,
    ShortDescription: d.ShortDescription,
    LongDescription: d.LongDescription,
    Sku: d.Sku,
    LogoUrl: p.LogoUrl,
    VideoUrls: (p.Videos ?? []).flatMap((v) => (v.Url ? [v.Url] : [])),
    Highlights: d.Highlights,
    AdditionalResources: p.AdditionalResources?.map((r) => ({ Text: r.Text ?? '', Url: r.Url ?? '' })),
    SupportDescription: current.SupportInformation?.Description,
    Categories: d.Categories,
    SearchKeywords: d.SearchKeywords,
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The UpdateInformation fields whose desired value differs from the current one. */
export function informationDiff(
  desired: ProductMetadata,
  current: AmiProductDetails,
): Array<{ field: keyof UpdateInformationDocument; from: unknown; to: unknown }> {
  const want = informationDocument(desired);
  const have = currentInformation(current);
  const same = (field: keyof UpdateInformationDocument) =>
    field === 'LogoUrl'
      ? sameLogo(have.LogoUrl, want.LogoUrl)
      : sameJson(want[field], have[field] ?? (Array.isArray(want[field]) ? [] : undefined));
  return (Object.keys(want) as Array<keyof UpdateInformationDocument>)
    .filter((field) => !same(field))
    .map((field) => ({ field, from: have[field], to: want[field] }));
}

export function regionsAdded(desired: string[], current: AmiProductDetails): string[] {
  const have = new Set(current.RegionAvailability?.Regions ?? []);
  return desired.filter((r) => !have.has(r));
}

/** The AddDeliveryOptions document: the version and its one AMI delivery option. */
export function deliveryOptionsDocument(listing: ProductListing) {
  return {
    Version: { VersionTitle: listing.versionTitle, ReleaseNotes: listing.releaseNotes },
    DeliveryOptions: [
      {
        Details: {
          AmiDeliveryOptionDetails: {
            AmiSource: {
              AmiId: listing.amiId,
              AccessRoleArn: listing.accessRoleArn,
              UserName: listing.userName,
              OperatingSystemName: listing.operatingSystemName,
              OperatingSystemVersion: listing.operatingSystemVersion,
              ScanningPort: listing.scanningPort,
            },
            UsageInstructions: listing.usageInstructions,
            RecommendedInstanceType: listing.recommendedInstanceType,
            SecurityGroups: listing.securityGroups.map((g) => ({
              IpProtocol: g.protocol,
              FromPort: g.fromPort,
              ToPort: g.toPort,
              IpRanges: [...g.cidrs],
            })),
          },
        },
      },
    ],
  };
}

export const addRegions = (id: string, regions: string[]) =>
  productChange('AddRegions', id, { Regions: [...regions] });
export const updateFutureRegionSupport = (id: string, support: string) =>
  productChange('UpdateFutureRegionSupport', id, { FutureRegionSupport: { SupportedRegions: [support] } });
export const updateInformation = (id: string, doc: UpdateInformationDocument) =>
  productChange('UpdateInformation', id, doc);
export const addDeliveryOptions = (id: string, listing: ProductListing) =>
  productChange('AddDeliveryOptions', id, deliveryOptionsDocument(listing));

export function createProduct(productTitle: string): Change {
  return {
    ChangeType: 'CreateProduct',
    ChangeName: createProductChangeName,
    Entity: { Type: amiProductEntityType },
    DetailsDocument: { ProductTitle: productTitle },
  };
}

/** What a new product is made of before its first version: its information, availability and offer. */
export type NewProduct = ProductMetadata &
  OfferListing &
  Pick<ProductListing, 'regions' | 'representativeRegions' | 'futureRegionSupport' | 'instanceTypes'>;

/**
 * A new product, its public offer and its first version: the product created and paired with its offer
 * first, then its information, regions (less those only a Marketplace representative can enable), priced
 * instance types, the offer's terms, and the version.
 */
export function newProductGroups(listing: NewProduct, version: ProductListing): Change[][] {
  const product = createdProductRef;
  const offer = createdOfferRef;
  const regions = apiRegions(listing);
  return [
    [createProduct(listing.productTitle), createOffer(product, listing.offerName)],
    [updateInformation(product, informationDocument(listing))],
    regions.length > 0 ? [addRegions(product, regions)] : [],
    [updateFutureRegionSupport(product, listing.futureRegionSupport)],
    pricedInstanceTypes(product, offer, listing.instanceTypes),
    [updateOfferInformation(offer, listing)],
    [updateLegalTerms(offer, listing.eulaUrl)],
    [updateSupportTerms(offer, listing.refundPolicy)],
    [addDeliveryOptions(product, version)],
  ];
}

/** Every change of a new product, in order (what the listing is validated on and the load form mirrors). */
export function newProductChanges(listing: ProductListing): Change[] {
  return newProductGroups(listing, listing).flat();
}

/**
 * Groups packed in order into change sets of at most `limit` changes, a group never split. Only the
 * first set is ever started: what it creates gets its id, and the rest is planned again against the
 * entities as they then are, so later sets never need a reference into an earlier one.
 */
export function changeSetsOf(groups: Change[][], limit = maxChangesPerSet): Change[][] {
  const sets: Change[][] = [];
  let current: Change[] = [];
  for (const group of groups) {
    if (group.length === 0) continue;
    if (group.length > limit)
      throw new InternalError(
        `a group of ${group.length} changes cannot share one change set of at most ${limit}`,
      );
    if (current.length + group.length > limit) {
      sets.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) sets.push(current);
  return sets;
}

export interface VersionChanges {
  /** The change sets to run in order; the version comes last. */
  sets: Change[][];
  /** The product already has this version: the same title with the same AMI. Nothing to submit. */
  versionExists: boolean;
  /**
   * The title is already taken by a version with other AMIs (or none that can be read): whether that is
   * the same image is for the caller to find out; nothing may be submitted under the title.
   */
  titleTakenBy?: { amiIds: string[] };
}

/**
 * A new version of an existing product, plus only what differs from `current` and its offer: product
 * metadata, added regions, instance types (with their dimensions and rates), the offer and its terms
 * (the offer is created when the product has none).
 */
export function newVersionChanges(
  listing: ProductListing,
  current: AmiProductDetails,
  offer: CurrentOffer | undefined,
): VersionChanges {
  const id = listing.productId;
  if (!id) throw new InternalError('newVersionChanges needs a listing with a productId');
  const sameTitle = (current.Versions ?? []).find((v) => v.VersionTitle === listing.versionTitle);
  if (sameTitle) {
    const amiIds = (sameTitle.Sources ?? []).flatMap((s) => (s.Image ? [s.Image] : []));
    if (amiIds.includes(listing.amiId)) return { sets: [], versionExists: true };
    return { sets: [], versionExists: false, titleTakenBy: { amiIds } };
  }
  const groups: Change[][] = [];
  const info = informationDiff(listing, current);
  if (info.length > 0) {
    const full = informationDocument(listing);
    groups.push([updateInformation(id, Object.fromEntries(info.map((d) => [d.field, full[d.field]])))]);
  }
  const regions = regionsAdded(apiRegions(listing), current);
  if (regions.length > 0) groups.push([addRegions(id, regions)]);
  if (futureRegionSupportDiffers(current, listing.futureRegionSupport))
    groups.push([updateFutureRegionSupport(id, listing.futureRegionSupport)]);
  groups.push(
    ...offerPlan({
      productId: id,
      offer: listing,
      instanceTypes: listing.instanceTypes,
      product: current,
      current: offer,
      restrict: false,
    }).groups,
  );
  groups.push([addDeliveryOptions(id, listing)]);
  return { sets: changeSetsOf(groups), versionExists: false };
}

/** The StartChangeSet body the tool writes next to the load form. */
export function changeSetDocument(changes: Change[]): { Catalog: 'AWSMarketplace'; ChangeSet: Change[] } {
  return { Catalog: 'AWSMarketplace', ChangeSet: changes };
}

/**
 * Every Marketplace rule the listing breaks, checked on the complete new-product change set (which
 * carries every field); paths start with the change type, e.g. `AddDeliveryOptions.DetailsDocument...`,
 * and `Offer.` for the offer's changes.
 */
export function validateListing(listing: ProductListing): ValidationIssue[] {
  const issues = newProductChanges(listing).flatMap((c) => {
    const prefix = c.Entity.Type === offerEntityType ? `Offer.${c.ChangeType}` : c.ChangeType;
    return validateChange(c).map((i) => ({ ...i, path: `${prefix}.${i.path}` }));
  });
  if (!listing.instanceTypes.includes(listing.recommendedInstanceType))
    issues.push({
      path: 'AddDeliveryOptions.DetailsDocument.DeliveryOptions[0].Details.AmiDeliveryOptionDetails.RecommendedInstanceType',
      value: listing.recommendedInstanceType,
      rule: 'must be one of the instance types the product offers',
    });
  return issues;
}
