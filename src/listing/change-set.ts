/**
 * Catalog API change sets for a listing: a whole new product, or a new version of an existing one
 * with only the product metadata that differs from what DescribeEntity shows.
 */
import type { AmiProductDetails, Change } from '../cloud/ports.js';
import { InternalError } from '../core/errors.js';
import type { ProductListing } from '../core/model/listing.js';
import { availableInstanceTypes, futureRegionSupportDiffers, sameLogo } from './entity-reading.js';
import { apiRegions } from './regions.js';
import { amiProductEntityType, validateChange, type ValidationIssue } from './validate.js';

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

function change(ChangeType: string, Identifier: string, DetailsDocument: unknown): Change {
  return { ChangeType, Entity: { Type: amiProductEntityType, Identifier }, DetailsDocument };
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

export function instanceTypesAdded(desired: string[], current: AmiProductDetails): string[] {
  const have = new Set(availableInstanceTypes(current));
  return desired.filter((t) => !have.has(t));
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
  change('AddRegions', id, { Regions: [...regions] });
export const addInstanceTypes = (id: string, types: string[]) =>
  change('AddInstanceTypes', id, { InstanceTypes: [...types] });
export const updateFutureRegionSupport = (id: string, support: string) =>
  change('UpdateFutureRegionSupport', id, { FutureRegionSupport: { SupportedRegions: [support] } });
export const updateInformation = (id: string, doc: UpdateInformationDocument) =>
  change('UpdateInformation', id, doc);
export const addDeliveryOptions = (id: string, listing: ProductListing) =>
  change('AddDeliveryOptions', id, deliveryOptionsDocument(listing));

/** A new product with its first version, in one change set. */
export function newProductChanges(listing: ProductListing): Change[] {
  const id = createdProductRef;
  const regions = apiRegions(listing);
  return [
    {
      ChangeType: 'CreateProduct',
      ChangeName: createProductChangeName,
      Entity: { Type: amiProductEntityType },
      DetailsDocument: { ProductTitle: listing.productTitle },
    },
    updateInformation(id, informationDocument(listing)),
    ...(regions.length > 0 ? [addRegions(id, regions)] : []),
    updateFutureRegionSupport(id, listing.futureRegionSupport),
    addInstanceTypes(id, listing.instanceTypes),
    addDeliveryOptions(id, listing),
  ];
}

export interface VersionChanges {
  changes: Change[];
  /** The product already has this version: the same title with the same AMI. Nothing to submit. */
  versionExists: boolean;
  /**
   * The title is already taken by a version with other AMIs (or none that can be read): whether that is
   * the same image is for the caller to find out; nothing may be submitted under the title.
   */
  titleTakenBy?: { amiIds: string[] };
}

/** A new version of an existing product, plus only the metadata that differs from `current`. */
export function newVersionChanges(listing: ProductListing, current: AmiProductDetails): VersionChanges {
  const id = listing.productId;
  if (!id) throw new InternalError('newVersionChanges needs a listing with a productId');
  const sameTitle = (current.Versions ?? []).find((v) => v.VersionTitle === listing.versionTitle);
  if (sameTitle) {
    const amiIds = (sameTitle.Sources ?? []).flatMap((s) => (s.Image ? [s.Image] : []));
    if (amiIds.includes(listing.amiId)) return { changes: [], versionExists: true };
    return { changes: [], versionExists: false, titleTakenBy: { amiIds } };
  }
  const changes: Change[] = [];
  const info = informationDiff(listing, current);
  if (info.length > 0) {
    const full = informationDocument(listing);
    changes.push(updateInformation(id, Object.fromEntries(info.map((d) => [d.field, full[d.field]]))));
  }
  const regions = regionsAdded(apiRegions(listing), current);
  if (regions.length > 0) changes.push(addRegions(id, regions));
  if (futureRegionSupportDiffers(current, listing.futureRegionSupport))
    changes.push(updateFutureRegionSupport(id, listing.futureRegionSupport));
  const types = instanceTypesAdded(listing.instanceTypes, current);
  if (types.length > 0) changes.push(addInstanceTypes(id, types));
  changes.push(addDeliveryOptions(id, listing));
  return { changes, versionExists: false };
}

/** The StartChangeSet body the tool writes next to the load form. */
export function changeSetDocument(changes: Change[]): { Catalog: 'AWSMarketplace'; ChangeSet: Change[] } {
  return { Catalog: 'AWSMarketplace', ChangeSet: changes };
}

/**
 * Every Marketplace rule the listing breaks, checked on the complete new-product change set (which
 * carries every field); paths start with the change type, e.g. `AddDeliveryOptions.DetailsDocument...`.
 */
export function validateListing(listing: ProductListing): ValidationIssue[] {
  const issues = newProductChanges(listing).flatMap((c) =>
    validateChange(c).map((i) => ({ ...i, path: `${c.ChangeType}.${i.path}` })),
  );
  if (!listing.instanceTypes.includes(listing.recommendedInstanceType))
    issues.push({
      path: 'AddDeliveryOptions.DetailsDocument.DeliveryOptions[0].Details.AmiDeliveryOptionDetails.RecommendedInstanceType',
      value: listing.recommendedInstanceType,
      rule: 'must be one of the instance types the product offers',
    });
  return issues;
}
