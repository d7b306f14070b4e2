/**
 * The body of `fedora_image_uploader.published.v1.aws`: one image, published to many regions.
 * `release` and `subvariant` became required later; older messages lack them (derive.ts fills them in).
 * Extra keys are allowed so that a newer minor version of the schema does not stop intake.
 */
import { z } from 'zod';
import { InputError } from '../core/errors.js';

/** fedora-image-uploader's schema (and topic stem) for the images it published to one cloud. */
export const publishedTopicOf = (cloud: string) => `fedora_image_uploader.published.v1.${cloud}`;

export const awsPublishedTopic = publishedTopicOf('aws');

const amiId = z
  .string()
  .regex(/^ami-[0-9a-f]{8,17}$/, 'must be an AMI id: ami- followed by 8 to 17 hex digits');
const regionCode = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/, 'region keys must be AWS region codes such as us-east-1');

/** A required name: blank text names nothing. */
const name = z
  .string({ error: 'is required and must be a string' })
  .refine((s) => s.trim() !== '', 'must not be empty or blank');

export const awsPublishedSchema = z.looseObject({
  architecture: name,
  compose_id: name,
  image_name: name,
  regions: z
    .record(regionCode, amiId, { error: 'is required and must be an object of region -> AMI id' })
    .refine((r) => Object.keys(r).length > 0, 'must name at least one region'),
  release: z
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .positive('must be positive')
    .optional(),
  subvariant: z
    .string({ error: 'must be a string' })
    .refine((s) => s.trim() !== '', 'must not be empty or blank')
    .optional(),
});

export type AwsPublishedBody = z.infer<typeof awsPublishedSchema>;

/** Validates a body; the error names the field (`body.regions.us-east-1`), the value and the rule. */
export function parseAwsPublished(body: unknown, where = 'message'): AwsPublishedBody {
  const result = awsPublishedSchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).map(String);
  const field = ['body', ...path].join('.');
  if (issue?.code === 'invalid_key') {
    // zod reports a bad record key at the key's path; the offending value is the key itself.
    const rule = issue.issues[0]?.message ?? issue.message;
    return throwInvalid(where, field, path.at(-1), rule);
  }
  const value = valueAt(body, path);
  return throwInvalid(where, field, value, issue?.message ?? 'invalid');
}

function throwInvalid(where: string, field: string, value: unknown, rule: string): never {
  throw new InputError(`${where}: invalid ${awsPublishedTopic} body`, {
    field,
    ...(value !== undefined ? { value } : {}),
    rule,
    hint: 'the body must follow the fedora_image_uploader.published.v1.aws schema (architecture, compose_id, image_name, regions, release, subvariant)',
  });
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let cur: unknown = input;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}
