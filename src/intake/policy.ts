/**
 * Which announcements are official images to list. Everything else is skipped with a reason a person
 * can read in the job record: Rawhide, ELN, nightly/test/CI composes, prereleases (unless admitted),
 * unconfigured subvariants, end-of-life releases, other clouds and unrelated topics.
 */
import type { Config } from '../config/schema.js';
import { awsPublishedTopic, publishedTopicOf } from './aws-published.js';
import type { DerivedFields } from './derive.js';

export type TopicClass =
  | { kind: 'aws' }
  | { kind: 'other'; reason: string }
  /** An AWS announcement of another environment (staging in production): bad input, never listed. */
  | { kind: 'foreign'; prefix: string };

const fedoraEnvironment = /^org\.fedoraproject\.[a-z0-9_-]+\./;
const otherClouds = ['azure', 'gcp', 'container'].map((cloud) => ({
  cloud,
  schema: publishedTopicOf(cloud),
}));

/**
 * Accepts topics under `topicPrefix` (policy.topicPrefix) and unprefixed ones (a bare body published
 * with --topic). An AWS announcement under another Fedora environment's prefix is `foreign`.
 */
export function classifyTopic(
  topic: string,
  headers: Record<string, unknown>,
  topicPrefix: string,
): TopicClass {
  const schema = headers.fedora_messaging_schema;
  for (const { cloud, schema: other } of otherClouds) {
    if (schema === other) {
      return {
        kind: 'other',
        reason: `${cloud} image announcement (schema ${schema}): only AWS images are listed`,
      };
    }
  }
  const own = topic.startsWith(`${topicPrefix}.`);
  const foreignPrefix = own ? undefined : fedoraEnvironment.exec(topic)?.[0];
  const bare = own ? topic.slice(topicPrefix.length + 1) : topic.slice(foreignPrefix?.length ?? 0);
  if (bare === awsPublishedTopic || bare.startsWith(`${awsPublishedTopic}.`)) {
    return foreignPrefix ? { kind: 'foreign', prefix: foreignPrefix.slice(0, -1) } : { kind: 'aws' };
  }
  for (const { cloud, schema: prefix } of otherClouds) {
    if (bare === prefix || bare.startsWith(`${prefix}.`)) {
      return {
        kind: 'other',
        reason: `${cloud} image announcement (topic ${topic}): only AWS images are listed`,
      };
    }
  }
  return { kind: 'other', reason: `unrelated topic ${topic}: not a fedora_image_uploader AWS announcement` };
}

/** Why a stream that is not a released Fedora is skipped, or undefined for an official compose. */
export function streamSkipReason(
  facts: DerivedFields,
  composeId: string,
  imageName: string,
): string | undefined {
  const { compose, image, topic } = facts;
  const isRawhide =
    compose.version.toLowerCase() === 'rawhide' ||
    image?.version.toLowerCase() === 'rawhide' ||
    topic.channel === 'rawhide';
  if (isRawhide)
    return `Rawhide image (${imageName}, compose ${composeId}): development stream, not an official release`;
  const isEln =
    compose.version.toLowerCase() === 'eln' ||
    /(^|-)eln($|-)/i.test(compose.short) ||
    image?.version.toLowerCase() === 'eln' ||
    topic.channel === 'eln';
  if (isEln)
    return `ELN image (${imageName}, compose ${composeId}): Enterprise Linux Next is not a Fedora release`;
  if (compose.suffix !== 'production') {
    return `${compose.suffix} compose ${composeId}: only production composes are official images`;
  }
  if (topic.channel === 'nightly') return `nightly image (topic channel nightly): not an official image`;
  return undefined;
}

export function prereleaseSkipReason(imageName: string): string {
  return `prerelease image ${imageName} (Beta/RC candidate): not listed unless --include-prerelease or policy.prereleases is own-product`;
}

export function subvariantSkipReason(subvariant: string, config: Config): string | undefined {
  if (!config.policy.subvariants.includes(subvariant)) {
    return `subvariant ${subvariant} is not in policy.subvariants (${config.policy.subvariants.join(', ')})`;
  }
  if (!config.products[subvariant]) {
    return `subvariant ${subvariant} has no products.${subvariant} entry in the configuration`;
  }
  return undefined;
}

/** End-of-life dates are calendar days (UTC): a release is past it from the following day on. */
export function endOfLifeSkipReason(release: number, config: Config, now: Date): string | undefined {
  const eol = config.policy.endOfLife[String(release)];
  if (eol === undefined) return undefined;
  const today = now.toISOString().slice(0, 10);
  return today > eol ? `Fedora ${release} reached end of life on ${eol} (policy.endOfLife)` : undefined;
}
