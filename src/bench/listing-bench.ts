/**
 * Listing management at scale: plan 50 products that carry 20 versions each (a new version to add,
 * older ones to restrict), and write the load form (XLSX, CSV, JSON) with all 50 products. Pure work
 * on synthetic DescribeEntity documents: the figures measure this tool, not the Catalog API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsArch } from '../core/arch.js';
import { parseConfig } from '../config/load.js';
import { sandboxConfig } from '../config/sandbox-config.js';
import type { Config } from '../config/schema.js';
import { addDeliveryOptions, newProductChanges } from '../listing/change-set.js';
import { buildListing } from '../listing/listing.js';
import { buildLoadForm, validateLoadForm, writeLoadForm } from '../listing/load-form/load-form.js';
import type { ProductListing } from '../core/model/listing.js';
import {
  applyChanges,
  applyOfferChanges,
  planProduct,
  type CurrentListing,
  type DesiredProduct,
} from '../listing/reconcile.js';
import type { BenchSection } from './section.js';
import { median, round } from './stats.js';

export const benchProducts = 50;
export const benchVersions = 20;
const runs = 5;
const regions = [
  'ap-northeast-1',
  'ap-southeast-2',
  'eu-central-1',
  'eu-west-1',
  'us-east-1',
  'us-east-2',
  'us-west-2',
];
const instanceTypes: Record<AwsArch, string[]> = {
  x86_64: ['c5.large', 'c6i.large', 'm5.large', 'm6i.large', 't3.micro', 't3.small'],
  arm64: ['c6g.large', 'c7g.large', 'm6g.large', 'm7g.large', 't4g.micro', 't4g.small'],
};

function listingOf(config: Config, release: number, arch: AwsArch, n: number): ProductListing {
  const label = `1.${n}`;
  const ami = (region: string) =>
    `ami-${region}${String(release * 1000 + n).padStart(8, '0')}${arch === 'arm64' ? 'a' : 'b'}0000000`;
  return buildListing({
    config,
    request: {
      release,
      arch,
      subvariant: 'Cloud_Base',
      composeId: `Fedora-${release}-2025010${n % 10}.0`,
      imageName: `Fedora-Cloud-Base-AmazonEC2.${arch === 'arm64' ? 'aarch64' : 'x86_64'}-${release}-${label}`,
      label,
      sourceAmi: ami('f'),
      sourceRegion: 'us-east-1',
      regions: { 'us-east-1': ami('f') },
      prerelease: false,
      derived: [],
      origin: { kind: 'cli' },
    },
    mirroredAmis: { 'us-east-1': ami('0'), 'eu-west-1': ami('e') },
    instanceTypes: instanceTypes[arch],
    regions,
  });
}

export interface ListingBenchInput {
  desired: DesiredProduct[];
  current: CurrentListing[];
  newest: ProductListing[];
}

/**
 * 50 products with 21 published versions each: on half of them the 21st is still to be added, on the
 * other half it is listed and retention has 18 older ones to restrict.
 */
export function listingBenchInput(products = benchProducts, versions = benchVersions): ListingBenchInput {
  const config = parseConfig(structuredClone(sandboxConfig), 'bench');
  const input: ListingBenchInput = { desired: [], current: [], newest: [] };
  for (let p = 0; p < products; p++) {
    const release = 30 + Math.floor(p / 2);
    const arch: AwsArch = p % 2 === 0 ? 'x86_64' : 'arm64';
    const productId = `prod-bench${String(p).padStart(8, '0')}`;
    const listings = Array.from({ length: versions + 1 }, (_, n) => ({
      ...listingOf(config, release, arch, n + 1),
      productId,
    }));
    const created = newProductChanges(listings[0] as ProductListing);
    let details = applyChanges({}, created, new Date(Date.UTC(2025, 0, 1)));
    const shown = p % 2 === 0 ? versions : versions + 1;
    for (let n = 1; n < shown; n++) {
      details = applyChanges(
        details,
        [addDeliveryOptions(productId, listings[n] as ProductListing)],
        new Date(Date.UTC(2025, 0, 1 + n)),
      );
    }
    const newest = listings[versions] as ProductListing;
    input.desired.push({
      productId,
      metadata: newest,
      offer: newest,
      regions,
      representativeRegions: newest.representativeRegions,
      futureRegionSupport: newest.futureRegionSupport,
      instanceTypes: instanceTypes[arch],
      versions: listings,
    });
    input.current.push({
      product: {
        entityId: productId,
        entityType: 'AmiProduct@1.0',
        entityArn: productId,
        lastModifiedDate: '2025-02-01T00:00:00Z',
        details,
      },
      offer: {
        entityId: `offer-bench${String(p).padStart(8, '0')}`,
        details: applyOfferChanges({}, created),
      },
    });
    input.newest.push(newest);
  }
  return input;
}

export const listingSection: BenchSection = {
  name: 'listing',
  description: `plan ${benchProducts} products with ${benchVersions} versions each; write their load form (XLSX, CSV, JSON); medians of ${runs} runs`,
  async run() {
    const input = listingBenchInput();
    const now = new Date(Date.UTC(2025, 6, 1));
    const planMs: number[] = [];
    let changes = 0;
    for (let r = 0; r < runs; r++) {
      const started = performance.now();
      changes = 0;
      input.desired.forEach((desired, i) => {
        changes += planProduct(desired, input.current[i], { keepVersions: 3, now }).changes.length;
      });
      planMs.push(performance.now() - started);
    }
    const dir = mkdtempSync(join(tmpdir(), 'fm-bench-listing-'));
    const formMs: number[] = [];
    let problems = 0;
    try {
      for (let r = 0; r < runs; r++) {
        const started = performance.now();
        const form = buildLoadForm(input.newest);
        problems = validateLoadForm(form).filter((p) => p.severity === 'error').length;
        await writeLoadForm(form, dir, `load-form-${r}`);
        formMs.push(performance.now() - started);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return {
      rows: [
        {
          label: `plan ${benchProducts} products x ${benchVersions} versions`,
          value: round(median(planMs)),
          unit: 'ms',
          note: 'planProduct against DescribeEntity documents',
        },
        {
          label: `write load forms for ${benchProducts} products`,
          value: round(median(formMs)),
          unit: 'ms',
          note: 'build, validate, XLSX + CSV + JSON',
        },
      ],
      details: {
        products: benchProducts,
        versions: benchVersions,
        runs,
        changesPlanned: changes,
        loadFormErrors: problems,
      },
    };
  },
};
