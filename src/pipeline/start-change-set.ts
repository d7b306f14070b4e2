/**
 * Every change set the tool starts goes through here: checked against the Marketplace's rules first
 * (shapes and limits, at most 20 changes, references, the intent), so that a set AWS would refuse is
 * refused before it is sent, naming the field, the value and the rule.
 */
import type { CatalogPort, StartChangeSetRequest } from '../cloud/ports.js';
import { InputError } from '../core/errors.js';
import { formatIssues, validateChangeSet } from '../listing/validate.js';

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
