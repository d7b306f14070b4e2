/**
 * What `publish` takes in: message files (all or nothing: one invalid message creates no job) or one
 * image named by its AMI id. Every request's source AMI must be Fedora's before any job exists.
 */
import { readFileSync } from 'node:fs';
import { toAwsArch, toFedoraArch } from '../core/arch.js';
import { InputError, UsageError } from '../core/errors.js';
import type { ImageRequest } from '../core/model/image-request.js';
import { listingPartition } from '../config/partitions.js';
import { requestFromImage } from '../intake/cli-request.js';
import { parseMessageFile, type FedoraMessage } from '../intake/envelope.js';
import { interpretMessage } from '../intake/intake.js';
import { findSourceImage, sourceImageProblem } from '../pipeline/stages/verify.js';
import type { SkippedView } from './job-view.js';
import {
  quarantine,
  recordSkip,
  seedOne,
  seedSources,
  skippedView,
  sourceError,
  sourceProblem,
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

export async function requestsFromMessages(
  runtime: Runtime,
  options: PublishRequestOptions,
  say: (line: string) => void,
): Promise<{ requests: ImageRequest[]; skipped: SkippedView[] }> {
  const messages: Array<{ file: string; message: FedoraMessage }> = [];
  for (const file of options.message ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new InputError(`cannot read message file ${file}`, {
        field: '--message',
        value: file,
        rule: (cause as Error).message,
        hint: 'pass a readable file written by `fedora-messaging` or saved from the bus',
      });
    }
    try {
      for (const message of parseMessageFile(text, {
        file,
        ...(options.topic ? { topic: options.topic } : {}),
      })) {
        messages.push({ file, message });
      }
    } catch (error) {
      if (error instanceof InputError) await reject(runtime, error, { payload: text });
      throw error;
    }
  }

  // All or nothing: a file with one invalid message creates no job at all.
  const requests: ImageRequest[] = [];
  const skipped: SkippedView[] = [];
  const rejected: InputError[] = [];
  for (const { file, message } of messages) {
    const decision = interpretMessage(message, {
      config: runtime.config,
      origin: { kind: 'message', file },
      includePrerelease: options.includePrerelease === true,
      now: runtime.clock.now(),
    });
    if (decision.kind === 'accept') requests.push(decision.request);
    else if (decision.kind === 'skip') skipped.push(skippedView(decision.reason, decision.summary, message));
    else {
      rejected.push(decision.error);
      await reject(runtime, decision.error, {
        payload: JSON.stringify(message),
        topic: message.topic,
        ...(message.id ? { messageId: message.id } : {}),
      });
    }
  }
  if (rejected.length > 0) throw rejected[0] as InputError;
  if (runtime.sim && runtime.config.cloud.sim.seedSourceImages) seedSources(runtime, requests, say);
  await preVerify(runtime, requests);
  for (const s of skipped) await recordSkip(runtime, 'file', s);
  return { requests, skipped };
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
  if (!image) {
    const error = new InputError(`source AMI ${options.sourceAmi} is not Fedora's`, {
      field: '--source-ami',
      value: options.sourceAmi,
      rule: `must be an image owned by ${runtime.config.fedora.ownerAccount} (fedora.ownerAccount) in ${region}`,
      hint: 'check the AMI id and --source-region; only images owned by the configured Fedora account are listed',
    });
    await reject(runtime, error, { payload: JSON.stringify({ sourceAmi: options.sourceAmi, region }) });
    throw error;
  }
  const request = requestFromImage(image, {
    release,
    arch,
    subvariant: options.subvariant,
    region,
    ...(options.composeId ? { composeId: options.composeId } : {}),
  });
  // The image is in hand: check it (state, HVM, EBS, encryption) without looking it up again.
  const problem = sourceImageProblem(image, request, runtime.config.fedora.ownerAccount);
  if (problem) await refuseSource(runtime, request, sourceError(runtime, request, problem, '--source-ami'));
  return request;
}

/** Every request's source AMI must be Fedora's before any job exists (see sourceProblem). */
async function preVerify(runtime: Runtime, requests: ImageRequest[]): Promise<void> {
  for (const request of requests) {
    const error = await sourceProblem(runtime, request);
    if (error) await refuseSource(runtime, request, error);
  }
}

async function refuseSource(runtime: Runtime, request: ImageRequest, error: InputError): Promise<never> {
  await reject(runtime, error, {
    payload: JSON.stringify(request),
    ...(request.origin.messageId ? { messageId: request.origin.messageId } : {}),
    ...(request.origin.topic ? { topic: request.origin.topic } : {}),
  });
  throw error;
}

function reject(
  runtime: Runtime,
  error: InputError,
  extra: { payload: string; messageId?: string; topic?: string },
): Promise<void> {
  return quarantine(runtime, 'file', error, extra);
}
