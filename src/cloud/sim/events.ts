/**
 * AWS events in the simulation: when a copy settles, EC2 sends `EC2 AMI State Change`; when a change set
 * ends, the Marketplace Catalog sends `Change Set Succeeded|Failed|Cancelled`. Each goes, in EventBridge's
 * envelope, onto one queue kept in the world (so every sandbox process sees it), standing in for the SQS
 * queue the EventBridge rules fill. Shapes follow AWS's published examples (EC2 User Guide "monitor AMI
 * events", Marketplace seller guide "Events for change sets"). Delivery is best effort, as AWS says:
 * `sim.faults.eventDropRate` loses some, decided per event by a seeded hash so a run can be replayed.
 */
import { createHash } from 'node:crypto';
import type { SimChangeSet, SimImage, WorldState } from './world-state.js';

export interface SimEventSettings {
  enabled: boolean;
  dropRate: number;
  seed: number;
}

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function hex(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

function uuidOf(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** SQS's default message retention. */
const retentionMs = 4 * 24 * 3600 * 1000;

interface Envelope {
  source: string;
  detailType: string;
  account: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

function send(state: WorldState, at: number, envelope: Envelope, settings: SimEventSettings): void {
  if (!settings.enabled) return;
  const key = hex(envelope.detailType, envelope.resources.join(','), at);
  // The same event (resource, kind, instant) is dropped or kept the same way in every run with this seed.
  const roll = parseInt(hex(settings.seed, key).slice(0, 8), 16) / 0x1_0000_0000;
  if (roll < settings.dropRate) return;
  const body = {
    version: '0',
    id: uuidOf(key),
    'detail-type': envelope.detailType,
    source: envelope.source,
    account: envelope.account,
    time: isoSeconds(at),
    region: envelope.region,
    resources: envelope.resources,
    detail: envelope.detail,
  };
  // SQS keeps a message 4 days by default: a queue nobody reads (events off, apply) does not grow forever.
  state.eventQueue = (state.eventQueue ?? []).filter((m) => m.sentAt > at - retentionMs);
  state.eventQueue.push({
    messageId: uuidOf(hex('message', key)),
    body: JSON.stringify(body),
    sentAt: at,
  });
}

/** EC2 AMI State Change for a copy that became available or failed. */
export function sendImageStateChange(
  state: WorldState,
  image: SimImage,
  at: number,
  settings: SimEventSettings,
): void {
  send(
    state,
    at,
    {
      source: 'aws.ec2',
      detailType: 'EC2 AMI State Change',
      account: image.ownerId,
      region: image.region,
      resources: [`arn:aws:ec2:${image.region}::image/${image.imageId}`],
      detail: {
        RequestId: uuidOf(hex('request', image.imageId)),
        ImageId: image.imageId,
        State: image.state,
        ErrorMessage: image.state === 'failed' ? (image.stateReason ?? '') : '',
      },
    },
    settings,
  );
}

const changeSetDetailTypes: Partial<Record<SimChangeSet['status'], string>> = {
  SUCCEEDED: 'Change Set Succeeded',
  FAILED: 'Change Set Failed',
  CANCELLED: 'Change Set Cancelled',
};

/** Change Set Succeeded / Failed / Cancelled for a set that ended. */
export function sendChangeSetEnded(
  state: WorldState,
  changeSet: SimChangeSet,
  at: number,
  settings: SimEventSettings,
): void {
  const detailType = changeSetDetailTypes[changeSet.status];
  if (!detailType) return;
  send(
    state,
    at,
    {
      source: 'aws.marketplacecatalog',
      detailType,
      account: changeSet.sellerAccount,
      region: 'us-east-1',
      resources: [changeSet.changeSetArn],
      detail: {
        requestId: uuidOf(hex('request', changeSet.changeSetId)),
        Catalog: 'AWSMarketplace',
        ChangeSetId: changeSet.changeSetId,
        ChangeSetName: changeSet.changeSetName,
        StartTime: isoSeconds(changeSet.startedAt),
        EndTime: isoSeconds(at),
        ...(changeSet.status === 'FAILED' && changeSet.failureCode
          ? { FailureCode: changeSet.failureCode }
          : {}),
      },
    },
    settings,
  );
}

/** When the world next sends an event: a copy settling or a change set ending, whichever comes first. */
export function nextEventAt(state: WorldState): number | undefined {
  let next = Infinity;
  for (const image of Object.values(state.images))
    if (image.state === 'pending' && image.settlesAt !== undefined) next = Math.min(next, image.settlesAt);
  for (const cs of Object.values(state.changeSets))
    if (cs.status === 'PREPARING' || cs.status === 'APPLYING') next = Math.min(next, cs.endAt);
  for (const message of state.eventQueue ?? [])
    next = Math.min(next, message.invisibleUntil ?? message.sentAt);
  return next === Infinity ? undefined : next;
}
