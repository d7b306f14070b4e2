import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogPort } from '../../cloud/ports.js';
import { InputError } from '../../core/errors.js';
import { resolveListing } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { buildListing, productIdByTitle, productTitleFor } from '../../listing/listing.js';
import { deriveInstanceTypes } from '../../listing/instance-types.js';
import { marketplaceRegions } from '../../listing/regions.js';
import { buildLoadForm, validateLoadForm, writeLoadForm } from '../../listing/load-form/load-form.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../context.js';
import type { Job } from '../../core/model/job.js';
import { advance, fail, type StepOutcome } from '../outcome.js';
import { plannedChanges } from './submit.js';
import { changeSetDocument, validateListing } from '../../listing/change-set.js';

/**
 * describe: build the product listing (metadata from configuration, regions and instance types from
 * EC2, the mirrored AMI), validate it against the Marketplace limits before anything is submitted, and
 * export it as the product load form (XLSX, CSV, JSON) and as the Catalog API change set.
 */
export async function describeStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { partition, settings } = listingPartition(ctx.config);
  const { request } = job;
  const product = ctx.config.products[request.subvariant];
  if (!product) return fail(`no products.${request.subvariant} entry in the configuration`);
  const listingConfig = resolveListing(product, request.arch);
  const productTitle = productTitleFor(ctx.config, request.subvariant, request.release, request.arch);
  const catalog = ctx.cloud.clients(partition).catalog;
  const productId = job.data.productId ?? (await findProductId(ctx.config, catalog, job, productTitle));

  let instanceTypes: string[];
  let regions: string[];
  try {
    const offered = await ctx.facts.describeInstanceTypes(partition, settings.baseRegion, request.arch);
    instanceTypes = deriveInstanceTypes(offered, {
      arch: request.arch,
      ...(job.data.source?.bootMode ? { bootMode: job.data.source.bootMode } : {}),
      exclude: listingConfig.instanceTypes.exclude,
      includePreviousGeneration: listingConfig.instanceTypes.includePreviousGeneration,
      recommended: listingConfig.recommendedInstanceType,
      subvariant: request.subvariant,
    });
    regions = marketplaceRegions(
      await ctx.facts.describeRegions(partition),
      partition,
      listingConfig.regions,
      `products.${request.subvariant}.regions`,
    );
  } catch (error) {
    // A configuration that cannot produce a listing (recommended type not offered, unknown region).
    if (error instanceof InputError) return fail(error.describe());
    throw error;
  }

  const listing = buildListing({
    config: ctx.config,
    request,
    mirroredAmis: job.data.mirroredAmis,
    instanceTypes,
    regions,
    partition,
    ...(productId ? { productId } : {}),
  });
  const issues = validateListing(listing);
  if (issues.length > 0) {
    return fail(
      `the listing breaks Marketplace rules, nothing was submitted: ${issues.map((i) => `${i.path}: ${i.rule}`).join('; ')}`,
      { listing, productTitle },
    );
  }

  const dir = join(ctx.outputDir, job.id);
  await mkdir(dir, { recursive: true });
  const form = buildLoadForm([listing]);
  const formProblems = validateLoadForm(form).filter((p) => p.severity === 'error');
  if (formProblems.length > 0) {
    return fail(
      `the load form breaks Marketplace rules: ${formProblems.map((p) => `${p.sheet}!${p.cell} (${p.column}): ${p.rule}`).join('; ')}`,
      { listing, productTitle },
    );
  }
  const written = await writeLoadForm(form, dir, 'load-form');
  const { changes } = await plannedChanges(catalog, listing);
  const changeSetPath = join(dir, 'change-set.json');
  await writeFile(changeSetPath, JSON.stringify(changeSetDocument(changes), null, 2) + '\n');

  return advance(
    'submit',
    `listing "${productTitle}" version ${listing.versionTitle} exported to ${written.xlsx}`,
    {
      listing,
      productTitle,
      versionTitle: listing.versionTitle,
      loadFormPath: written.xlsx,
      changeSetPath,
      ...(productId ? { productId } : {}),
    },
  );
}

/** The product for this release and architecture: configured id, else the seller's product of that title. */
async function findProductId(
  config: Config,
  catalog: CatalogPort,
  job: Job,
  productTitle: string,
): Promise<string | undefined> {
  const configured =
    config.products[job.request.subvariant]?.productIds[`${job.request.release}/${job.request.arch}`];
  return configured ?? productIdByTitle(catalog, productTitle);
}
