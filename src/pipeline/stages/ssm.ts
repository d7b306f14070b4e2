import type { SsmCheckResult } from '../../core/model/job.js';
import type { PipelineContext } from '../context.js';
import { listingPartition } from '../../config/partitions.js';
import type { Job } from '../../core/model/job.js';
import { advance, fail, wait, type StepOutcome } from '../outcome.js';
import { pollAt } from '../poll.js';

/** `/aws/service/marketplace/prod-x/41.1.4` -> `/aws/service/marketplace/prod-x/latest`. */
export function latestAlias(alias: string): string {
  return alias.replace(/\/[^/]+$/, '/latest');
}

/**
 * ssm: after the version succeeded, check that its Marketplace SSM alias resolves in a sample of regions
 * and that `.../latest` agrees with it. The Marketplace publishes the parameters some time after the
 * change set, so a missing one is looked at again (a persisted wait); after pipeline.ssmCheckAttempts
 * looks the job is published anyway with the gap recorded: the version is live, only the alias lags,
 * and `status` shows it. A `latest` that differs (a newer version already) is recorded, never waited on.
 */
export async function ssmStage(job: Job, ctx: PipelineContext): Promise<StepOutcome> {
  const { productId, versionTitle } = job.data;
  if (!productId || !versionTitle)
    return fail('internal: ssm reached without a product id and version title');
  const { partition } = listingPartition(ctx.config);
  const clients = ctx.cloud.clients(partition);
  const entity = await clients.catalog.describeEntity(productId);
  const version = entity.details.Versions?.find((v) => v.VersionTitle === versionTitle);
  const alias = version?.DeliveryOptions?.find((o) => o.AmiAlias)?.AmiAlias;
  const productRegions = entity.details.RegionAvailability?.Regions ?? [];
  const regions = ctx.config.pipeline.ssmCheckRegions.filter((r) => productRegions.includes(r));

  const ssmCheck: Record<string, SsmCheckResult> = {};
  for (const region of regions) {
    if (!alias) {
      ssmCheck[region] = 'missing';
      continue;
    }
    const value = await clients.ssm.getParameter(region, alias);
    const latest =
      value === undefined ? undefined : await clients.ssm.getParameter(region, latestAlias(alias));
    ssmCheck[region] = value === undefined ? 'missing' : latest === value ? 'ok' : 'mismatch';
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
      pollAt(ctx, 'changeSet', job),
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
