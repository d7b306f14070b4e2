/**
 * The SQS adapter and the event consumer over real HTTP on moto: an EventBridge rule with an event
 * pattern sends the events to the queue (moto delivers put_events to SQS targets). Moto's EC2 sends no
 * events itself, so the test plays AWS's part and puts them, in AWS's envelope.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientTarget } from '../../../src/cloud/aws/client-config.js';
import { runDoctorChecks } from '../../../src/cloud/doctor.js';
import { waitEndingEvents } from '../../../src/cloud/sim/event-forwarder.js';
import type { Config } from '../../../src/config/schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { newJob } from '../../../src/core/model/job.js';
import { EventConsumer } from '../../../src/pipeline/event-consumer.js';
import { openStore } from '../../../src/store/open-store.js';
import type { JobStore } from '../../../src/store/store.js';
import { request } from '../../store/fixtures.js';
import {
  motoAccountHook,
  motoAccounts,
  motoCloud,
  motoConfig,
  startMoto,
  useDummyCredentials,
  type Moto,
} from '../../helpers/moto.js';

let moto: Moto;
let dir: string;
let store: JobStore;

beforeAll(async () => {
  moto = await startMoto();
  useDummyCredentials();
  dir = mkdtempSync(join(tmpdir(), 'fm-events-moto-'));
  store = await openStore({ driver: 'sqlite', stateDir: dir });
});
afterAll(async () => {
  await store?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** As the internal account, in us-east-1: the client settings the adapter itself would use on moto. */
const internalTarget = {} as ClientTarget;
function sqsClient(): SQSClient {
  const client = new SQSClient({ region: 'us-east-1', endpoint: moto.endpoint });
  motoAccountHook(motoAccounts.internal)(client, internalTarget);
  return client;
}
function eventBridgeClient(): EventBridgeClient {
  const client = new EventBridgeClient({ region: 'us-east-1', endpoint: moto.endpoint });
  motoAccountHook(motoAccounts.internal)(client, internalTarget);
  return client;
}

async function queueWithRule(name: string): Promise<{ url: string; arn: string }> {
  const sqs = sqsClient();
  const events = eventBridgeClient();
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  await events.send(
    new PutRuleCommand({
      Name: `${name}-rule`,
      EventPattern: JSON.stringify(waitEndingEvents),
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: `${name}-rule`, Targets: [{ Id: 'queue', Arn: arn }] }));
  sqs.destroy();
  events.destroy();
  return { url, arn };
}

async function playAws(
  entries: Array<{ source: string; detailType: string; detail: object; resources?: string[] }>,
) {
  const events = eventBridgeClient();
  const result = await events.send(
    new PutEventsCommand({
      Entries: entries.map((e) => ({
        Source: e.source,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
        Resources: e.resources ?? [],
      })),
    }),
  );
  events.destroy();
  expect(result.FailedEntryCount ?? 0).toBe(0);
}

function configWith(queueUrl: string): Config {
  const base = motoConfig(moto.endpoint, {
    endpoints: { ec2: moto.endpoint, ssm: moto.endpoint, sts: moto.endpoint, sqs: moto.endpoint },
  });
  return {
    ...base,
    events: {
      queueUrl,
      region: 'us-east-1',
      account: 'internal',
      fallbackPollSeconds: { image: 600, changeSet: 900, review: 21_600 },
    },
  };
}

describe('AWS events through EventBridge and SQS on moto', () => {
  it('wake the job waiting for the image, and leave the queue empty; malformed messages are deleted too', async () => {
    const { url, arn } = await queueWithRule('fedora-marketplace-events');
    const cloud = motoCloud(moto, { config: configWith(url) });
    const queue = cloud.eventQueue?.();
    if (!queue) throw new Error('no event queue for a configuration with events:');
    try {
      expect(await queue.check()).toEqual({ queueArn: arn, messages: 0 });

      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const created = (
        await store.createJob(newJob(request(), clock.now()), {
          at: clock.now(),
          stage: 'mirror',
          kind: 'created',
          message: 'test',
        })
      ).job;
      const imageId = 'ami-0123456789abcdef1';
      const waiting = await store.saveJob({
        ...created,
        state: 'mirror',
        nextRunAt: new Date(clock.now().getTime() + 600_000),
        data: { ...created.data, awaiting: { images: [imageId] } },
      });

      await playAws([
        {
          source: 'aws.ec2',
          detailType: 'EC2 AMI State Change',
          detail: { RequestId: 'r-1', ImageId: imageId, State: 'available', ErrorMessage: '' },
          resources: [`arn:aws:ec2:us-east-1::image/${imageId}`],
        },
      ]);
      const sqs = sqsClient();
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"not":"an event"}' }));
      sqs.destroy();

      let woken = 0;
      const consumer = new EventConsumer({
        queue,
        store,
        clock,
        logger: pino({ level: 'silent' }),
        onDue: () => void (woken += 1),
      });
      let received = 0;
      for (let i = 0; i < 5 && received < 2; i++) received += await consumer.receiveOnce(1);

      expect(consumer.counts).toMatchObject({ received: 2, woke: 1, malformed: 1, failed: 0 });
      expect(woken).toBe(1);
      expect((await store.getJob(waiting.id))?.nextRunAt).toEqual(clock.now());
      expect(await queue.receive(10, 0)).toEqual([]);
      expect((await queue.check()).messages).toBe(0);
    } finally {
      await cloud.close();
    }
  });

  it('is checked by doctor: a queue that answers passes, a wrong URL fails with what to fix', async () => {
    const { url } = await queueWithRule('fedora-marketplace-doctor');
    const eventCheck = async (queueUrl: string) => {
      const config = configWith(queueUrl);
      const cloud = motoCloud(moto, { config });
      try {
        return (await runDoctorChecks(config, cloud)).find((c) => c.name.startsWith('events:'));
      } finally {
        await cloud.close();
      }
    };
    expect(await eventCheck(url)).toMatchObject({ ok: true });
    const wrong = await eventCheck(`${url}-missing`);
    expect(wrong).toMatchObject({ ok: false });
    expect(wrong?.hint).toContain('sqs:ReceiveMessage');
  });
});
