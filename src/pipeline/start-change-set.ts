/**
 * Every change set the tool starts goes through here: checked against the Marketplace's rules first
 * (shapes and limits, at most 20 changes, references, the intent), so that a set AWS would refuse is
 * refused before it is sent, naming the field, the value and the rule.
 */
import { openChangeSets } from '../cloud/catalog-queries.js';
import type { CatalogPort, StartChangeSetRequest } from '../cloud/ports.js';
import { InputError } from '../core/errors.js';
import type { Job, JobData } from '../core/model/job.js';
import { formatIssues, validateChangeSet } from '../listing/validate.js';
import type { PipelineContext } from './context.js';
import { wait, type StepOutcome } from './outcome.js';
import { awaitEvent, pollAt } from './poll.js';

export async function startCheckedChangeSet(
  catalog: CatalogPort,
  request: StartChangeSetRequest,
): Promise<{ changeSetId: string; changeSetArn: string }> {
  const issues = validateChangeSet(request.changes, request.intent ?? 'APPLY');
  const first = issues[0];
  if (first) {
    throw new InputError(
      `change set "${request.changeSetName}" breaks the Marketplace's rules; nothing was sent:\n${formatIssues(issues)}\n`,
      {
        field: first.path,
        ...(first.value !== undefined ? { value: first.value } : {}),
        rule: first.rule,
        hint: 'fix the configuration value behind this field (README "Configuration reference")',
      },
    );
  }
  return catalog.startChangeSet(request);
}

/**
 * StartChangeSet was refused with ResourceInUseException: a running change set holds the product (AWS
 * locks every entity of a running set until it ends, StartChangeSet in catalog-api-model.txt). AWS's
 * lock is the check, so no start is preceded by a ListChangeSets of the product's open sets; only on this
 * rare path are they listed, to wait for their end events. A set that ended meanwhile (or one on another
 * entity of the change, the offer) leaves nothing to await: the product is looked at again on the poll.
 */
export async function productLockedWait(
  ctx: PipelineContext,
  catalog: CatalogPort,
  job: Job,
  product: { productId: string; creatingChangeSetName: string },
  patch?: Partial<JobData>,
): Promise<StepOutcome> {
  const open = await openChangeSets(catalog, product);
  const note = `product ${product.productId} is locked by ${open[0] ? `change set ${open[0].changeSetId}` : 'another change set'}; waiting for it`;
  if (open.length === 0) return wait(pollAt(ctx, 'changeSet', job), note, patch);
  return awaitEvent(ctx, 'changeSet', job, { changeSets: open.map((c) => c.changeSetId) }, note, patch);
}
