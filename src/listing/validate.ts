/**
 * Marketplace Catalog API validation for AmiProduct@1.0 and Offer@1.0 change sets, done locally so that
 * a bad listing is reported with the field and the limit before anything is submitted. It must never
 * accept what AWS's published shapes refuse; where it is stricter, the README lists the rule
 * (test/listing/validate-differential.test.ts checks both).
 *
 * The limits and patterns come from AWS's published DetailsDocument shapes (see
 * shared/reference/marketplace-amiproduct-shapes.md); they are written as one declarative table per
 * change type, interpreted by `check` below. Where AWS's shape leaves a field free but its
 * documentation and reference change sets show one form (offer terms), the table asks for that form.
 */
import type { Change } from '../cloud/ports.js';
import { formatValue } from '../core/errors.js';

export interface ValidationIssue {
  /** Path inside the change, e.g. `DetailsDocument.Version.VersionTitle` or `Entity.Identifier`. */
  path: string;
  value?: unknown;
  /** The broken rule in words, e.g. `at most 64 characters (got 71)`. */
  rule: string;
}

export const amiProductEntityType = 'AmiProduct@1.0';
export const offerEntityType = 'Offer@1.0';
export type ListingEntityType = typeof amiProductEntityType | typeof offerEntityType;
export const maxChangesPerSet = 20;

// ---------------------------------------------------------------- the rule language

interface StringRule {
  kind: 'string';
  max?: number;
  /** Anchored pattern and the words that explain it. */
  pattern?: { re: RegExp; says: string };
}
interface IntRule {
  kind: 'int';
  min: number;
  max: number;
}
interface EnumRule {
  kind: 'enum';
  values: readonly string[];
}
interface ListRule {
  kind: 'list';
  min: number;
  max?: number;
  item: Rule;
}
interface Field {
  rule: Rule;
  required: boolean;
  /** Accepted by AWS's shape but no longer supported: reported when present. */
  deprecated?: string;
}
interface ObjectRule {
  kind: 'object';
  fields: Record<string, Field>;
  /** Rules that relate several fields of the object (reported on the named field). */
  refine?: (value: Record<string, unknown>) => Array<{ field: string; rule: string }>;
}
type Rule = StringRule | IntRule | EnumRule | ListRule | ObjectRule;

const str = (max?: number, pattern?: StringRule['pattern']): StringRule => ({ kind: 'string', max, pattern });
const int = (min: number, max: number): IntRule => ({ kind: 'int', min, max });
const oneOf = (...values: string[]): EnumRule => ({ kind: 'enum', values });
const list = (item: Rule, min: number, max?: number): ListRule => ({ kind: 'list', item, min, max });
const obj = (fields: Record<string, Field>, refine?: ObjectRule['refine']): ObjectRule => ({
  kind: 'object',
  fields,
  refine,
});
const req = (rule: Rule): Field => ({ rule, required: true });
const opt = (rule: Rule): Field => ({ rule, required: false });

// Patterns from the shapes, anchored; `says` is what a person reads when one does not match.
const nonBlank = { re: /^\S[\s\S]*$/, says: 'must start with a non-space character' };
const amiIdPattern = {
  re: /^ami-([a-zA-Z0-9]{8}|[a-zA-Z0-9]{17})$/,
  says: 'must be an AMI id (ami- and 8 or 17 characters)',
};
// AWS's shape accepts commercial-partition roles only: the Marketplace lives in the commercial partition.
const roleArnPattern = {
  re: /^arn:aws:iam::\d{12}:role\/[a-zA-Z_0-9+=,.@\-/]+$/,
  says: 'must be an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)',
};
const userNamePattern = {
  re: /^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/,
  says: 'must be a user name: a letter, then up to 31 letters, digits, _ or -',
};
const recommendedTypePattern = {
  re: /^[a-z]+[0-9]+[a-z]*\.[0-9]*[a-z]+$/,
  says: 'must be an instance type such as t3.small',
};
const instanceTypePattern = {
  re: /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/,
  says: 'must be an instance type such as t3.small',
};
const regionPattern = { re: /^[a-z]{2}(-[a-z]+)+-\d+$/, says: 'must be a region code such as us-east-1' };
const httpsUrlPattern = {
  re: /^https:\/\/(www\.)?[-a-zA-Z0-9@._]{1,256}\.[a-zA-Z0-9()]{2,63}\b([-a-zA-Z0-9@_+./]*)$/,
  says: 'must be an https:// URL',
};
const httpUrlPattern = {
  re: /^https?:\/\/(www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{2,63}\b([-a-zA-Z0-9()@:%_+.~#?&/=, ]*)$/,
  says: 'must be an http:// or https:// URL',
};
const uuidPattern = {
  re: /^[a-f0-9]{8}(-[a-f0-9]{4}){4}[a-f0-9]{8}$/,
  says: 'must be a delivery option id (a lower-case UUID)',
};
const cidrPattern = {
  re: /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/,
  says: 'must be a CIDR range such as 0.0.0.0/0',
};
const accountPattern = { re: /^\d{12}$/, says: 'must be a 12-digit AWS account id' };
const productIdPattern = {
  re: /^(prod-[a-zA-Z0-9]{13}|prod-[a-zA-Z0-9]{25}|[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/,
  says: 'must be a product id (prod- and 13 or 25 characters, or a UUID)',
};
const relativePathPattern = { re: /^(?!\/)\S[\s\S]*$/, says: 'must not start with / or a space' };
const referencePattern = /^\$([a-zA-Z]+)\.Entity\.Identifier$/;
// CreateOffer's ProductId: an id, or a reference to the CreateProduct of the same set.
const offerProductIdPattern = {
  re: new RegExp(`^[a-zA-Z0-9][.a-zA-Z0-9/-]+[a-zA-Z0-9]$|${referencePattern.source}`),
  says: 'must be a product id or $<ChangeName>.Entity.Identifier',
};
// AWS's shape leaves a document's Url free; the reference sets and Canonical's tool send https links.
const documentUrlPattern = {
  re: /^https:\/\/[^\s/?#]+\.[^\s/?#]+(\/\S*)?$/,
  says: 'must be an https:// URL',
};
const pricePattern = { re: /^\d{1,9}(\.\d{1,9})?$/, says: 'must be a decimal amount such as 0.00' };
const dimensionKeyPattern = { re: /^[A-Za-z0-9_.-]+$/, says: 'must be letters, digits, _ . or -' };

const port = int(1, 65535);

const securityGroup = obj(
  {
    IpProtocol: req(str(3, nonBlank)),
    FromPort: req(port),
    ToPort: req(port),
    IpRanges: req(list(str(undefined, cidrPattern), 1, 5)),
  },
  (sg) =>
    typeof sg.FromPort === 'number' && typeof sg.ToPort === 'number' && sg.FromPort > sg.ToPort
      ? [{ field: 'FromPort', rule: `must not exceed ToPort (${sg.ToPort})` }]
      : [],
);

const accessEndpointUrl = obj({
  Port: req(port),
  Protocol: req(str(5, nonBlank)),
  RelativePath: opt(str(2000, relativePathPattern)),
});

const amiSource = obj({
  AmiId: req(str(undefined, amiIdPattern)),
  AccessRoleArn: req(str(undefined, roleArnPattern)),
  UserName: req(str(32, userNamePattern)),
  ScanningPort: opt(port),
  OperatingSystemName: req(str(100, nonBlank)),
  OperatingSystemVersion: req(str(100, nonBlank)),
});

const instanceTypes = obj({ InstanceTypes: req(list(str(24, instanceTypePattern), 1, 1500)) });
const regions = obj({ Regions: req(list(str(undefined, regionPattern), 1, 100)) });
const dimensionTypes = list(oneOf('Entitled', 'Metered', 'ExternallyMetered'), 1, 3);

/** DetailsDocument rules per AmiProduct@1.0 change type. */
const amiProductRules: Record<string, Rule> = {
  CreateProduct: obj({ ProductTitle: opt(str(72, nonBlank)) }),
  UpdateInformation: obj({
    ProductTitle: opt(str(72, nonBlank)),
    ShortDescription: opt(str(1000, nonBlank)),
    LongDescription: opt(str(5000, nonBlank)),
    Sku: opt(str(5000, nonBlank)),
    LogoUrl: opt(str(undefined, httpsUrlPattern)),
    VideoUrls: opt(list(str(undefined, httpUrlPattern), 0, 1)),
    Highlights: opt(list(str(500), 1, 3)),
    AdditionalResources: opt(
      list(obj({ Text: req(str(500, nonBlank)), Url: req(str(undefined, httpUrlPattern)) }), 0, 3),
    ),
    SupportDescription: opt(str(2000, nonBlank)),
    Categories: opt(list(str(undefined, nonBlank), 1, 3)),
    AssociatedProducts: {
      rule: list(str(), 1, 10),
      required: false,
      deprecated: 'is deprecated: not supported for UpdateInformation',
    },
    SearchKeywords: opt(list(str(50, nonBlank), 1, 15)),
  }),
  AddRegions: regions,
  RestrictRegions: regions,
  UpdateFutureRegionSupport: obj({
    FutureRegionSupport: req(obj({ SupportedRegions: req(list(oneOf('All', 'US', 'None'), 1, 1)) })),
  }),
  AddInstanceTypes: instanceTypes,
  RestrictInstanceTypes: instanceTypes,
  AddDeliveryOptions: obj({
    Version: req(obj({ VersionTitle: req(str(64, nonBlank)), ReleaseNotes: req(str(30000, nonBlank)) })),
    DeliveryOptions: req(
      list(
        obj({
          Details: req(
            obj({
              AmiDeliveryOptionDetails: req(
                obj({
                  AmiSource: req(amiSource),
                  UsageInstructions: req(str(4000, nonBlank)),
                  AccessEndpointUrl: opt(accessEndpointUrl),
                  RecommendedInstanceType: req(str(undefined, recommendedTypePattern)),
                  SecurityGroups: req(list(securityGroup, 1, 25)),
                }),
              ),
            }),
          ),
        }),
        1,
        1,
      ),
    ),
  }),
  UpdateDeliveryOptions: obj({
    Version: opt(obj({ ReleaseNotes: req(str(30000, nonBlank)) })),
    DeliveryOptions: opt(
      list(
        obj({
          Id: req(str(36, uuidPattern)),
          Details: opt(
            obj({
              AmiDeliveryOptionDetails: req(
                obj({
                  UsageInstructions: opt(str(4000, nonBlank)),
                  AccessEndpointUrl: opt(accessEndpointUrl),
                  RecommendedInstanceType: opt(
                    str(undefined, { re: /^\S{1,24}$/, says: 'must be 1-24 non-space characters' }),
                  ),
                  SecurityGroups: opt(list(securityGroup, 1, 25)),
                }),
              ),
            }),
          ),
        }),
        1,
        1,
      ),
    ),
  }),
  RestrictDeliveryOptions: obj({ DeliveryOptionIds: req(list(str(36, uuidPattern), 1, 50)) }),
  UpdateVisibility: obj({
    TargetVisibility: req(oneOf('Public', 'Restricted', 'Limited')),
    ReplacementProductId: opt(str(undefined, productIdPattern)),
  }),
  UpdateTargeting: obj({
    PositiveTargeting: req(obj({ BuyerAccounts: req(list(str(undefined, accountPattern), 0, 100)) })),
  }),
  ReleaseProduct: obj({}),
  // The dimension change types take a JSON array as their DetailsDocument.
  AddDimensions: list(
    obj({
      Name: req(str(500, nonBlank)),
      Description: req(str(1000, nonBlank)),
      Key: req(str(100, dimensionKeyPattern)),
      Unit: req(str(20, nonBlank)),
      Types: req(dimensionTypes),
    }),
    1,
  ),
  RestrictDimensions: list(obj({ Key: req(str(100, dimensionKeyPattern)), Types: req(dimensionTypes) }), 1),
};

const rateCard = obj({
  RateCard: req(
    list(
      obj({ DimensionKey: req(str(100, dimensionKeyPattern)), Price: req(str(undefined, pricePattern)) }),
      1,
    ),
  ),
});

/** One term per change, of the one type each UpdateXxxTerms change manages (as AWS's examples show). */
const term = (type: string, fields: Record<string, Field>, refine?: ObjectRule['refine']) =>
  obj({ Type: req(oneOf(type)), ...fields }, refine);

const eulaDocument = obj(
  {
    Type: req(oneOf('CustomEula', 'StandardEula')),
    Url: opt(str(undefined, documentUrlPattern)),
    Version: opt(str(undefined, nonBlank)),
  },
  (d) =>
    d.Type === 'CustomEula' && d.Url === undefined
      ? [{ field: 'Url', rule: 'is required for a CustomEula' }]
      : d.Type === 'StandardEula' && d.Version === undefined
        ? [{ field: 'Version', rule: 'is required for a StandardEula (e.g. 2022-07-14)' }]
        : [],
);

/** DetailsDocument rules per Offer@1.0 change type (those of a public offer of an AMI product). */
const offerRules: Record<string, Rule> = {
  CreateOffer: obj({
    ProductId: req(str(50, offerProductIdPattern)),
    Name: opt(str(150, nonBlank)),
  }),
  UpdateInformation: obj({ Name: opt(str(150, nonBlank)), Description: opt(str(255, nonBlank)) }),
  UpdatePricingTerms: obj(
    {
      PricingModel: req(oneOf('Byol', 'Free', 'Usage', 'Contract')),
      Terms: req(
        list(
          term('UsageBasedPricingTerm', {
            CurrencyCode: req(oneOf('USD')),
            RateCards: req(list(rateCard, 1, 1)),
          }),
          1,
          1,
        ),
      ),
    },
    (d) =>
      d.PricingModel !== 'Usage'
        ? [{ field: 'PricingModel', rule: 'must be Usage: an AMI product is priced per instance-hour' }]
        : [],
  ),
  UpdateLegalTerms: obj({
    Terms: req(list(term('LegalTerm', { Documents: req(list(eulaDocument, 1)) }), 1, 1)),
  }),
  UpdateSupportTerms: obj({
    Terms: req(list(term('SupportTerm', { RefundPolicy: req(str(undefined, nonBlank)) }), 1, 1)),
  }),
  ReleaseOffer: obj({}),
};

const detailsRules: Record<ListingEntityType, Record<string, Rule>> = {
  [amiProductEntityType]: amiProductRules,
  [offerEntityType]: offerRules,
};

/** The change types this module knows, per entity type. */
export const amiProductChangeTypes: readonly string[] = Object.keys(amiProductRules);
export const offerChangeTypes: readonly string[] = Object.keys(offerRules);

// ---------------------------------------------------------------- the interpreter

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(rule: Rule, value: unknown, path: string, out: ValidationIssue[]): void {
  switch (rule.kind) {
    case 'string': {
      if (typeof value !== 'string') {
        out.push({ path, value, rule: `must be a string (got ${describeType(value)})` });
        return;
      }
      if (rule.max !== undefined && value.length > rule.max)
        out.push({ path, value, rule: `at most ${rule.max} characters (got ${value.length})` });
      if (rule.pattern && !rule.pattern.re.test(value)) out.push({ path, value, rule: rule.pattern.says });
      return;
    }
    case 'int': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        out.push({ path, value, rule: `must be an integer (got ${describeType(value)})` });
        return;
      }
      if (value < rule.min || value > rule.max)
        out.push({ path, value, rule: `must be between ${rule.min} and ${rule.max} (got ${value})` });
      return;
    }
    case 'enum': {
      if (typeof value !== 'string' || !rule.values.includes(value))
        out.push({ path, value, rule: `must be one of ${rule.values.join(', ')}` });
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        out.push({ path, value, rule: `must be a list (got ${describeType(value)})` });
        return;
      }
      if (value.length < rule.min)
        out.push({
          path,
          rule: `at least ${rule.min} item${rule.min === 1 ? '' : 's'} (got ${value.length})`,
        });
      if (rule.max !== undefined && value.length > rule.max)
        out.push({
          path,
          rule:
            rule.max === rule.min
              ? `exactly ${rule.max} item${rule.max === 1 ? '' : 's'} (got ${value.length})`
              : `at most ${rule.max} items (got ${value.length})`,
        });
      value.forEach((item, i) => check(rule.item, item, `${path}[${i}]`, out));
      return;
    }
    case 'object': {
      if (!isRecord(value)) {
        out.push({ path, value, rule: `must be an object (got ${describeType(value)})` });
        return;
      }
      for (const [name, field] of Object.entries(rule.fields)) {
        const fieldPath = `${path}.${name}`;
        const fieldValue = value[name];
        if (fieldValue === undefined || fieldValue === null) {
          if (field.required) out.push({ path: fieldPath, rule: 'is required' });
          continue;
        }
        if (field.deprecated) out.push({ path: fieldPath, value: fieldValue, rule: field.deprecated });
        check(field.rule, fieldValue, fieldPath, out);
      }
      for (const key of Object.keys(value))
        if (!(key in rule.fields))
          out.push({
            path: `${path}.${key}`,
            value: value[key],
            rule: `unknown field (allowed: ${Object.keys(rule.fields).join(', ') || 'none'})`,
          });
      for (const issue of rule.refine?.(value) ?? [])
        out.push({ path: `${path}.${issue.field}`, value: value[issue.field], rule: issue.rule });
      return;
    }
  }
}

const identifierPattern = /^[\w\-@]+$/;

const creatingChangeTypes = ['CreateProduct', 'CreateOffer'];

function isListingEntityType(type: string | undefined): type is ListingEntityType {
  return type === amiProductEntityType || type === offerEntityType;
}

/** Every problem with one change: its envelope (type, entity, name) and its DetailsDocument. */
export function validateChange(change: Change): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const entityType = change.Entity?.Type;
  const rules = isListingEntityType(entityType) ? detailsRules[entityType] : undefined;
  const rule = rules?.[change.ChangeType];
  if (!rules)
    out.push({
      path: 'Entity.Type',
      value: entityType,
      rule: `must be ${amiProductEntityType} or ${offerEntityType}`,
    });
  else if (!rule)
    out.push({
      path: 'ChangeType',
      value: change.ChangeType,
      rule: `must be an ${entityType} change type (${Object.keys(rules).join(', ')})`,
    });
  const id = change.Entity?.Identifier;
  if (creatingChangeTypes.includes(change.ChangeType)) {
    if (id !== undefined)
      out.push({
        path: 'Entity.Identifier',
        value: id,
        rule: `must be absent: ${change.ChangeType} creates the entity`,
      });
  } else if (id === undefined || id === '') {
    out.push({
      path: 'Entity.Identifier',
      rule: 'is required (a product id or $<ChangeName>.Entity.Identifier)',
    });
  } else if (id.length > 255 || !(identifierPattern.test(id) || referencePattern.test(id))) {
    out.push({
      path: 'Entity.Identifier',
      value: id,
      rule: 'must be an entity id (at most 255 letters, digits, _ - @) or $<ChangeName>.Entity.Identifier',
    });
  }
  if (change.ChangeName !== undefined && !/^[a-zA-Z]{1,72}$/.test(change.ChangeName))
    out.push({ path: 'ChangeName', value: change.ChangeName, rule: 'must be 1-72 letters' });
  if (rule) check(rule, change.DetailsDocument, 'DetailsDocument', out);
  return out;
}

/** The entity references of a change: its identifier, and the product a CreateOffer names. */
function referencesOf(change: Change): Array<{ path: string; value: string }> {
  const refs: Array<{ path: string; value: string }> = [];
  const id = change.Entity?.Identifier;
  if (id !== undefined) refs.push({ path: 'Entity.Identifier', value: id });
  const productId = (change.DetailsDocument as { ProductId?: unknown } | null)?.ProductId;
  if (change.ChangeType === 'CreateOffer' && typeof productId === 'string')
    refs.push({ path: 'DetailsDocument.ProductId', value: productId });
  return refs;
}

/** `Intent: VALIDATE` is offered for adding versions only ("AddDeliveryOptions" on an AMI product). */
export function isValidatable(changes: Change[]): boolean {
  return (
    changes.length > 0 &&
    changes.every((c) => c.ChangeType === 'AddDeliveryOptions' && c.Entity?.Type === amiProductEntityType)
  );
}

/**
 * Every problem with a whole change set: its size, each change (paths prefixed `ChangeSet[i].`),
 * a change type repeated on one entity, references to changes that do not come earlier, and an
 * intent AWS does not offer for these change types.
 */
export function validateChangeSet(
  changes: Change[],
  intent: 'VALIDATE' | 'APPLY' = 'APPLY',
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  if (changes.length < 1 || changes.length > maxChangesPerSet)
    out.push({
      path: 'ChangeSet',
      rule: `must hold 1 to ${maxChangesPerSet} changes (got ${changes.length})`,
    });
  if (intent === 'VALIDATE' && !isValidatable(changes))
    out.push({
      path: 'Intent',
      value: intent,
      rule: `AWS offers VALIDATE only for change sets that add versions (AddDeliveryOptions) and nothing else; this one has ${[...new Set(changes.map((c) => c.ChangeType))].join(', ')}`,
    });
  const names = new Set<string>();
  const seen = new Map<string, number>();
  changes.forEach((change, i) => {
    const prefix = `ChangeSet[${i}]`;
    for (const issue of validateChange(change)) out.push({ ...issue, path: `${prefix}.${issue.path}` });
    const id = change.Entity?.Identifier;
    for (const reference of referencesOf(change)) {
      const ref = referencePattern.exec(reference.value);
      if (ref && !names.has(ref[1] as string))
        out.push({
          path: `${prefix}.${reference.path}`,
          value: reference.value,
          rule: `must reference the ChangeName of an earlier change (no earlier change is named ${ref[1]})`,
        });
    }
    if (id !== undefined) {
      const key = `${id}\u0000${change.ChangeType}`;
      const first = seen.get(key);
      if (first !== undefined)
        out.push({
          path: `${prefix}.ChangeType`,
          value: change.ChangeType,
          rule: `must not repeat a change type on one entity (ChangeSet[${first}] already has ${change.ChangeType} on ${id})`,
        });
      else seen.set(key, i);
    }
    if (change.ChangeName !== undefined) {
      if (names.has(change.ChangeName))
        out.push({
          path: `${prefix}.ChangeName`,
          value: change.ChangeName,
          rule: 'must be unique within the change set',
        });
      names.add(change.ChangeName);
    }
  });
  return out;
}

/** One line per issue, for error messages and CLI output. */
export function formatIssues(issues: ValidationIssue[]): string {
  return issues
    .map((i) => `${i.path}: ${i.rule}${i.value !== undefined ? ` (value ${formatValue(i.value)})` : ''}`)
    .join('\n');
}
