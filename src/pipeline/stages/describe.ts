import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { resolveListing } from '../../config/load.js';
import { configuredProductId } from '../../config/products.js';
import { buildListing, productTitleFor } from '../../listing/listing.js';
import { productIdByTitle } from '../../cloud/catalog-queries.js';
import { deriveInstanceTypes } from '../../listing/instance-types.js';
import { marketplaceRegions } from '../../listing/regions.js';
import { buildLoadForm, validateLoadForm, writeLoadForm } from '../../listing/load-form/load-form.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import type { Job } from '../../core/model/job.js';
import { imageAgeOf, type ImageAge } from '../../core/model/image-age.js';
import { advance, fail, type StepOutcome } from '../outcome.js';
import { plannedChanges } from '../planned-changes.js';
import { changeSetDocument, validateListing } from '../../listing/change-set.js';

/** The image's age, recorded with its version so that retention orders versions by it. */
function ageOf(job: Job): { imageAge?: ImageAge } {
  const age = imageAgeOf(job.request, job.data.source?.creationDate);
  return age ? { imageAge: age } : {};
}

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
  const productTitle = productTitleFor(ctx.config, request);
  const catalog = ctx.cloud.clients(partition).catalog;
  // The product for this release and architecture: recorded, configured, else the seller's product of that title.
  const productId =
    job.data.productId ??
    configuredProductId(ctx.config, request) ??
    (await productIdByTitle(catalog, productTitle));

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
    ...ageOf(job),
  });
  const issues = validateListing(listing);
  if (issues.length > 0) {
    return fail(
      `the listing breaks Marketplace rules, nothing was submitted: ${issues.map((i) => `${i.path}: ${i.rule}`).join('; ')}`,
      { listing, productTitle },
    );
  }

  // writeLoadForm creates the job's folder; the change set is written there after it.
  const dir = join(ctx.outputDir, job.id);
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
