import { parseConfig } from '../../src/config/load.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import type { Config } from '../../src/config/schema.js';
import type { ImageRequest } from '../../src/core/model/image-request.js';

/** The embedded sandbox configuration, parsed (with defaults). */
export function sandbox(): Config {
  return parseConfig(structuredClone(sandboxConfig), 'test');
}

export function imageRequest(overrides: Partial<ImageRequest> = {}): ImageRequest {
  return {
    release: 41,
    arch: 'x86_64',
    subvariant: 'Cloud_Base',
    composeId: 'Fedora-41-20241027.0',
    imageName: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
    label: '1.4',
    sourceAmi: 'ami-0aaaaaaaaaaaaaaaa',
    sourceRegion: 'us-east-1',
    regions: { 'us-east-1': 'ami-0aaaaaaaaaaaaaaaa' },
    prerelease: false,
    derived: [],
    origin: { kind: 'cli' },
    ...overrides,
  };
}

export const mirrored = { 'us-east-1': 'ami-0bbbbbbbbbbbbbbbb', 'eu-west-1': 'ami-0cccccccccccccccc' };
export const instanceTypes = ['c5.large', 'm5.large', 't3.micro', 't3.small'];
export const regions = ['eu-west-1', 'us-east-1', 'us-gov-west-1'];

/** A new product's first change set, change type by change type: the product and its offer, then the rest. */
export const newProductChangeTypes = [
  'CreateProduct',
  'CreateOffer',
  'UpdateInformation',
  'AddRegions',
  'UpdateFutureRegionSupport',
  'AddDimensions',
  'AddInstanceTypes',
  'UpdatePricingTerms',
  'UpdateInformation',
  'UpdateLegalTerms',
  'UpdateSupportTerms',
  'AddDeliveryOptions',
];
