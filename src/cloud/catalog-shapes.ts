/**
 * AWS's published Catalog API shapes (`schemas/aws-catalog/`, JSON Schema exported from AWS's shape
 * library) as checks: which change types an entity type has, and what a DetailsDocument or a
 * DescribeEntity document may hold. The simulated Marketplace judges with these, never with our own
 * validator, so a mistake in that validator cannot hide behind the simulation.
 *
 * Schemas compile lazily, one per (entity type, change type), because most runs touch only a few.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InternalError } from '../core/errors.js';

export type CatalogEntityType = 'AmiProduct@1.0' | 'Offer@1.0';
export const catalogEntityTypes: readonly CatalogEntityType[] = ['AmiProduct@1.0', 'Offer@1.0'];

export function isCatalogEntityType(value: string): value is CatalogEntityType {
  return (catalogEntityTypes as readonly string[]).includes(value);
}

/** A `$<ChangeName>.Entity.Identifier` reference to an entity made earlier in the same change set. */
export const referencePattern = /^\$([a-zA-Z]+)\.Entity\.Identifier$/;

/** One field AWS's shape refuses; `path` is relative to the document (`Version.VersionTitle`, '' = root). */
export interface ShapeViolation {
  path: string;
  message: string;
}

// Two levels up from this file is the package root both from src/cloud (vitest) and dist/cloud (built).
const schemaRoot = new URL('../../schemas/aws-catalog/', import.meta.url);
const describeEntityShape = 'DescribeEntity';

const folderOf = (entityType: CatalogEntityType) => entityType.replace('@', '-');

const changeTypeCache = new Map<CatalogEntityType, readonly string[]>();

/** The change types AWS publishes a shape for, per entity type (from the schema files). */
export function changeTypesOf(entityType: CatalogEntityType): readonly string[] {
  let types = changeTypeCache.get(entityType);
  if (!types) {
    types = readdirSync(new URL(`${folderOf(entityType)}/`, schemaRoot))
      .filter((file) => file.endsWith('.schema.json'))
      .map((file) => file.slice(0, -'.schema.json'.length))
      .filter((name) => name !== describeEntityShape)
      .sort();
    changeTypeCache.set(entityType, types);
  }
  return types;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(entityType: CatalogEntityType, shape: string): ValidateFunction {
  const key = `${entityType}/${shape}`;
  let validate = compiled.get(key);
  if (!validate) {
    if (shape !== describeEntityShape && !changeTypesOf(entityType).includes(shape))
      throw new InternalError(`AWS publishes no ${entityType} shape for change type ${shape}`);
    const schema = JSON.parse(
      readFileSync(new URL(`${folderOf(entityType)}/${shape}.schema.json`, schemaRoot), 'utf8'),
    ) as object;
    ajv ??= new Ajv({ allErrors: true, strict: false });
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** `/DeliveryOptions/0/Details` -> `DeliveryOptions[0].Details`. */
function fieldPath(pointer: string, child?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce(
    (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part),
    '',
  );
}

function violations(errors: ErrorObject[] | null | undefined): ShapeViolation[] {
  const out = new Map<string, ShapeViolation>();
  for (const e of errors ?? []) {
    // Optional fields are `anyOf: [shape, null]`: the null branch and the anyOf summary repeat the real error.
    if (e.keyword === 'anyOf' || (e.keyword === 'type' && e.params.type === 'null')) continue;
    const missing = e.keyword === 'required' ? String(e.params.missingProperty) : undefined;
    const path = fieldPath(e.instancePath, missing);
    const message = missing !== undefined ? 'is required' : (e.message ?? e.keyword);
    out.set(`${path}\u0000${message}`, { path, message });
  }
  return [...out.values()];
}

/** What AWS's shape refuses in a change's DetailsDocument (references must be resolved first). */
export function detailsViolations(
  entityType: CatalogEntityType,
  changeType: string,
  details: unknown,
): ShapeViolation[] {
  const validate = validatorFor(entityType, changeType);
  return validate(details) ? [] : violations(validate.errors);
}

/** What AWS's DescribeEntity shape refuses in an entity's details (used to check the simulation's answers). */
export function entityDetailsViolations(entityType: CatalogEntityType, details: unknown): ShapeViolation[] {
  const validate = validatorFor(entityType, describeEntityShape);
  return validate(details) ? [] : violations(validate.errors);
}

/** A copy of `value` with every reference string replaced by what `resolve` gives for its change name. */
export function withReferencesResolved(value: unknown, resolve: (changeName: string) => string): unknown {
  if (typeof value === 'string') {
    const match = referencePattern.exec(value);
    return match ? resolve(match[1] as string) : value;
  }
  if (Array.isArray(value)) return value.map((item) => withReferencesResolved(item, resolve));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withReferencesResolved(item, resolve)]),
    );
  return value;
}
