/**
 * One fedora-messaging message in, one decision out: an ImageRequest to list, a skip with its reason,
 * or a rejection (the message breaks its schema). Pure: no I/O, the time comes from `ctx.now`.
 */
import type { Config } from '../config/schema.js';
import { toAwsArch } from '../core/arch.js';
import { InputError } from '../core/errors.js';
import { parseAwsPublished, type AwsPublishedBody } from './aws-published.js';
import { deriveFields, type DerivedFields } from './derive.js';
import type { FedoraMessage } from './envelope.js';
import type { ImageRequest, RequestOrigin } from '../core/model/image-request.js';
import {
  classifyTopic,
  endOfLifeSkipReason,
  prereleaseSkipReason,
  streamSkipReason,
  subvariantSkipReason,
} from './policy.js';

export type SkipSummary = Partial<ImageRequest> & { topic: string };

export type IntakeDecision =
  | { kind: 'accept'; request: ImageRequest }
  | { kind: 'skip'; reason: string; summary: SkipSummary }
  | { kind: 'reject'; error: InputError };

export interface IntakeContext {
  config: Config;
  origin: RequestOrigin;
  includePrerelease?: boolean;
  now?: Date;
}

export function interpretMessage(msg: FedoraMessage, ctx: IntakeContext): IntakeDecision {
  try {
    return decide(msg, ctx);
  } catch (error) {
    if (error instanceof InputError) return { kind: 'reject', error };
    throw error;
  }
}

function decide(msg: FedoraMessage, ctx: IntakeContext): IntakeDecision {
  // Built field by field, not spread: this runs for every announcement on the bus, and an object made
  // by a spread and then extended took V8's slow path (about 2% of the intake's CPU).
  const origin: RequestOrigin = { kind: ctx.origin.kind };
  if (ctx.origin.file !== undefined) origin.file = ctx.origin.file;
  origin.topic = msg.topic;
  const messageId = msg.id ?? ctx.origin.messageId;
  if (messageId !== undefined) origin.messageId = messageId;
  const where = describeMessage(msg, origin);
  const topicPrefix = ctx.config.policy.topicPrefix;
  const topicClass = classifyTopic(msg.topic, msg.headers, topicPrefix);
  if (topicClass.kind === 'other') return skip(topicClass.reason, { topic: msg.topic, origin });
  if (topicClass.kind === 'foreign') {
    throw new InputError(`${where}: an announcement of another environment (${topicClass.prefix})`, {
      field: 'topic',
      value: msg.topic,
      rule: `must start with ${topicPrefix}. (policy.topicPrefix): another environment's images are never listed here`,
      hint: `consume from the broker and routing keys of ${topicPrefix}, or set policy.topicPrefix for a configuration of that environment`,
    });
  }

  const body = parseAwsPublished(msg.body, where);
  const facts = deriveFields(body, msg.topic);
  const summary: SkipSummary = {
    topic: msg.topic,
    composeId: body.compose_id,
    imageName: body.image_name,
    label: facts.label,
    derived: facts.derived,
    origin,
  };
  if (facts.release !== undefined) summary.release = facts.release;
  if (facts.subvariant !== undefined) summary.subvariant = facts.subvariant;

  checkConsistency(body, facts, where);
  const arch =
    body.architecture === 'x86_64' || body.architecture === 'aarch64'
      ? toAwsArch(body.architecture)
      : undefined;
  if (!arch) {
    return skip(
      `architecture ${body.architecture}: only x86_64 and aarch64 images are listed in AWS`,
      summary,
    );
  }
  summary.arch = arch;

  const streamReason = streamSkipReason(facts, body.compose_id, body.image_name);
  if (streamReason) return skip(streamReason, summary);

  const release = facts.release;
  if (release === undefined) {
    throw new InputError(`${where}: the release is missing and cannot be derived`, {
      field: 'body.release',
      rule: 'must be an integer, or derivable from the topic suffix, the compose id or the image name',
      hint: 'add "release" to the body (e.g. 41)',
    });
  }
  checkRelease(release, body, facts, where);

  const prerelease = facts.image?.prerelease ?? false;
  const prereleasesListed = ctx.includePrerelease === true || ctx.config.policy.prereleases === 'own-product';
  if (prerelease && !prereleasesListed) return skip(prereleaseSkipReason(body.image_name), summary);

  const subvariant = facts.subvariant;
  if (subvariant === undefined) {
    throw new InputError(`${where}: the subvariant is missing and cannot be derived`, {
      field: 'body.subvariant',
      rule: 'must be a string, or derivable from the topic suffix or the image name',
      hint: 'add "subvariant" to the body (e.g. Cloud_Base)',
    });
  }
  const subvariantReason = subvariantSkipReason(subvariant, ctx.config);
  if (subvariantReason) return skip(subvariantReason, summary);

  const eolReason = endOfLifeSkipReason(release, ctx.config, ctx.now ?? new Date());
  if (eolReason) return skip(eolReason, summary);

  const preferred = ctx.config.fedora.sourceRegion;
  const sourceRegion =
    body.regions[preferred] !== undefined ? preferred : (Object.keys(body.regions).sort()[0] as string);
  return {
    kind: 'accept',
    request: {
      release,
      arch,
      subvariant,
      composeId: body.compose_id,
      imageName: body.image_name,
      label: facts.label,
      sourceAmi: body.regions[sourceRegion] as string,
      sourceRegion,
      regions: { ...body.regions },
      prerelease,
      derived: facts.derived,
      origin,
    },
  };
}

function skip(reason: string, summary: SkipSummary): IntakeDecision {
  return { kind: 'skip', reason, summary };
}

function describeMessage(msg: FedoraMessage, origin: RequestOrigin): string {
  const parts = [
    origin.file,
    msg.line !== undefined ? `line ${msg.line}` : undefined,
    msg.id ? `message ${msg.id}` : undefined,
  ];
  const text = parts.filter((p) => p !== undefined).join(' ');
  return text || `message on ${msg.topic}`;
}

/**
 * The names an announcement carries (topic suffix, compose id, image name) must agree with its body:
 * an inconsistent message says two things, and listing either would be a guess.
 */
function checkConsistency(body: AwsPublishedBody, facts: DerivedFields, where: string): void {
  const byName = `the image name ${body.image_name}`;
  const arch = toAwsArch(body.architecture);
  agree(where, 'body.architecture', body.architecture, (claim) => toAwsArch(claim) === arch, [
    [facts.image?.arch, byName],
    [facts.topic.arch, 'the topic suffix'],
  ]);
  if (body.subvariant === undefined) return;
  const subvariant = body.subvariant;
  agree(where, 'body.subvariant', subvariant, (claim) => claim === subvariant, [
    [facts.image?.subvariant, byName],
    [facts.topic.subvariant, 'the topic suffix'],
  ]);
}

/** The release, given or derived, against every other name that states a numbered one. */
function checkRelease(release: number, body: AwsPublishedBody, facts: DerivedFields, where: string): void {
  const numbered = (v: string | number | undefined) =>
    v !== undefined && /^\d+$/.test(String(v)) ? String(v) : undefined;
  agree(where, 'body.release', release, (claim) => Number(claim) === release, [
    [numbered(facts.image?.version), `the image name ${body.image_name}`],
    [numbered(facts.compose.version), `the compose id ${body.compose_id}`],
    [numbered(facts.topic.release), 'the topic suffix'],
  ]);
}

/** Throws the contradiction of the first name in `stated` whose claim does not match `value`. */
function agree(
  where: string,
  field: string,
  value: unknown,
  matches: (claim: string) => boolean,
  stated: Array<[string | undefined, string]>,
): void {
  for (const [claim, source] of stated) {
    if (claim !== undefined && !matches(claim))
      throw contradiction(where, field, value, `${source} says ${claim}`);
  }
}

function contradiction(where: string, field: string, value: unknown, evidence: string): InputError {
  return new InputError(`${where}: ${field} contradicts the announcement's names`, {
    field,
    value,
    rule: `must agree with the topic suffix, the compose id and the image name (${evidence})`,
    hint: 'the announcement is inconsistent; report it to the Fedora Cloud SIG rather than listing it',
  });
}
