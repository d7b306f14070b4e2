/**
 * How each AmiProduct@1.0 change type alters a product. Handlers work on a draft copy and return the
 * ErrorDetailList entries for rules the change breaks; the caller applies the drafts only when no change
 * of the set has errors (change sets are all-or-nothing). Rules that span the whole set (an offer priced
 * for every instance type before release, ...) are in catalog-lifecycle.ts.
 */
import type { AmiProductDetails, ChangeSetError } from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import { amiSourceErrors, ingestionImage, type IngestionRules } from './catalog-rules.js';
import { isKnownInstanceType } from './instance-types-fixture.js';
import { partitionOfRegion } from './regions-fixture.js';
import { isoTime, nextId, type SimChangeSet, type SimProduct, type WorldState } from './world-state.js';

/** What AWS decides per seller account rather than per request. */
export interface SellerSettings {
  /** AWS Marketplace enabled this seller for GovCloud; otherwise only a representative can add it. */
  govCloudEnabled: boolean;
}

export interface ApplyContext {
  state: WorldState;
  at: number;
  rules: IngestionRules;
  seller: SellerSettings;
  changeSet: SimChangeSet;
  /** The entity as it was before the set started; undefined when the set creates it. */
  before?: SimProduct;
}

type Details = Record<string, unknown>;
export type ProductHandler = (product: SimProduct, details: Details, ctx: ApplyContext) => ChangeSetError[];
type Version = NonNullable<AmiProductDetails['Versions']>[number];

export function newProduct(
  productId: string,
  sellerAccount: string,
  partition: Partition,
  at: number,
): SimProduct {
  return {
    productId,
    sellerAccount,
    partition,
    lastModifiedAt: at,
    details: {
      Versions: [],
      Description: {
        ProductCode: productId.replace(/^prod-/, '').padEnd(25, '0'),
        Visibility: 'Draft',
        ProductState: 'Active',
      },
      PromotionalResources: { Videos: [], AdditionalResources: [] },
      RegionAvailability: { Regions: [], Restrict: [] },
      SupportInformation: {},
      Compatibility: { AvailableInstanceTypes: [], RestrictedInstanceTypes: [] },
      Dimensions: [],
    },
  };
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const addAll = (list: string[] | undefined, items: string[]): string[] => [
  ...new Set([...(list ?? []), ...items]),
];
const without = (list: string[] | undefined, items: string[]): string[] =>
  (list ?? []).filter((x) => !items.includes(x));

function allDeliveryOptions(product: SimProduct) {
  return (product.details.Versions ?? []).flatMap((version) =>
    (version.DeliveryOptions ?? []).map((option) => ({ version, option })),
  );
}

const updateInformation: ProductHandler = (product, d) => {
  const description = (product.details.Description ??= {});
  const promo = (product.details.PromotionalResources ??= {});
  if (typeof d.ProductTitle === 'string') description.ProductTitle = d.ProductTitle;
  if (typeof d.ShortDescription === 'string') description.ShortDescription = d.ShortDescription;
  if (typeof d.LongDescription === 'string') description.LongDescription = d.LongDescription;
  if (typeof d.Sku === 'string') description.Sku = d.Sku;
  if (d.Highlights !== undefined) description.Highlights = strings(d.Highlights);
  if (d.SearchKeywords !== undefined) description.SearchKeywords = strings(d.SearchKeywords);
  if (d.Categories !== undefined) description.Categories = strings(d.Categories);
  if (typeof d.LogoUrl === 'string') promo.LogoUrl = d.LogoUrl;
  if (d.VideoUrls !== undefined)
    promo.Videos = strings(d.VideoUrls).map((Url) => ({ Type: 'Link', Title: 'Product Video', Url }));
  if (Array.isArray(d.AdditionalResources)) {
    promo.AdditionalResources = (d.AdditionalResources as Array<{ Text?: string; Url?: string }>).map(
      (r) => ({
        Type: 'Link',
        Text: r.Text,
        Url: r.Url,
      }),
    );
  }
  if (typeof d.SupportDescription === 'string')
    (product.details.SupportInformation ??= {}).Description = d.SupportDescription;
  return [];
};

const addRegions: ProductHandler = (product, d, ctx) => {
  const regions = strings(d.Regions);
  const unknown = regions.filter(
    (r) => partitionOfRegion(r) === undefined && !ctx.rules.external?.regions.has(r),
  );
  if (unknown.length > 0)
    return [{ code: 'INVALID_REGION', message: `Unknown region(s): ${unknown.join(', ')}` }];
  // "GovCloud regions can't be enabled using the API": a Marketplace representative does it.
  const govCloud = regions.filter((r) => partitionOfRegion(r) === 'aws-us-gov');
  if (govCloud.length > 0 && !ctx.seller.govCloudEnabled)
    return [
      {
        code: 'INVALID_REGION',
        message: `GovCloud region(s) ${govCloud.join(', ')} cannot be enabled through the Catalog API; contact your AWS Marketplace representative`,
      },
    ];
  const availability = (product.details.RegionAvailability ??= {});
  availability.Regions = addAll(availability.Regions, regions);
  availability.Restrict = without(availability.Restrict, regions);
  return [];
};

const restrictRegions: ProductHandler = (product, d) => {
  const regions = strings(d.Regions);
  const availability = (product.details.RegionAvailability ??= {});
  const absent = regions.filter((r) => !(availability.Regions ?? []).includes(r));
  if (absent.length > 0)
    return [
      { code: 'INVALID_REGION', message: `Region(s) not available in the product: ${absent.join(', ')}` },
    ];
  availability.Regions = without(availability.Regions, regions);
  availability.Restrict = addAll(availability.Restrict, regions);
  return [];
};

const updateFutureRegionSupport: ProductHandler = (product, d) => {
  const support = (d.FutureRegionSupport as { SupportedRegions?: unknown } | undefined)?.SupportedRegions;
  (product.details.RegionAvailability ??= {}).FutureRegionSupport = strings(support)[0];
  return [];
};

const addInstanceTypes: ProductHandler = (product, d, ctx) => {
  const types = strings(d.InstanceTypes);
  const unknown = types.filter((t) => !isKnownInstanceType(t) && !ctx.rules.external?.instanceTypes.has(t));
  if (unknown.length > 0)
    return [{ code: 'INVALID_INSTANCE_TYPE', message: `Unknown instance type(s): ${unknown.join(', ')}` }];
  const compat = (product.details.Compatibility ??= {});
  compat.AvailableInstanceTypes = addAll(compat.AvailableInstanceTypes, types);
  compat.RestrictedInstanceTypes = without(compat.RestrictedInstanceTypes, types);
  return [];
};

const restrictInstanceTypes: ProductHandler = (product, d) => {
  const types = strings(d.InstanceTypes);
  const compat = (product.details.Compatibility ??= {});
  const absent = types.filter((t) => !(compat.AvailableInstanceTypes ?? []).includes(t));
  if (absent.length > 0) {
    return [
      {
        code: 'INVALID_INSTANCE_TYPE',
        message: `Instance type(s) not available in the product: ${absent.join(', ')}`,
      },
    ];
  }
  compat.AvailableInstanceTypes = without(compat.AvailableInstanceTypes, types);
  compat.RestrictedInstanceTypes = addAll(compat.RestrictedInstanceTypes, types);
  return [];
};

interface AmiOptionDetails {
  AmiSource?: {
    AmiId?: string;
    AccessRoleArn?: string;
    UserName?: string;
    OperatingSystemName?: string;
    OperatingSystemVersion?: string;
    ScanningPort?: number;
  };
  UsageInstructions?: string;
  RecommendedInstanceType?: string;
  SecurityGroups?: Array<{ IpProtocol?: string; FromPort?: number; ToPort?: number; IpRanges?: string[] }>;
}

const optionDetails = (option: unknown): AmiOptionDetails =>
  (option as { Details?: { AmiDeliveryOptionDetails?: AmiOptionDetails } } | undefined)?.Details
    ?.AmiDeliveryOptionDetails ?? {};

const securityGroups = (groups: AmiOptionDetails['SecurityGroups']) =>
  (groups ?? []).map((g) => ({
    Protocol: g.IpProtocol,
    FromPort: g.FromPort,
    ToPort: g.ToPort,
    CidrIps: [...(g.IpRanges ?? [])],
  }));

const addDeliveryOptions: ProductHandler = (product, d, ctx) => {
  const version = (d.Version ?? {}) as { VersionTitle?: string; ReleaseNotes?: string };
  const options = Array.isArray(d.DeliveryOptions) ? d.DeliveryOptions : [];
  const title = version.VersionTitle ?? '';
  const errors: ChangeSetError[] = [];
  if ((product.details.Versions ?? []).some((v) => v.VersionTitle === title)) {
    errors.push({
      code: 'DUPLICATE_VERSION_TITLE',
      message: `Version title "${title}" already exists in product ${product.productId}; version titles must be unique`,
    });
  }
  const option = optionDetails(options[0]);
  const source = option.AmiSource ?? {};
  errors.push(...amiSourceErrors(ctx.state, ctx.rules, source.AmiId ?? '', source.AccessRoleArn));
  if (errors.length > 0) return errors;

  const image = ingestionImage(ctx.state, ctx.rules, source.AmiId ?? '');
  const sourceId = nextId(ctx.state, 'uuid');
  const optionId = nextId(ctx.state, 'uuid');
  const created: Version = {
    Id: nextId(ctx.state, 'uuid'),
    VersionTitle: title,
    ReleaseNotes: version.ReleaseNotes,
    CreationDate: isoTime(ctx.at),
    Sources: [
      {
        Id: sourceId,
        Type: 'AmazonMachineImage',
        Image: source.AmiId,
        Architecture: image?.architecture,
        VirtualizationType: image?.virtualizationType,
        OperatingSystem: {
          Name: source.OperatingSystemName,
          Version: source.OperatingSystemVersion,
          Username: source.UserName,
          ScanningPort: source.ScanningPort,
        },
      },
    ],
    DeliveryOptions: [
      {
        Id: optionId,
        Type: 'AmazonMachineImage',
        SourceId: sourceId,
        Title: `(${image?.architecture ?? 'x86_64'}) Amazon Machine Image`,
        Visibility: 'Public',
        AmiAlias: `/aws/service/marketplace/${product.productId}/${title}`,
        Instructions: { Usage: option.UsageInstructions },
        Recommendations: {
          InstanceType: option.RecommendedInstanceType,
          SecurityGroups: securityGroups(option.SecurityGroups),
        },
      },
    ],
  };
  (product.details.Versions ??= []).push(created);
  return [];
};

const updateDeliveryOptions: ProductHandler = (product, d) => {
  const options = Array.isArray(d.DeliveryOptions) ? (d.DeliveryOptions as Array<{ Id?: string }>) : [];
  const errors: ChangeSetError[] = [];
  for (const requested of options) {
    const found = allDeliveryOptions(product).find(({ option }) => option.Id === requested.Id);
    if (!found) {
      errors.push({
        code: 'INVALID_DELIVERY_OPTION_ID',
        message: `Delivery option ${requested.Id ?? '(none)'} does not exist`,
      });
      continue;
    }
    const notes = (d.Version as { ReleaseNotes?: string } | undefined)?.ReleaseNotes;
    if (notes !== undefined) found.version.ReleaseNotes = notes;
    const details = optionDetails(requested);
    if (details.UsageInstructions !== undefined)
      found.option.Instructions = { Usage: details.UsageInstructions };
    const recommendations = (found.option.Recommendations ??= {});
    if (details.RecommendedInstanceType !== undefined)
      recommendations.InstanceType = details.RecommendedInstanceType;
    if (details.SecurityGroups !== undefined)
      recommendations.SecurityGroups = securityGroups(details.SecurityGroups);
  }
  return errors;
};

const restrictDeliveryOptions: ProductHandler = (product, d, ctx) => {
  const ids = strings(d.DeliveryOptionIds);
  const known = allDeliveryOptions(product);
  const missing = ids.filter((id) => !known.some(({ option }) => option.Id === id));
  if (missing.length > 0) {
    return [
      {
        code: 'INVALID_DELIVERY_OPTION_ID',
        message: `Delivery option(s) ${missing.join(', ')} do not exist`,
      },
    ];
  }
  // At least one version stays available while the product is listed: a product is retired with
  // UpdateVisibility Restricted instead. Versions added by the same set do not count yet.
  const liveBefore = allDeliveryOptions(ctx.before ?? product)
    .filter(({ option }) => option.Visibility !== 'Restricted' && option.Id !== undefined)
    .map(({ option }) => option.Id as string);
  if (
    product.details.Description?.Visibility !== 'Restricted' &&
    liveBefore.length > 0 &&
    liveBefore.every((id) => ids.includes(id))
  ) {
    return [
      {
        code: 'LAST_PUBLIC_VERSION',
        message: `Delivery option(s) ${ids.join(', ')} would leave product ${product.productId} without a public version; restrict the product (UpdateVisibility Restricted) instead`,
      },
    ];
  }
  for (const { option } of known)
    if (option.Id !== undefined && ids.includes(option.Id)) option.Visibility = 'Restricted';
  return [];
};

const updateVisibility: ProductHandler = (product, d, ctx) => {
  const description = (product.details.Description ??= {});
  if (description.Visibility === 'Draft') {
    return [
      {
        code: 'INVALID_STATE',
        message: `Product ${product.productId} is a draft; release it (ReleaseProduct) before changing visibility`,
      },
    ];
  }
  const review = ctx.changeSet.visibilityReview;
  if (d.TargetVisibility === 'Public' && review && !review.approved)
    return [{ code: 'VISIBILITY_REQUEST_REJECTED', message: review.reason }];
  description.Visibility = String(d.TargetVisibility);
  return [];
};

const releaseProduct: ProductHandler = (product) => {
  const description = (product.details.Description ??= {});
  if (description.Visibility !== 'Draft') {
    return [{ code: 'INVALID_STATE', message: `Product ${product.productId} is already released` }];
  }
  description.Visibility = 'Limited';
  return [];
};

/** The entity itself is created by the caller (`newProduct`); the handler only sets its optional title. */
const createProduct: ProductHandler = (product, d) => {
  if (typeof d.ProductTitle === 'string') (product.details.Description ??= {}).ProductTitle = d.ProductTitle;
  return [];
};

interface Dimension {
  Key?: string;
  Name?: string;
  Description?: string;
  Unit?: string;
  Types?: string[];
}

/** The DetailsDocument of the dimension change types is a list. */
const dimensionItems = (d: unknown): Dimension[] => (Array.isArray(d) ? (d as Dimension[]) : []);

const addDimensions: ProductHandler = (product, d) => {
  const dimensions = (product.details.Dimensions ??= []);
  const items = dimensionItems(d);
  const taken = items.filter((item) => dimensions.some((x) => x.Key === item.Key)).map((x) => x.Key);
  if (taken.length > 0)
    return [{ code: 'DUPLICATE_DIMENSION', message: `Dimension key(s) ${taken.join(', ')} already exist` }];
  for (const item of items) dimensions.push(structuredClone(item));
  return [];
};

const restrictDimensions: ProductHandler = (product, d) => {
  const keys = dimensionItems(d).map((item) => item.Key);
  const dimensions = product.details.Dimensions ?? [];
  const missing = keys.filter((key) => !dimensions.some((x) => x.Key === key));
  if (missing.length > 0)
    return [{ code: 'INVALID_DIMENSION', message: `Dimension key(s) ${missing.join(', ')} do not exist` }];
  product.details.Dimensions = dimensions.filter((x) => !keys.includes(x.Key));
  return [];
};

const updateTargeting: ProductHandler = (product, d) => {
  const accounts = (d.PositiveTargeting as { BuyerAccounts?: unknown } | undefined)?.BuyerAccounts;
  product.details.Targeting = { PositiveTargeting: { BuyerAccounts: strings(accounts) } };
  return [];
};

export const productChangeHandlers: Record<string, ProductHandler> = {
  CreateProduct: createProduct,
  UpdateInformation: updateInformation,
  AddRegions: addRegions,
  RestrictRegions: restrictRegions,
  UpdateFutureRegionSupport: updateFutureRegionSupport,
  AddInstanceTypes: addInstanceTypes,
  RestrictInstanceTypes: restrictInstanceTypes,
  AddDeliveryOptions: addDeliveryOptions,
  UpdateDeliveryOptions: updateDeliveryOptions,
  RestrictDeliveryOptions: restrictDeliveryOptions,
  UpdateVisibility: updateVisibility,
  ReleaseProduct: releaseProduct,
  AddDimensions: addDimensions,
  RestrictDimensions: restrictDimensions,
  UpdateTargeting: updateTargeting,
};
