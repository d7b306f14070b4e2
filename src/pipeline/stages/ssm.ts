import type { SsmCheckResult } from '../../core/model/job.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import { productKey } from '../../core/model/image-request.js';
import { parkedUntil, type Job } from '../../core/model/job.js';
import { visibilityInWords } from '../../listing/lifecycle.js';
import { advance, fail, wait, type StepOutcome } from '../outcome.js';

/** `/aws/service/marketplace/prod-x/41.1.4` -> `/aws/service/marketplace/prod-x/latest`. */
export function latestAlias(alias: string): string {
  return alias.replace(/\/[^/]+$/, '/latest');
}

/**
 * ssm: after the version succeeded, check that its Marketplace SSM alias resolves in a sample of regions
 * and that `.../latest` agrees with it.
 *
 * The alias is for buyers: it cannot resolve before the product is Public. While the store records the
 * product on its way to Public (Draft or Limited, configured `visibility: public`), the job is parked: no
 * look at all until the store records it Public, which wakes it (JobStore.saveProduct). A product that
 * stays Limited (or is Restricted) is never checked: the job is published saying so.
 *
 * The Marketplace publishes the parameters some time after that, so a missing one is looked at again
 * (a persisted wait, each wait three times the one before); after pipeline.ssmCheckAttempts looks the job
 * is published anyway with the gap recorded: the version is live, only the alias lags, and `status` shows
 * it. Each look stops at the first region that does not resolve yet (the others lag alike) and a region
 * seen resolving is not asked again. A `latest` that differs (a newer version already) is recorded, never
 * waited on.
 */
export async function ssmStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { productId, versionTitle } = job.data;
  if (!productId || !versionTitle)
    return fail('internal: ssm reached without a product id and version title');
  const visibility = (await ctx.store.getProduct(productKey(job.request)))?.visibility;
  if (visibility !== undefined && visibility !== 'Public') {
    if (job.data.listing?.targetVisibility === 'public' && visibility !== 'Restricted')
      return wait(
        parkedUntil,
        `waiting for product ${productId} to become Public before looking at its SSM alias (it is ${visibility}; the alias is for buyers)`,
      );
    return advance(
      'published',
      `published; SSM alias not checked: product ${productId} is ${visibilityInWords(visibility)}, and the alias resolves for buyers of a Public product only`,
    );
  }

  const { partition } = listingPartition(ctx.config);
  const clients = ctx.cloud.clients(partition);
  const { alias, regions } = await aliasToCheck(job, ctx);

  const seen = job.data.ssmCheck ?? {};
  const ssmCheck: Record<string, SsmCheckResult> = {};
  let lagging = alias === undefined;
  for (const region of regions) {
    if (!alias || lagging) {
      ssmCheck[region] = 'missing';
      continue;
    }
    if (seen[region] === 'ok') {
      ssmCheck[region] = 'ok';
      continue;
    }
    const value = await clients.ssm.getParameter(region, alias);
    const latest =
      value === undefined ? undefined : await clients.ssm.getParameter(region, latestAlias(alias));
    ssmCheck[region] = value === undefined ? 'missing' : latest === value ? 'ok' : 'mismatch';
    lagging = value === undefined;
  }

  const attempts = (job.data.ssmAttempts ?? 0) + 1;
  const patch = { ...(alias ? { ssmAlias: alias } : {}), ssmCheck, ssmAttempts: attempts };
  const missing = Object.keys(ssmCheck).filter((r) => ssmCheck[r] === 'missing');
  const summary =
    Object.entries(ssmCheck)
      .map(([r, s]) => `${r} ${s}`)
      .join(', ') || 'no sampled region is a product region';
  if (missing.length > 0 && attempts < ctx.config.pipeline.ssmCheckAttempts) {
    return wait(
      nextLook(ctx, attempts),
      `SSM alias ${alias ?? '(not on the delivery option yet)'} does not resolve yet: ${summary}`,
      patch,
    );
  }
  const note =
    missing.length > 0
      ? `published; SSM alias ${alias ?? '(none)'} still unresolved after ${attempts} looks: ${summary}`
      : `published; SSM alias ${alias ?? '(none)'}: ${summary}`;
  return advance('published', note, patch);
}

/**
 * The version's alias and the sampled regions the product is offered in: from DescribeEntity, until an
 * earlier look recorded them (the alias in ssmAlias, the regions as ssmCheck's keys).
 */
async function aliasToCheck(
  job: Job,
  ctx: PipelineContext,
): Promise<{ alias: string | undefined; regions: string[] }> {
  const { ssmAlias, ssmCheck, productId, versionTitle } = job.data;
  if (ssmAlias && ssmCheck) return { alias: ssmAlias, regions: Object.keys(ssmCheck) };
  const { partition } = listingPartition(ctx.config);
  const entity = await ctx.cloud.clients(partition).catalog.describeEntity(productId ?? '');
  const version = entity.details.Versions?.find((v) => v.VersionTitle === versionTitle);
  const productRegions = entity.details.RegionAvailability?.Regions ?? [];
  return {
    alias: version?.DeliveryOptions?.find((o) => o.AmiAlias)?.AmiAlias,
    regions: ctx.config.pipeline.ssmCheckRegions.filter((r) => productRegions.includes(r)),
  };
}

/** The change-set poll interval after the first look, then three times longer after each. */
function nextLook(ctx: PipelineContext, attempts: number): Date {
  const base = ctx.config.pipeline.pollSeconds.changeSet * 1000;
  return new Date(ctx.clock.now().getTime() + base * 3 ** (attempts - 1));
}
