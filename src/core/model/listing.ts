import type { AwsArch } from '../arch.js';
import type { ImageAge } from './image-age.js';

/**
 * Everything the Marketplace should show for one product version: the input of the change-set
 * builder and of the load-form writers, computed from configuration plus what the pipeline learned.
 */
export interface ProductListing {
  /** Configured subvariant, e.g. `Cloud_Base`. */
  subvariant: string;
  release: number;
  arch: AwsArch;
  /** Existing product id, when known (config `productIds` or found by title). */
  productId?: string;
  /** A Beta/RC image: listed on its own product (`... Prerelease`), never on the GA one. */
  prerelease?: boolean;

  // Product metadata (UpdateInformation)
  productTitle: string;
  shortDescription: string;
  longDescription: string;
  highlights: string[];
  categories: string[];
  searchKeywords: string[];
  additionalResources: Array<{ text: string; url: string }>;
  supportDescription: string;
  logoUrl: string;
  videoUrl?: string;
  manufacturer: string;
  /** SKU: stable per product, e.g. `fedora-41-cloud-base-x86_64`. */
  sku: string;

  // The public offer that makes the product sellable: free usage pricing, legal and support terms
  /** Offer name (UpdateInformation on the offer): the product title. */
  offerName: string;
  offerDescription: string;
  /** Custom EULA of the offer's legal terms (also the load form's "EULA URL"). */
  eulaUrl: string;
  /** The refund policy of the offer's support terms. */
  refundPolicy: string;
  /** How far the pipeline takes the product: Limited, or Public (after AWS's review). */
  targetVisibility: 'limited' | 'public';

  // Availability
  /** Every region the product should be offered in (the load form lists them all). */
  regions: string[];
  /** The part of `regions` only a Marketplace representative can enable (never sent in AddRegions). */
  representativeRegions: string[];
  futureRegionSupport: 'All' | 'US' | 'None';
  instanceTypes: string[];

  // The version (AddDeliveryOptions)
  versionTitle: string;
  releaseNotes: string;
  upgradeInstructions: string;
  usageInstructions: string;
  recommendedInstanceType: string;
  /** Mirrored AMI in us-east-1 (the one the Marketplace ingests). */
  amiId: string;
  /** Fedora's source AMI the mirror was copied from. */
  sourceAmiId: string;
  /** region -> mirrored AMI id ("Cloned AMI ID" load-form columns). */
  mirroredAmis: Record<string, string>;
  accessRoleArn: string;
  userName: string;
  operatingSystemName: string;
  operatingSystemVersion: string;
  scanningPort: number;
  securityGroups: Array<{ protocol: 'tcp' | 'udp'; fromPort: number; toPort: number; cidrs: string[] }>;
  /** Fedora facts, for release notes and forms. */
  composeId: string;
  imageName: string;
  /** Compose date and respin of the image: the order of the product's versions (retention). */
  imageAge?: ImageAge;
}
