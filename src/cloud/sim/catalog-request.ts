/**
 * What StartChangeSet refuses synchronously, before any entity is looked at: a malformed request
 * (ValidationException with a ValidationExceptionFieldList) or a change type the simulation does not
 * model (ResourceNotSupportedException). The rules come from the Catalog API model and AWS's shapes:
 * 1-20 changes, ChangeSetName and ClientRequestToken limits, known entity and change types, change
 * names and references, one change type per entity, VALIDATE only for AddDeliveryOptions, and every
 * DetailsDocument valid against AWS's shape for its change type (references resolved first).
 */
import { CloudError, type CloudErrorDetail } from '../../core/errors.js';
import {
  changeTypesOf,
  detailsViolations,
  isCatalogEntityType,
  referencePattern,
  withReferencesResolved,
  type CatalogEntityType,
} from '../catalog-shapes.js';
import type { Change, StartChangeSetRequest } from '../ports.js';

/** At most 20 changes per StartChangeSet (RequestedChangeList max=20). */
export const maxChangesPerSet = 20;

/** Change types that make a new entity: they carry no Entity.Identifier. */
export const createsEntity = (changeType: string): boolean => changeType.startsWith('Create');

const changeSetNamePattern = /^[\w\s+=.:@-]{1,100}$/;
const changeTypePattern = /^[A-Z]\w{0,254}$/;
const changeNamePattern = /^[a-zA-Z]{1,72}$/;
const identifierPattern = /^[\w\-@]{1,255}$/;

/** Well-formed stand-ins for references, so AWS's shapes can check a document before the ids exist. */
const placeholderId: Record<CatalogEntityType, string> = {
  'AmiProduct@1.0': 'prod-abcdefghijklm',
  'Offer@1.0': 'offer-abcdefghijklm',
};

function field(
  change: Change | undefined,
  field: string,
  message: string,
  reason = 'Other',
): CloudErrorDetail {
  return {
    code: reason,
    message,
    field,
    ...(change
      ? {
          changeType: change.ChangeType,
          entityType: change.Entity?.Type,
          ...(change.Entity?.Identifier ? { entityId: change.Entity.Identifier } : {}),
        }
      : {}),
  };
}

function validationError(details: CloudErrorDetail[]): CloudError {
  return new CloudError({
    kind: 'validation',
    awsCode: 'ValidationException',
    service: 'aws-marketplace',
    operation: 'StartChangeSet',
    message: details.map((d) => `${d.field}: ${d.message}`).join('; '),
    details,
  });
}

function envelopeProblems(request: StartChangeSetRequest): CloudErrorDetail[] {
  const out: CloudErrorDetail[] = [];
  const { changes } = request;
  if (changes.length < 1 || changes.length > maxChangesPerSet)
    out.push(
      field(undefined, 'ChangeSet', `must hold 1 to ${maxChangesPerSet} changes (got ${changes.length})`),
    );
  // An empty name stands for "no name": ChangeSetName is optional.
  if (request.changeSetName !== '' && !changeSetNamePattern.test(request.changeSetName))
    out.push(
      field(undefined, 'ChangeSetName', 'must be 1-100 characters of letters, digits, spaces and _+=.:@-'),
    );
  if (request.clientRequestToken.length < 1 || request.clientRequestToken.length > 64)
    out.push(field(undefined, 'ClientRequestToken', 'must be 1-64 characters'));
  if (
    request.intent === 'VALIDATE' &&
    !changes.every((c) => c.ChangeType === 'AddDeliveryOptions' && c.Entity?.Type === 'AmiProduct@1.0')
  )
    out.push(
      field(
        undefined,
        'Intent',
        'VALIDATE is only available for change sets that add versions (AddDeliveryOptions) to AMI products; send the others with APPLY',
      ),
    );
  return out;
}

/** The entity type each earlier named change makes, for references and placeholders. */
function namedCreations(changes: Change[]): Map<string, { index: number; entityType: string }> {
  const named = new Map<string, { index: number; entityType: string }>();
  changes.forEach((c, index) => {
    if (c.ChangeName !== undefined && !named.has(c.ChangeName))
      named.set(c.ChangeName, { index, entityType: c.Entity?.Type ?? '' });
  });
  return named;
}

function changeProblems(request: StartChangeSetRequest): CloudErrorDetail[] {
  const out: CloudErrorDetail[] = [];
  const named = namedCreations(request.changes);
  const seenNames = new Set<string>();
  const seenTypes = new Map<string, number>();

  request.changes.forEach((change, i) => {
    const at = `ChangeSet[${i}]`;
    const entityType = change.Entity?.Type ?? '';
    if (!changeTypePattern.test(change.ChangeType ?? ''))
      out.push(field(change, `${at}.ChangeType`, 'must start with a capital letter, then letters or digits'));
    const knownEntity = isCatalogEntityType(entityType);
    if (!knownEntity)
      out.push(
        field(change, `${at}.Entity.Type`, `entity type ${JSON.stringify(entityType)} is not supported`),
      );
    else if (!changeTypesOf(entityType).includes(change.ChangeType))
      out.push(
        field(
          change,
          `${at}.ChangeType`,
          `${change.ChangeType} is not a change type of ${entityType} (${changeTypesOf(entityType).join(', ')})`,
        ),
      );

    if (change.ChangeName !== undefined) {
      if (!changeNamePattern.test(change.ChangeName))
        out.push(field(change, `${at}.ChangeName`, 'must be 1-72 letters'));
      if (seenNames.has(change.ChangeName))
        out.push(field(change, `${at}.ChangeName`, 'must be unique within the change set'));
      seenNames.add(change.ChangeName);
    }

    const id = change.Entity?.Identifier;
    if (createsEntity(change.ChangeType)) {
      if (id !== undefined)
        out.push(
          field(change, `${at}.Entity.Identifier`, `must be absent: ${change.ChangeType} creates the entity`),
        );
    } else if (id === undefined || id === '') {
      out.push(field(change, `${at}.Entity.Identifier`, 'is required'));
    } else {
      const ref = referencePattern.exec(id);
      const target = ref ? named.get(ref[1] as string) : undefined;
      if (ref && (!target || target.index >= i || target.entityType !== entityType))
        out.push(
          field(
            change,
            `${at}.Entity.Identifier`,
            `must reference an earlier change of the set that creates a ${entityType} (${id})`,
          ),
        );
      else if (!ref && !identifierPattern.test(id))
        out.push(field(change, `${at}.Entity.Identifier`, 'must be 1-255 letters, digits, _, - or @'));
      const key = `${id}\u0000${change.ChangeType}`;
      const first = seenTypes.get(key);
      if (first !== undefined)
        out.push(
          field(
            change,
            `${at}.ChangeType`,
            `the same change type cannot be started twice against one entity (ChangeSet[${first}] already has ${change.ChangeType} on ${id})`,
          ),
        );
      else seenTypes.set(key, i);
    }

    if (change.DetailsDocument === undefined) {
      out.push(field(change, `${at}.DetailsDocument`, 'Details or DetailsDocument is required'));
    } else if (knownEntity && changeTypesOf(entityType).includes(change.ChangeType)) {
      const unresolved: string[] = [];
      const resolved = withReferencesResolved(change.DetailsDocument, (name) => {
        const target = named.get(name);
        if (target && target.index < i && isCatalogEntityType(target.entityType))
          return placeholderId[target.entityType];
        unresolved.push(name);
        return '';
      });
      for (const name of unresolved)
        out.push(
          field(
            change,
            `${at}.DetailsDocument`,
            `references $${name}.Entity.Identifier, which no earlier change creates`,
          ),
        );
      for (const v of detailsViolations(entityType, change.ChangeType, resolved))
        out.push(field(change, v.path ? `Details.${v.path}` : 'Details', v.message, 'FieldValidationFailed'));
    }
  });
  return out;
}

/**
 * Throws the ValidationException StartChangeSet answers for a malformed request, or the
 * ResourceNotSupportedException for a change type AWS has but the simulation does not model.
 */
export function checkStartChangeSet(
  request: StartChangeSetRequest,
  modelled: (entityType: CatalogEntityType, changeType: string) => boolean,
): void {
  const problems = [...envelopeProblems(request), ...changeProblems(request)];
  if (problems.length > 0) throw validationError(problems);
  const unmodelled = request.changes.find((c) => !modelled(c.Entity.Type as CatalogEntityType, c.ChangeType));
  if (unmodelled)
    throw new CloudError({
      kind: 'validation',
      awsCode: 'ResourceNotSupportedException',
      service: 'aws-marketplace',
      operation: 'StartChangeSet',
      message: `The simulated Marketplace does not model ${unmodelled.Entity.Type} ${unmodelled.ChangeType}`,
    });
}
