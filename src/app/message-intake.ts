/**
 * The intake every command shares: a fedora-messaging message (from a file, a dump or the bus) becomes
 * a stored job, a stored skip, or a quarantined rejection. `publish` uses the pieces for its
 * all-or-nothing file semantics; `listen` and `replay` take one message at a time with intakeMessage.
 */
import { InputError } from '../core/errors.js';
import type { FedoraMessage } from '../intake/envelope.js';
import { imageKey, type ImageRequest } from '../core/model/image-request.js';
import { interpretMessage, type SkipSummary } from '../intake/intake.js';
import { listingPartition } from '../config/partitions.js';
import type { Job } from '../core/model/job.js';
import { findSourceImage, sourceImageProblem } from '../pipeline/stages/verify.js';
import { type SkippedView } from './job-view.js';
import { acceptRequest } from './jobs.js';
import type { Runtime } from './runtime.js';
import type { SeedImageSpec } from '../cloud/sim/index.js';

export type Say = (line: string) => void;

/** What became of one message. `seen`: its id was stored before (a redelivery), nothing was written. */
export type IntakeOutcome =
  | { kind: 'accepted' | 'duplicate'; job: Job }
  | { kind: 'skipped'; view: SkippedView }
  | { kind: 'rejected'; error: InputError }
  | { kind: 'seen' };

export interface IntakeOptions {
  /** Intake log source; also the origin recorded on the job. */
  source: 'file' | 'bus' | 'replay';
  /** Names the origin in job history and error messages (a file name; absent for the bus). */
  file?: string;
  includePrerelease?: boolean;
  say?: Say;
}

/**
 * Takes one message all the way to the store. Resolves only once its outcome is durably written, so a
 * bus consumer may ack afterwards; a store or cloud failure rejects (the caller requeues).
 */
export async function intakeMessage(
  runtime: Runtime,
  message: FedoraMessage,
  options: IntakeOptions,
): Promise<IntakeOutcome> {
  const say = options.say ?? (() => {});
  if (message.id !== undefined && (await runtime.store.hasMessage(message.id))) return { kind: 'seen' };
  const decision = interpretMessage(message, {
    config: runtime.config,
    origin: {
      kind: options.source === 'file' ? 'message' : options.source,
      ...(options.file ? { file: options.file } : {}),
    },
    includePrerelease: options.includePrerelease === true,
    now: runtime.clock.now(),
  });
  if (decision.kind === 'reject') {
    await quarantine(runtime, options.source, decision.error, messageExtra(message));
    return { kind: 'rejected', error: decision.error };
  }
  if (decision.kind === 'skip') {
    const view = skippedView(decision.reason, decision.summary, message);
    await recordSkip(runtime, options.source, view);
    return { kind: 'skipped', view };
  }
  const request = decision.request;
  // A known image needs no source check and no write transaction: only its intake record.
  const known = await runtime.store.findJobByKey(imageKey(request));
  if (known) {
    await runtime.store.recordIntake({
      at: runtime.clock.now(),
      source: options.source,
      outcome: 'duplicate',
      jobId: known.id,
      topic: message.topic,
      ...(message.id ? { messageId: message.id } : {}),
    });
    say(`job ${known.id}: already known (${known.state}); not created again`);
    return { kind: 'duplicate', job: known };
  }
  if (runtime.sim && runtime.config.cloud.sim.seedSourceImages) seedSources(runtime, [request], say);
  const problem = await sourceProblem(runtime, request);
  if (problem) {
    await quarantine(runtime, options.source, problem, messageExtra(message));
    return { kind: 'rejected', error: problem };
  }
  const { job, created } = await acceptRequest(runtime, request, options.source, say);
  return { kind: created ? 'accepted' : 'duplicate', job };
}

function messageExtra(message: FedoraMessage): { payload: string; messageId?: string; topic: string } {
  return {
    payload: JSON.stringify(message),
    topic: message.topic,
    ...(message.id ? { messageId: message.id } : {}),
  };
}

/** Stores a rejected input with its reason and raw payload (`status --quarantine` lists them). */
export async function quarantine(
  runtime: Pick<Runtime, 'store' | 'clock'>,
  source: string,
  error: InputError,
  extra: { payload: string; messageId?: string; topic?: string },
): Promise<void> {
  await runtime.store.recordIntake({
    at: runtime.clock.now(),
    source,
    outcome: 'rejected',
    reason: error.describe(),
    ...extra,
  });
}

export async function recordSkip(
  runtime: Pick<Runtime, 'store' | 'clock'>,
  source: string,
  view: SkippedView,
): Promise<void> {
  await runtime.store.recordIntake({
    at: runtime.clock.now(),
    source,
    outcome: 'skipped',
    reason: view.reason,
    topic: view.topic,
    ...(view.messageId ? { messageId: view.messageId } : {}),
  });
}

export function skippedView(reason: string, summary: SkipSummary, message: FedoraMessage): SkippedView {
  return {
    id: `skip:${message.id ?? summary.imageName ?? message.topic}`,
    state: 'skipped',
    reason,
    topic: message.topic,
    ...(message.id ? { messageId: message.id } : {}),
    ...(summary.release !== undefined ? { release: summary.release } : {}),
    ...(summary.arch ? { arch: summary.arch } : {}),
    ...(summary.subvariant ? { subvariant: summary.subvariant } : {}),
    ...(summary.composeId ? { composeId: summary.composeId } : {}),
    ...(summary.imageName ? { imageName: summary.imageName } : {}),
  };
}

/** Sandbox: Fedora's public images named by the messages are registered in the simulated cloud first. */
export function seedSources(runtime: Runtime, requests: ImageRequest[], say: Say): void {
  const sim = runtime.sim;
  if (!sim) return;
  for (const request of requests) {
    sim.seedImages(
      Object.entries(request.regions).map(([region, imageId]) =>
        sourceSpec({ region, imageId, name: request.imageName, arch: request.arch }),
      ),
    );
    say(
      `sandbox: seeded ${Object.keys(request.regions).length} Fedora-owned source image(s) (owner ${runtime.config.fedora.ownerAccount}) named ${request.imageName}`,
    );
  }
}

export function seedOne(
  runtime: Runtime,
  spec: { region: string; imageId: string; name: string; arch: ImageRequest['arch'] },
  say: Say,
): void {
  const seeded = runtime.sim?.seedImages([sourceSpec(spec)])[0];
  if (seeded?.created)
    say(`sandbox: seeded Fedora-owned source image ${spec.imageId} (${spec.name}) in ${spec.region}`);
}

/** Fedora's images boot in UEFI when the instance type supports it (uefi-preferred). */
function sourceSpec(spec: {
  region: string;
  imageId: string;
  name: string;
  arch: ImageRequest['arch'];
}): SeedImageSpec {
  return {
    region: spec.region,
    imageId: spec.imageId,
    name: spec.name,
    architecture: spec.arch,
    bootMode: 'uefi-preferred',
  };
}

/**
 * The source AMI must be Fedora's before any job exists: a message naming someone else's AMI is bad
 * input, refused with nothing stored but the rejection. Returns that rejection, if any.
 */
export async function sourceProblem(
  runtime: Runtime,
  request: ImageRequest,
): Promise<InputError | undefined> {
  const { partition } = listingPartition(runtime.config);
  const image = await findSourceImage(runtime.ctx, partition, request);
  const problem = sourceImageProblem(image, request, runtime.config.fedora.ownerAccount);
  return problem ? sourceError(runtime, request, problem, 'body.regions') : undefined;
}

/** The bad-input error for a source image that cannot be listed (`problem` says why). */
export function sourceError(
  runtime: Pick<Runtime, 'config'>,
  request: ImageRequest,
  problem: string,
  field: string,
): InputError {
  return new InputError(problem, {
    field,
    value: `${request.sourceRegion}: ${request.sourceAmi}`,
    rule: `the source image must be owned by ${runtime.config.fedora.ownerAccount} and match the request`,
    hint: 'only official images published by the Fedora account are listed; check fedora.ownerAccount',
  });
}
