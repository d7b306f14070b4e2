/**
 * The one place that decides what becomes of input, whatever brought it (a message file, a dump line, a
 * bus delivery): a stored job, a stored skip, or a rejection kept once in the quarantine. Bad input of
 * every kind (unreadable, too large or deep, not UTF-8, another environment's topic, inconsistent, a
 * source AMI that does not exist or is not Fedora's) is a rejection. AWS being unreachable or throttling
 * is the only thing retried, up to pipeline.retry.maxAttempts; after that the input is quarantined too,
 * so it is never lost.
 */
import { backoffDelay } from '../core/backoff.js';
import { CloudError, InputError, type AppError } from '../core/errors.js';
import { describeWhere } from '../intake/raw-json.js';
import type { Arrival, FedoraMessage, RawInput } from '../intake/envelope.js';
import { imageKey, type ImageRequest, type RequestOrigin } from '../core/model/image-request.js';
import { interpretMessage, type SkipSummary } from '../intake/intake.js';
import { listingPartition } from '../config/partitions.js';
import type { Config } from '../config/schema.js';
import type { Job } from '../core/model/job.js';
import { findSourceImage, sourceImageProblem } from '../pipeline/stages/verify.js';
import { type SkippedView } from './job-view.js';
import { acceptRequest } from './jobs.js';
import type { Runtime } from './runtime.js';
import { becameJob, type IntakeRecord } from '../store/store.js';
import type { SeedImageSpec } from '../cloud/sim/index.js';

export type Say = (line: string) => void;

/**
 * What became of one arrival. `seen`: it was taken in before (a redelivery), nothing was written.
 * `deferred`: AWS could not be asked now; nothing was written, take it in again after `retryDelayMs`.
 */
export type IntakeOutcome =
  | { kind: 'accepted' | 'duplicate'; job: Job }
  | { kind: 'skipped'; view: SkippedView }
  | { kind: 'rejected'; error: AppError }
  | { kind: 'deferred'; error: CloudError }
  | { kind: 'seen' };

/** What intake decided about one arrival, before anything is written (publish decides all, then writes). */
export type Verdict =
  | { kind: 'accept'; request: ImageRequest }
  | { kind: 'duplicate'; job: Job; message: FedoraMessage }
  | { kind: 'skip'; view: SkippedView }
  | { kind: 'reject'; error: AppError }
  | { kind: 'defer'; error: CloudError }
  | { kind: 'seen' };

export interface IntakeOptions {
  /** Intake log source; also the origin recorded on the job. */
  source: 'file' | 'bus' | 'replay';
  includePrerelease?: boolean;
  say?: Say;
  /** Which attempt at this arrival this is (1 = first); AWS failures are retried up to the bound. */
  attempt?: number;
  /**
   * False when the transport vouches that this input was never delivered before (AMQP's redelivered
   * flag is clear): the intake log is not searched for its id. A message published twice under one id
   * is then judged twice; the store still makes one job of one image and quarantines an id once.
   */
  redelivered?: boolean;
}

/** Decides about one arrival and writes the decision; resolves once it is durable (a bus may ack then). */
export async function intakeArrival(
  runtime: Runtime,
  arrival: Arrival,
  options: IntakeOptions,
): Promise<IntakeOutcome> {
  const verdict = await judgeArrival(runtime, arrival, options);
  if (verdict.kind === 'defer') return { kind: 'deferred', error: verdict.error };
  return recordVerdict(runtime, arrival, verdict, options);
}

/** A verdict that decides (AWS answered): what publish collects before writing anything. */
export type Decided = Exclude<Verdict, { kind: 'defer' }>;
type Recorded = Exclude<IntakeOutcome, { kind: 'deferred' }>;

/**
 * intakeArrival for a command line: an AWS failure is tried again after a backoff on the runtime's
 * clock (virtual in the sandbox) until AWS answers or the bound quarantines the input.
 */
export async function intakeWithRetries(
  runtime: Runtime,
  arrival: Arrival,
  options: IntakeOptions,
): Promise<Recorded> {
  return recordVerdict(runtime, arrival, await judgeWithRetries(runtime, arrival, options), options);
}

/** judgeArrival until it decides: an AWS failure is tried again after a backoff on the runtime's clock. */
export async function judgeWithRetries(
  runtime: Runtime,
  arrival: Arrival,
  options: IntakeOptions,
): Promise<Decided> {
  for (let attempt = 1; ; attempt++) {
    const verdict = await judgeArrival(runtime, arrival, { ...options, attempt });
    if (verdict.kind !== 'defer') return verdict;
    await runtime.clock.sleep(intakeRetryDelayMs(runtime.config, attempt));
  }
}

/** How long to wait before the next attempt at an input whose AWS check failed (pipeline.retry). */
export function intakeRetryDelayMs(config: Config, attempt: number): number {
  const { baseDelaySeconds, maxDelaySeconds } = config.pipeline.retry;
  return backoffDelay(attempt, { baseMs: baseDelaySeconds * 1000, maxMs: maxDelaySeconds * 1000 });
}

export async function judgeArrival(
  runtime: Runtime,
  arrival: Arrival,
  options: IntakeOptions,
): Promise<Verdict> {
  if (arrival.kind === 'unreadable') return { kind: 'reject', error: arrival.error };
  const { message, raw } = arrival;
  // A message file is published on purpose: publishing it again shows its job instead of "seen".
  const redelivery = options.source !== 'file' && message.id !== undefined && options.redelivered !== false;
  // One look at the intake log answers both "taken in before" and "its skip is recorded".
  const recorded = redelivery
    ? (await runtime.store.intakeOutcomes([message.id as string])).get(message.id as string)
    : undefined;
  if (becameJob(recorded)) return { kind: 'seen' };
  const origin: RequestOrigin = { kind: options.source === 'file' ? 'message' : options.source };
  if (raw.where.file) origin.file = raw.where.file;
  const decision = interpretMessage(message, {
    config: runtime.config,
    origin,
    includePrerelease: options.includePrerelease === true,
    now: runtime.clock.now(),
  });
  if (decision.kind === 'reject') return { kind: 'reject', error: decision.error };
  if (decision.kind === 'skip') {
    // A skip is decided again each time (policy may have changed), but recorded once per message (a
    // redelivery finds it among the latest records: sql-job-store's recentSkips).
    if (recorded?.has('skipped')) return { kind: 'seen' };
    return { kind: 'skip', view: skippedView(decision.reason, decision.summary, message) };
  }
  const request = decision.request;
  // A known image needs no source check: only its intake record.
  const known = await runtime.store.findJobByKey(imageKey(request));
  if (known) return { kind: 'duplicate', job: known, message };
  if (runtime.sim && runtime.config.cloud.sim.seedSourceImages)
    await seedSources(runtime, request, options.say);
  try {
    const problem = await sourceProblem(runtime, request, raw);
    return problem ? { kind: 'reject', error: problem } : { kind: 'accept', request };
  } catch (error) {
    if (!(error instanceof CloudError) || !error.retryable) throw error;
    const attempt = options.attempt ?? 1;
    const bound = runtime.config.pipeline.retry.maxAttempts;
    if (attempt < bound) return { kind: 'defer', error };
    return { kind: 'reject', error: unreachable(error, raw, attempt) };
  }
}

/** Writes a verdict: the job, the skip, the intake record, or the rejection in the quarantine. */
export async function recordVerdict(
  runtime: Runtime,
  arrival: Arrival,
  verdict: Decided,
  options: IntakeOptions,
): Promise<Recorded> {
  const say = options.say ?? (() => {});
  switch (verdict.kind) {
    case 'seen':
      return { kind: 'seen' };
    case 'reject':
      await quarantine(runtime, options.source, verdict.error, arrival.raw);
      return { kind: 'rejected', error: verdict.error };
    case 'skip':
      await recordSkip(runtime, options.source, verdict.view);
      return { kind: 'skipped', view: verdict.view };
    case 'duplicate': {
      const record: IntakeRecord = {
        at: runtime.clock.now(),
        source: options.source,
        outcome: 'duplicate',
        jobId: verdict.job.id,
        topic: verdict.message.topic,
      };
      if (verdict.message.id) record.messageId = verdict.message.id;
      await runtime.store.recordIntake(record);
      say(`job ${verdict.job.id}: already known (${verdict.job.state}); not created again`);
      return { kind: 'duplicate', job: verdict.job };
    }
    case 'accept': {
      const { job, created } = await acceptRequest(runtime, verdict.request, options.source, say);
      return { kind: created ? 'accepted' : 'duplicate', job };
    }
  }
}

// The records and views below run for every message on the bus: their optional fields are assigned,
// not spread in (V8 builds an object with conditional spreads through a slow generic path).

/**
 * Keeps a rejected input with its reason and raw payload (`status --quarantine`), once per message id
 * or, without one, per digest of its bytes: a redelivery writes nothing new.
 */
export async function quarantine(
  runtime: Pick<Runtime, 'store' | 'clock'>,
  source: string,
  error: AppError,
  raw: RawInput,
): Promise<void> {
  const record: IntakeRecord = {
    at: runtime.clock.now(),
    source,
    outcome: 'rejected',
    reason: error.describe(),
    payload: raw.payload,
    digest: raw.digest,
  };
  if (raw.where.messageId) record.messageId = raw.where.messageId;
  if (raw.topic) record.topic = raw.topic;
  await runtime.store.recordIntake(record);
}

export async function recordSkip(
  runtime: Pick<Runtime, 'store' | 'clock'>,
  source: string,
  view: SkippedView,
): Promise<void> {
  const record: IntakeRecord = {
    at: runtime.clock.now(),
    source,
    outcome: 'skipped',
    reason: view.reason,
    topic: view.topic,
  };
  if (view.messageId) record.messageId = view.messageId;
  await runtime.store.recordIntake(record);
}

export function skippedView(reason: string, summary: SkipSummary, message: FedoraMessage): SkippedView {
  const view: SkippedView = {
    id: `skip:${message.id ?? summary.imageName ?? message.topic}`,
    state: 'skipped',
    reason,
    topic: message.topic,
  };
  if (message.id) view.messageId = message.id;
  if (summary.release !== undefined) view.release = summary.release;
  if (summary.arch) view.arch = summary.arch;
  if (summary.subvariant) view.subvariant = summary.subvariant;
  if (summary.composeId) view.composeId = summary.composeId;
  if (summary.imageName) view.imageName = summary.imageName;
  return view;
}

/**
 * Sandbox: Fedora's public images named by the message are registered in the simulated cloud first. The
 * new images of one prefetch window are seeded together: each seeding rewrites the simulated world.
 */
async function seedSources(runtime: Runtime, request: ImageRequest, say: Say = () => {}): Promise<void> {
  const sim = runtime.sim;
  if (!sim) return;
  await sim.seedImagesSoon(
    Object.entries(request.regions).map(([region, imageId]) =>
      sourceSpec({ region, imageId, name: request.imageName, arch: request.arch }),
    ),
  );
  say(
    `sandbox: seeded ${Object.keys(request.regions).length} Fedora-owned source image(s) (owner ${runtime.config.fedora.ownerAccount}) named ${request.imageName}`,
  );
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
 * The source AMI must be Fedora's before any job exists: a message naming an AMI that does not exist,
 * or someone else's, is bad input, refused with nothing stored but the rejection.
 */
async function sourceProblem(
  runtime: Runtime,
  request: ImageRequest,
  raw: RawInput,
): Promise<InputError | undefined> {
  const { partition } = listingPartition(runtime.config);
  const image = await findSourceImage(runtime.ctx, partition, request);
  const problem = sourceImageProblem(image, request, runtime.config.fedora.ownerAccount);
  return problem
    ? sourceError(runtime, request, `${describeWhere(raw.where)}: ${problem}`, 'body.regions')
    : undefined;
}

/** The bad-input error for a source image that cannot be listed (`problem` says why). */
export function sourceError(
  runtime: Pick<Runtime, 'config'>,
  request: Pick<ImageRequest, 'sourceRegion' | 'sourceAmi'>,
  problem: string,
  field: string,
): InputError {
  return new InputError(problem, {
    field,
    value: `${request.sourceRegion}: ${request.sourceAmi}`,
    rule: `the source image must exist, be owned by ${runtime.config.fedora.ownerAccount} and match the request`,
    hint: 'only official images published by the Fedora account are listed; check the AMI id, its region and fedora.ownerAccount',
  });
}

/** AWS stayed unreachable for every attempt: the input is quarantined, to be replayed later. */
function unreachable(error: CloudError, raw: RawInput, attempts: number): CloudError {
  return new CloudError({
    kind: error.kind,
    awsCode: error.awsCode,
    service: error.service,
    operation: error.operation,
    message: `${describeWhere(raw.where)}: the source AMI could not be checked after ${attempts} attempts`,
    context: {
      rule: 'AWS errors are retried up to pipeline.retry.maxAttempts times',
      hint: 'the message is kept in the quarantine (status --quarantine); feed it again with replay once AWS answers',
    },
  });
}
