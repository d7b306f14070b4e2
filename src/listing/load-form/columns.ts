import type { ProductListing } from '../../core/model/listing.js';
import type { CellRule, CellValue } from './rules.js';
import {
  amiId,
  availability,
  httpsUrl,
  instanceType,
  maxLength,
  oneOf,
  operatingSystems,
  productId,
  searchKeywords,
  securityGroupCell,
} from './rules.js';

/**
 * Declarative columns of the AWS Marketplace product load forms, in the order of the real forms
 * (shared/reference/load-form-columns.md, checked against the xlsx files it cites).
 *
 * Header spelling is kept byte for byte, because the Marketplace team matches columns by header text.
 * What the reference shows as a double space in "us-east-1  Cloned AMI ID" is, in the workbook, a space
 * followed by a line break ("us-east-1 \nCloned AMI ID"); some regions have it and some do not, so the
 * headers are written out literally below rather than generated. Other quirks kept on purpose:
 * "Operating System username" (lower-case u) in Metadata Update, "Refund and Cancelation Policy".
 */

export interface LoadFormColumn {
  /** The header the Marketplace team matches by: row 3 of the second-party sheets, row 5 of the metadata form. */
  header: string;
  required: boolean;
  get: (listing: ProductListing) => CellValue;
  rules: readonly CellRule[];
  /** How a missing required value is reported; `error` unless the column says otherwise. */
  whenMissing?: 'error' | 'warning';
  /** The second-party forms' row 2; defaults to `header`, '' for the continuation columns only row 3 names. */
  displayHeader?: string;
}

/** A listing value the sheet has no column for (e.g. a region the form does not list). */
export interface UnmappedValue {
  column: string;
  value: string;
  rule: string;
}

export interface LoadFormSheetSpec {
  name: string;
  /** 1-based row of `LoadFormColumn.header`; data rows follow it. */
  headerRow: number;
  columns: (listings: readonly ProductListing[]) => LoadFormColumn[];
  /** The rows above the header row (REQUIRED/OPTIONAL markers, display headers). */
  preamble: (columns: readonly LoadFormColumn[]) => CellValue[][];
  unmapped: (listing: ProductListing) => UnmappedValue[];
}

const nonEmpty = (value: string | undefined): CellValue =>
  value === undefined || value === '' ? null : value;

function column(
  header: string,
  required: boolean,
  get: (listing: ProductListing) => CellValue,
  ...rules: CellRule[]
): LoadFormColumn {
  return { header, required, get, rules };
}

/** One `protocol,from,to,cidr` cell per CIDR, the forms' security-group format. */
export function securityGroupRules(listing: ProductListing): string[] {
  return listing.securityGroups.flatMap((sg) =>
    sg.cidrs.map((cidr) => `${sg.protocol},${sg.fromPort},${sg.toPort},${cidr}`),
  );
}

/** Enough numbered security-group columns for the listing with the most rules, at least one, at most `max`. */
function securityGroupColumns(
  listings: readonly ProductListing[],
  header: (n: number) => string,
  max: number,
): LoadFormColumn[] {
  const needed = Math.max(1, ...listings.map((l) => securityGroupRules(l).length));
  return Array.from({ length: Math.min(needed, max) }, (_, i) =>
    column(header(i + 1), i === 0, (l) => nonEmpty(securityGroupRules(l)[i]), securityGroupCell),
  );
}

function tooManySecurityGroupRules(listing: ProductListing, max: number, header: string): UnmappedValue[] {
  const rules = securityGroupRules(listing);
  return rules.length > max
    ? [
        {
          column: header,
          value: rules.slice(max).join(' | '),
          rule: `at most ${max} security group rules in this form`,
        },
      ]
    : [];
}

/** Union of the listings' instance types, in first-seen order (deterministic for a given input). */
function instanceTypesOf(listings: readonly ProductListing[]): string[] {
  return [...new Set(listings.flatMap((l) => l.instanceTypes))];
}

const instanceTypeSets = new WeakMap<ProductListing, ReadonlySet<string>>();

/** A form has a column per instance type, each asking every listing whether it offers that type. */
function offersType(listing: ProductListing, type: string): boolean {
  let types = instanceTypeSets.get(listing);
  if (!types) instanceTypeSets.set(listing, (types = new Set(listing.instanceTypes)));
  return types.has(type);
}

function regionsWithoutColumn(
  listing: ProductListing,
  formRegions: readonly string[],
  header: string,
): UnmappedValue[] {
  const known = new Set(formRegions);
  return listing.regions
    .filter((r) => !known.has(r))
    .map((r) => ({ column: header, value: r, rule: 'the form has no column for this region' }));
}

const highlights = (prefix: string): LoadFormColumn[] =>
  [0, 1, 2].map((i) =>
    column(`${prefix}${i + 1}`, i === 0, (l) => nonEmpty(l.highlights[i]), maxLength(500)),
  );

const categories = (): LoadFormColumn[] =>
  [0, 1, 2].map((i) => column(`Product Category${i + 1}`, i === 0, (l) => nonEmpty(l.categories[i])));

const resources = (firstRequired: boolean): LoadFormColumn[] =>
  [0, 1, 2].flatMap((i) => [
    column(
      `Resource${i + 1}_Name`,
      firstRequired && i === 0,
      (l) => nonEmpty(l.additionalResources[i]?.text),
      maxLength(500),
    ),
    column(
      `Resource${i + 1}_URL`,
      firstRequired && i === 0,
      (l) => nonEmpty(l.additionalResources[i]?.url),
      httpsUrl,
    ),
  ]);

const markers = (columns: readonly LoadFormColumn[], optional: string): CellValue[] =>
  columns.map((c) => (c.required ? 'REQUIRED' : optional));

// ---------------------------------------------------------------------------------------------------
// Form 2, 'Product Load Form: Second Party Product Listings': row 1 markers, row 2 display headers with
// the yellow-highlight banner over column A, row 3 the full header row (column A "Product ID or ASIN or
// URL" and the continuation columns), data from row 4.

const highlightBanner = 'HIGHLIGHT ALL CHANGES IN YELLOW ';
const productIdHeader = 'Product ID or ASIN or URL';

function secondPartyPreamble(columns: readonly LoadFormColumn[]): CellValue[][] {
  return [markers(columns, 'Optional'), columns.map((c) => c.displayHeader ?? c.header)];
}

const productIdColumn = (): LoadFormColumn => ({
  ...column(productIdHeader, true, (l) => nonEmpty(l.productId), productId),
  displayHeader: highlightBanner,
  // A new product has no id until CreateProduct runs: the form cannot say it, but the listing is right.
  whenMissing: 'warning',
});

/** region -> "Cloned AMI ID" header of sheet 'New AMI Version', in the form's order (us-east-1 comes first, apart). */
export const clonedAmiColumns: ReadonlyArray<readonly [string, string]> = [
  ['us-east-2', 'us-east-2 \nCloned AMI ID'],
  ['us-west-1', 'us-west-1 \nCloned AMI ID'],
  ['us-west-2', 'us-west-2 \nCloned AMI ID'],
  ['us-gov-west-1', 'us-gov-west-1 Cloned AMI ID'],
  ['us-gov-east-1', 'us-gov-east-1 Cloned AMI ID'],
  ['ca-central-1', 'ca-central-1 \nCloned AMI ID'],
  ['eu-central-1', 'eu-central-1 \nCloned AMI ID'],
  ['eu-west-1', 'eu-west-1 \nCloned AMI ID'],
  ['eu-west-2', 'eu-west-2 \nCloned AMI ID'],
  ['eu-west-3', 'eu-west-3 \nCloned AMI ID'],
  ['eu-north-1', 'eu-north-1 \nCloned AMI ID'],
  ['ap-southeast-1', 'ap-southeast-1 Cloned AMI ID'],
  ['ap-southeast-2', 'ap-southeast-2 Cloned AMI ID'],
  ['ap-south-1', 'ap-south-1 \nCloned AMI ID'],
  ['ap-northeast-1', 'ap-northeast-1 Cloned AMI ID'],
  ['ap-northeast-2', 'ap-northeast-2 Cloned AMI ID'],
  ['ap-northeast-3', 'ap-northeast-3 Cloned AMI ID'],
  ['ap-east-1', 'ap-east-1 \nCloned AMI ID'],
  ['sa-east-1', 'sa-east-1 \nCloned AMI ID'],
  ['cn-northwest-1', 'cn-northwest-1 Cloned AMI ID'],
  ['cn-north-1', 'cn-north-1 \nCloned AMI ID'],
  ['me-south-1', 'me-south-1 \nCloned AMI ID'],
];

/** "Supported Region: <region>" continuation columns of 'New AMI Version', in the form's (unsorted) order. */
export const supportedRegionColumns: readonly string[] = [
  'us-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-east-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'sa-east-1',
  'cn-northwest-1',
  'cn-north-1',
  'me-south-1',
  'us-gov-west-1',
  'us-gov-east-1',
];

const usEast1ClonedHeader = 'us-east-1 \nCloned AMI ID';
const newVersionMaxSecurityGroups = 25;

/**
 * Sheet 'New AMI Version' (the workbook's tab is named 'New AMI Version ' with a trailing space; we drop
 * it because it is plainly accidental and would leak into CSV file names and JSON keys). The form's
 * continuation row has Security Group4..25 and leaves 1..3 out, evidently by mistake (Metadata Update
 * numbers the same series from 1), so we number from 1. FCP, complex-topology and DockerImageSet
 * continuation columns are for paid or container products and are omitted.
 */
export const newAmiVersionSheet: LoadFormSheetSpec = {
  name: 'New AMI Version',
  headerRow: 3,
  columns: (listings) => [
    productIdColumn(),
    column('Product Title', true, (l) => l.productTitle, maxLength(72)),
    column('New Version Title', true, (l) => l.versionTitle, maxLength(64)),
    column('Release Notes', true, (l) => l.releaseNotes, maxLength(30000)),
    column(usEast1ClonedHeader, true, (l) => l.amiId, amiId),
    column('Source \nAMI ID', false, (l) => nonEmpty(l.sourceAmiId), amiId),
    ...clonedAmiColumns.map(([region, header]) =>
      column(header, false, (l) => nonEmpty(l.mirroredAmis[region]), amiId),
    ),
    ...securityGroupColumns(listings, (n) => `Security Group${n}`, newVersionMaxSecurityGroups).map((c) => ({
      ...c,
      displayHeader: '',
    })),
    ...supportedRegionColumns.map((region) => ({
      ...column(`Supported Region: ${region}`, false, (l) => l.regions.includes(region), availability),
      displayHeader: '',
    })),
  ],
  preamble: secondPartyPreamble,
  unmapped: (l) => {
    const cloned = new Set(['us-east-1', ...clonedAmiColumns.map(([region]) => region)]);
    return [
      ...Object.entries(l.mirroredAmis)
        .filter(([region]) => !cloned.has(region))
        .map(([region, ami]) => ({
          column: 'Cloned AMI ID',
          value: `${region}=${ami}`,
          rule: 'the form has no Cloned AMI ID column for this region',
        })),
      ...regionsWithoutColumn(l, supportedRegionColumns, 'Supported Region'),
      ...tooManySecurityGroupRules(l, newVersionMaxSecurityGroups, 'Security Group'),
    ];
  },
};

/** "<region> Availability" columns of sheet 'Metadata Update', in the form's order. */
export const metadataUpdateRegions: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'us-gov-west-1',
  'us-gov-east-1',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-east-1',
  'sa-east-1',
  'me-south-1',
];

const metadataUpdateMaxSecurityGroups = 4;

/**
 * Sheet 'Metadata Update'. Left out: the form's unnamed column H (an empty spacer between "AWS Terms" and
 * "Short Description"; headers are matched by name, not position), and the trailing DockerImageSet /
 * Container Hourly Price columns, which describe container products, not AMIs. The form lists ~200
 * instance types between the regions and the security groups; we emit one "<type> Availability" column per
 * instance type the listings offer instead of the form's fixed (and dated) list.
 */
export const metadataUpdateSheet: LoadFormSheetSpec = {
  name: 'Metadata Update',
  headerRow: 3,
  columns: (listings) => [
    productIdColumn(),
    column('Product Title', true, (l) => l.productTitle, maxLength(72)),
    column('Accessibility', true, () => 'Public'),
    column('Accessible AWS Accounts', false, () => null),
    column('EULA URL', false, (l) => l.eulaUrl, httpsUrl),
    column('AWS Dependent Services', false, () => null),
    column('AWS Terms', false, () => null),
    column('Short Description', false, (l) => l.shortDescription, maxLength(1000)),
    column('Description', false, (l) => l.longDescription, maxLength(5000)),
    ...highlights('Highlight').map((c) => ({ ...c, required: false })),
    ...categories().map((c) => ({ ...c, required: false })),
    column('Search Keywords', false, (l) => nonEmpty(l.searchKeywords.join(',')), searchKeywords),
    ...resources(false),
    column('Image URL', false, (l) => l.logoUrl, httpsUrl),
    column('Product Video', false, (l) => nonEmpty(l.videoUrl), httpsUrl),
    column('Support Offered', false, () => true, availability),
    // The Catalog API keeps one SupportDescription (max 2000) where the forms had two support fields.
    column('Support Information', false, (l) => l.supportDescription, maxLength(2000)),
    column('Support Detail', false, (l) => l.supportDescription, maxLength(2000)),
    column('Type', false, () => 'Single AMI'),
    column('AMI Virtualization Type', false, () => 'HVM'),
    column('Architecture', false, (l) => l.arch),
    column(
      'Operating System',
      false,
      (l) => l.operatingSystemName,
      oneOf(operatingSystems, 'Operating_System'),
    ),
    column('Operating System Version', false, (l) => l.operatingSystemVersion, maxLength(100)),
    column('Operating System username', false, (l) => l.userName, maxLength(32)),
    column('AWS Services Required', false, () => null),
    column('3rd Party Software Included', false, () => null),
    column('Version Title', false, (l) => l.versionTitle, maxLength(64)),
    column('Release Notes', false, (l) => l.releaseNotes, maxLength(30000)),
    column('Upgrade Instructions', false, (l) => l.upgradeInstructions),
    column('Usage Instructions', false, (l) => l.usageInstructions, maxLength(4000)),
    column('End User License Agreement Text', false, () => null),
    ...metadataUpdateRegions.map((region) =>
      column(`${region} Availability`, false, (l) => l.regions.includes(region), availability),
    ),
    ...instanceTypesOf(listings).map((type) =>
      column(`${type} Availability`, false, (l) => offersType(l, type), availability),
    ),
    ...securityGroupColumns(listings, (n) => `Security Group${n}`, metadataUpdateMaxSecurityGroups).map(
      (c) => ({
        ...c,
        required: false,
      }),
    ),
  ],
  preamble: secondPartyPreamble,
  unmapped: (l) => [
    ...regionsWithoutColumn(l, metadataUpdateRegions, 'Availability'),
    ...tooManySecurityGroupRules(l, metadataUpdateMaxSecurityGroups, 'Security Group'),
  ],
};

// ---------------------------------------------------------------------------------------------------
// Form 1, 'Product Metadata Load Form' (self-service single AMI): row 1 markers, rows 2-4 grouping labels
// (left empty here), header row 5, data from row 6.

/** "<region> Availability" columns of the Product Metadata Load Form, in the form's order. */
export const productMetadataRegions: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'us-gov-west-1',
  'us-gov-east-1',
  'ca-central-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'af-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-east-1',
  'sa-east-1',
  'me-south-1',
  'me-central-1',
];

const productMetadataMaxSecurityGroups = 12;

/**
 * The columns of the 'Product Metadata Load Form' that apply to a free AMI product. The real tab is named
 * SSLSingleAMIAndCARWithContract; ours has no CAR (cluster topology), contract, FCP or price columns, so it
 * does not borrow that name. "Product Video" is REQUIRED on the form, but the Catalog API allows no video
 * and the filled forms leave it blank, so it is optional here.
 */
export const productMetadataSheet: LoadFormSheetSpec = {
  name: 'Product Metadata Load Form',
  headerRow: 5,
  columns: (listings) => [
    column('Product ID', false, (l) => nonEmpty(l.productId), productId),
    column('Product Code', false, () => null),
    column('Accessibility', true, () => 'Public'),
    column('SKU', true, (l) => l.sku, maxLength(5000)),
    column('Software by', true, (l) => l.manufacturer),
    column('Title', true, (l) => l.productTitle, maxLength(72)),
    column('Short Description', true, (l) => l.shortDescription, maxLength(1000)),
    column('Full Description', true, (l) => l.longDescription, maxLength(5000)),
    ...highlights('Highlight'),
    ...categories(),
    column('Search Keywords', true, (l) => nonEmpty(l.searchKeywords.join(',')), searchKeywords),
    ...resources(true),
    column('Image URL', true, (l) => l.logoUrl, httpsUrl),
    column('Product Video', false, (l) => nonEmpty(l.videoUrl), httpsUrl),
    column('Support Offered', true, () => true, availability),
    column('Support Information', true, (l) => l.supportDescription, maxLength(2000)),
    column('Support Detail', true, (l) => l.supportDescription, maxLength(2000)),
    column('Refund and Cancelation Policy', true, (l) => l.refundPolicy),
    column('Type', true, () => 'AMI'),
    column('us-east-1 AMI ID', true, (l) => l.amiId, amiId),
    column('AMI Virtualization Type', true, () => 'hvm'),
    column('Architecture', true, (l) => l.arch),
    column('AFI', false, () => null),
    column(
      'Operating System',
      true,
      (l) => l.operatingSystemName,
      oneOf(operatingSystems, 'Operating_System'),
    ),
    column('Operating System Version', true, (l) => l.operatingSystemVersion, maxLength(100)),
    column('Operating System Username', true, (l) => l.userName, maxLength(32)),
    column('PIOPS Total', false, () => null),
    column('AWS Services Required', true, () => 'AmazonEC2, AmazonEBS'),
    column('3rd Party Software Included', false, () => null),
    column('Version Title', true, (l) => l.versionTitle, maxLength(64)),
    column('Release Notes', true, (l) => l.releaseNotes, maxLength(30000)),
    column('Upgrade Instructions', true, (l) => l.upgradeInstructions),
    column('Product Access Instructions', true, (l) => l.usageInstructions, maxLength(4000)),
    column('Endpoint URL Protocol', false, () => null),
    column('Endpoint URL Port', false, () => null),
    column('Endpoint URL Relative URL', false, () => null),
    column('End User License Agreement URL', true, (l) => l.eulaUrl, httpsUrl),
    ...productMetadataRegions.map((region) =>
      column(`${region} Availability`, true, (l) => l.regions.includes(region), availability),
    ),
    column(
      'Make available in all future U.S. regions',
      true,
      (l) => l.futureRegionSupport === 'All' || l.futureRegionSupport === 'US',
      availability,
    ),
    column(
      'Make available in all future non-U.S. regions',
      true,
      (l) => l.futureRegionSupport === 'All',
      availability,
    ),
    column('Recommended Instance Type', true, (l) => l.recommendedInstanceType, instanceType),
    // The listing names its instance types explicitly; new types are added by a later change, not implied.
    column('Make available for all future instance types', true, () => false, availability),
    ...instanceTypesOf(listings).map((type) =>
      column(`${type} Availability`, true, (l) => offersType(l, type), availability),
    ),
    column('Pricing Model', true, () => 'Free', oneOf(['Free'], 'Pricing_Model (free products)')),
    ...securityGroupColumns(listings, (n) => `Security Group Rule ${n}`, productMetadataMaxSecurityGroups),
  ],
  preamble: (columns) => [markers(columns, 'OPTIONAL'), [], [], []],
  unmapped: (l) => [
    ...regionsWithoutColumn(l, productMetadataRegions, 'Availability'),
    ...tooManySecurityGroupRules(l, productMetadataMaxSecurityGroups, 'Security Group Rule'),
  ],
};

/** The sheets `buildLoadForm` writes, in workbook order. */
export const loadFormSheets: readonly LoadFormSheetSpec[] = [
  newAmiVersionSheet,
  metadataUpdateSheet,
  productMetadataSheet,
];
