/**
 * What `publish` takes in: message files (all or nothing: one invalid message creates no job) or one
 * image named by its AMI id. Every source AMI must be Fedora's before any job exists; whatever is
 * refused is quarantined.
 */
import { readFileSync } from 'node:fs';
import { toAwsArch, toFedoraArch } from '../core/arch.js';
import { InputError, UsageError } from '../core/errors.js';
import type { ImageRequest } from '../core/model/image-request.js';
import { listingPartition } from '../config/partitions.js';
import { requestFromImage } from '../intake/cli-request.js';
import { rawInput, readMessages, type Arrival } from '../intake/envelope.js';
import type { Job } from '../core/model/job.js';
import { findSourceImage, sourceImageProblem } from '../pipeline/stages/verify.js';
import type { SkippedView } from './job-view.js';
import {
  judgeWithRetries,
  quarantine,
  recordVerdict,
  seedOne,
  sourceError,
  type Decided,
} from './message-intake.js';
import type { Runtime } from './runtime.js';

/** The publish options that decide which requests there are. */
export interface PublishRequestOptions {
  message?: string[];
  topic?: string;
  release?: string;
  arch?: string;
  sourceAmi?: string;
  sourceRegion?: string;
  subvariant: string;
  composeId?: string;
  imageName?: string;
  includePrerelease?: boolean;
}

/**
 * Message files, all or nothing: every message is judged first (one invalid message, or a source AMI
 * that is not Fedora's, creates no job at all and is quarantined), then every decision is written.
 */
export async function takeInMessageFiles(
  runtime: Runtime,
  options: PublishRequestOptions,
  say: (line: string) => void,
): Promise<{ jobs: Job[]; skipped: SkippedView[] }> {
  const arrivals: Arrival[] = [];
  for (const file of options.message ?? []) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (cause) {
      throw new InputError(`cannot read message file ${file}`, {
        field: '--message',
        value: file,
        rule: (cause as Error).message,
        hint: 'pass a readable file written by `fedora-messaging` or saved from the bus',
      });
    }
    const found = readMessages(bytes, { file, ...(options.topic ? { topic: options.topic } : {}) });
    arrivals.push(...(found.length > 0 ? found : [emptyFile(file, bytes)]));
  }

  const intake = {
    source: 'file' as const,
    ...(options.includePrerelease ? { includePrerelease: true } : {}),
    say,
  };
  const verdicts: Decided[] = [];
  for (const arrival of arrivals) verdicts.push(await judgeWithRetries(runtime, arrival, intake));
  const judged = arrivals.map((arrival, i) => ({ arrival, verdict: verdicts[i] as Decided }));
  const rejected = judged.filter(({ verdict }) => verdict.kind === 'reject');
  if (rejected.length > 0) {
    for (const { arrival, verdict } of rejected) await recordVerdict(runtime, arrival, verdict, intake);
    const first = rejected[0]?.verdict;
    if (first?.kind === 'reject') throw first.error;
  }

  const jobs: Job[] = [];
  const skipped: SkippedView[] = [];
  for (const { arrival, verdict } of judged) {
    const outcome = await recordVerdict(runtime, arrival, verdict, intake);
    if (outcome.kind === 'skipped') skipped.push(outcome.view);
    else if (
      (outcome.kind === 'accepted' || outcome.kind === 'duplicate') &&
      !jobs.some((j) => j.id === outcome.job.id)
    )
      jobs.push(outcome.job);
  }
  return { jobs, skipped };
}

function emptyFile(file: string, bytes: Buffer): Arrival {
  return {
    kind: 'unreadable',
    error: new InputError(`${file} contains no message`, {
      field: file,
      rule: 'must contain at least one message',
      hint: 'give one serialized message {"topic", "headers", "id", "body"} as JSON, or one such message per line (fedora-messaging dump format)',
    }),
    raw: rawInput(bytes, { file }),
  };
}

export async function requestFromFlags(
  runtime: Runtime,
  options: PublishRequestOptions,
  say: (line: string) => void,
): Promise<ImageRequest> {
  const release = Number(options.release);
  if (!options.release || !Number.isInteger(release) || release < 1) {
    throw new UsageError('--release must be a Fedora release number', {
      field: '--release',
      value: options.release ?? '(missing)',
      rule: 'a positive integer such as 41',
    });
  }
  const arch = options.arch ? toAwsArch(options.arch) : undefined;
  if (!arch)
    throw new UsageError('--arch is required with --source-ami', {
      field: '--arch',
      rule: 'x86_64 or aarch64 (arm64)',
    });
  if (!options.sourceAmi || !/^ami-[0-9a-f]{8,17}$/.test(options.sourceAmi)) {
    throw new UsageError('--source-ami must be an AMI id', {
      field: '--source-ami',
      value: options.sourceAmi ?? '(missing)',
      rule: 'ami- followed by 8 or 17 hex digits',
    });
  }
  const region = options.sourceRegion ?? runtime.config.fedora.sourceRegion;
  const { partition } = listingPartition(runtime.config);
  if (runtime.sim && runtime.config.cloud.sim.seedSourceImages) {
    const name = options.imageName ?? `Fedora-Cloud-Base-AmazonEC2.${toFedoraArch(arch)}-${release}-1.1`;
    seedOne(runtime, { region, imageId: options.sourceAmi, name, arch }, say);
  }
  const image = await findSourceImage(runtime.ctx, partition, {
    sourceAmi: options.sourceAmi,
    sourceRegion: region,
  });
  const flags = { sourceAmi: options.sourceAmi, sourceRegion: region, release, arch };
  if (!image) {
    const error = new InputError(`source AMI ${options.sourceAmi} is not Fedora's`, {
      field: '--source-ami',
      value: options.sourceAmi,
      rule: `must be an existing image owned by ${runtime.config.fedora.ownerAccount} (fedora.ownerAccount) in ${region}`,
      hint: 'check the AMI id and --source-region; only images owned by the configured Fedora account are listed',
    });
    return refuseFlags(runtime, flags, error);
  }
  let request: ImageRequest;
  try {
    request = requestFromImage(image, {
      release,
      arch,
      subvariant: options.subvariant,
      region,
      ...(options.composeId ? { composeId: options.composeId } : {}),
    });
  } catch (error) {
    if (error instanceof InputError) return refuseFlags(runtime, flags, error);
    throw error;
  }
  // The image is in hand: check it (state, HVM, EBS, encryption) without looking it up again.
  const problem = sourceImageProblem(image, request, runtime.config.fedora.ownerAccount);
  if (problem) return refuseFlags(runtime, flags, sourceError(runtime, request, problem, '--source-ami'));
  return request;
}

/** Quarantines a refused `publish --source-ami` request (its flags are the payload) and throws. */
async function refuseFlags(runtime: Runtime, flags: object, error: InputError): Promise<never> {
  await quarantine(runtime, 'file', error, rawInput(Buffer.from(JSON.stringify(flags)), {}));
  throw error;
}
