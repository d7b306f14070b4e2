/** `fedora-marketplace plan`: what apply would change on each product, as a readable diff or JSON. */
import { ExitCode } from '../../core/errors.js';
import { planProducts } from '../../app/listings.js';
import type { ManagedPlan } from '../../manage/plan.js';
import { formatPlan } from '../../listing/reconcile.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

export function planJson(plans: ManagedPlan[]) {
  return {
    plans: plans.map((p) => ({
      key: p.key,
      productId: p.productId,
      productTitle: p.productTitle,
      visibility: p.visibility ?? null,
      offerId: p.offerId ?? null,
      changes: p.changes,
      deferred: p.deferred,
      diff: p.diff,
      retention: p.retention,
      deprecations: p.deprecations,
    })),
  };
}

export function formatDeprecations(plans: ManagedPlan[]): string {
  return plans
    .flatMap((p) =>
      p.deprecations.map(
        (d) => `${p.productId ?? p.key}: ! deprecate ${d.imageId} in ${d.region} (${d.versionTitle})`,
      ),
    )
    .join('\n');
}

export async function run(options: CommonOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    const plans = await planProducts(runtime);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(planJson(plans), null, 2)}\n`);
    } else if (plans.length === 0) {
      process.stdout.write('no published versions: nothing to plan\n');
    } else {
      const deprecations = formatDeprecations(plans);
      process.stdout.write(`${formatPlan(plans)}\n${deprecations ? `${deprecations}\n` : ''}`);
    }
    return ExitCode.ok;
  } finally {
    await runtime.close();
  }
}
