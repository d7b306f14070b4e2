/**
 * Forwards the simulated AWS's events (events.ts builds them, in EventBridge's envelope) to an EventBridge
 * endpoint with PutEvents, so an SQS queue filled by EventBridge rules there sees what AWS would send: the
 * aws adapter against moto and `sandbox serve` then ends its change-set waits by events, as on AWS.
 *
 * A test double only: real EventBridge refuses PutEvents entries whose source starts with `aws.` (only AWS
 * services send those); moto accepts them. An event is deleted from the simulated queue once PutEvents
 * took it; one it refused comes back after the queue's visibility timeout and is tried again.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { wallSleep } from '../../core/clock.js';
import type { EventQueuePort, QueuedMessage } from '../ports.js';

export interface EventForwarderOptions {
  queue: EventQueuePort;
  /** The EventBridge endpoint (moto: `http://127.0.0.1:PORT`); the account is the one the credentials select. */
  endpoint: string;
  region: string;
  onError?: (error: unknown) => void;
}

export interface EventForwarder {
  stop(): Promise<void>;
}

/** After a failed receive or PutEvents, before trying again (wall milliseconds). */
const retryPauseMs = 1000;

/** The envelope's fields as a PutEvents entry; the body is our own (events.ts), so its shape is known. */
function entryOf(message: QueuedMessage): PutEventsRequestEntry {
  const event = JSON.parse(message.body) as {
    source: string;
    'detail-type': string;
    time: string;
    resources: string[];
    detail: unknown;
  };
  return {
    Source: event.source,
    DetailType: event['detail-type'],
    Time: new Date(event.time),
    Resources: event.resources,
    Detail: JSON.stringify(event.detail),
  };
}

export function startEventForwarder(options: EventForwarderOptions): EventForwarder {
  const client = new EventBridgeClient({ endpoint: options.endpoint, region: options.region });
  const abort = new AbortController();

  async function forwardOnce(): Promise<void> {
    const messages = await options.queue.receive(10, 20, abort.signal);
    if (messages.length === 0) return;
    const result = await client.send(new PutEventsCommand({ Entries: messages.map(entryOf) }));
    // Entries answer in request order; one with an ErrorCode was not taken.
    const taken = messages.filter((_, i) => result.Entries?.[i]?.ErrorCode === undefined);
    await options.queue.delete(taken.map((m) => m.receiptHandle));
  }

  const running = (async () => {
    while (!abort.signal.aborted) {
      try {
        await forwardOnce();
      } catch (error) {
        if (abort.signal.aborted) break;
        options.onError?.(error);
        await wallSleep(retryPauseMs, abort.signal);
      }
    }
  })();

  return {
    async stop() {
      abort.abort();
      await running;
      client.destroy();
    },
  };
}

/** The EventBridge event pattern of the events that end our waits (aws-events.ts reads them). */
export const waitEndingEvents = {
  source: ['aws.ec2', 'aws.marketplacecatalog'],
  'detail-type': [
    'EC2 AMI State Change',
    'Change Set Succeeded',
    'Change Set Failed',
    'Change Set Cancelled',
  ],
};

/**
 * The other end, on the test double: an SQS queue `name` and an EventBridge rule of that name sending it
 * the events that end our waits (README, Event-driven waits), in the account the credentials select.
 * Returns the queue URL, for `events.queueUrl`. Creating both again changes nothing.
 */
export async function createEventRoute(options: {
  endpoint: string;
  region: string;
  name: string;
}): Promise<string> {
  const sqs = new SQSClient({ endpoint: options.endpoint, region: options.region });
  const events = new EventBridgeClient({ endpoint: options.endpoint, region: options.region });
  try {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: options.name }))).QueueUrl;
    const attributes = url
      ? await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
      : undefined;
    const arn = attributes?.Attributes?.QueueArn;
    if (!url || !arn) throw new Error(`${options.endpoint} created no queue ${options.name}`);
    await events.send(
      new PutRuleCommand({
        Name: options.name,
        EventPattern: JSON.stringify(waitEndingEvents),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: options.name, Targets: [{ Id: 'queue', Arn: arn }] }));
    return url;
  } finally {
    sqs.destroy();
    events.destroy();
  }
}
