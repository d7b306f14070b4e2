/**
 * Reads an SQS message body as the EventBridge event it should carry, defensively: the queue may hold
 * anything someone could send to it. Only the two kinds of event that end our waits are understood: EC2
 * `EC2 AMI State Change` (detail ImageId, State) and the Marketplace Catalog's `Change Set Succeeded`,
 * `Change Set Failed`, `Change Set Cancelled` (detail ChangeSetId).
 */
import { awaitedKey } from '../core/model/awaited.js';

export type AwsEventReading =
  /** An event that ends a wait: the awaited key it names and what it says, in words. */
  | { kind: 'wait-ended'; key: string; summary: string }
  /** A well-formed event of another kind (another state, another source): nothing to do. */
  | { kind: 'ignored'; reason: string }
  /** Not an event at all, or one missing what its kind must carry. */
  | { kind: 'malformed'; reason: string };

const changeSetTypes = new Set(['Change Set Succeeded', 'Change Set Failed', 'Change Set Cancelled']);
/** A copy ends in one of these; `deregistered` and `disabled` end nothing we wait for. */
const imageEndStates = new Set(['available', 'failed']);
/** Bodies far larger than any event EventBridge sends (256 KB) are not parsed. */
const maxBodyChars = 262_144;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function readAwsEvent(body: string): AwsEventReading {
  if (body.length > maxBodyChars) return { kind: 'malformed', reason: `body of ${body.length} characters` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'malformed', reason: 'body is not JSON' };
  }
  if (!isRecord(parsed)) return { kind: 'malformed', reason: 'body is not a JSON object' };
  const source = text(parsed.source);
  const detailType = text(parsed['detail-type']);
  const detail = parsed.detail;
  if (!source || !detailType || !isRecord(detail))
    return { kind: 'malformed', reason: 'not an EventBridge event (source, detail-type, detail)' };

  if (source === 'aws.ec2' && detailType === 'EC2 AMI State Change') {
    const imageId = text(detail.ImageId);
    const state = text(detail.State);
    if (!imageId || !/^ami-[0-9a-f]{8,17}$/.test(imageId) || !state)
      return { kind: 'malformed', reason: 'EC2 AMI State Change without a valid ImageId and State' };
    if (!imageEndStates.has(state)) return { kind: 'ignored', reason: `image ${imageId} is ${state}` };
    return { kind: 'wait-ended', key: awaitedKey('image', imageId), summary: `image ${imageId} is ${state}` };
  }
  if (source === 'aws.marketplacecatalog' && changeSetTypes.has(detailType)) {
    const id = text(detail.ChangeSetId);
    if (!id || !/^[\w-]{1,255}$/.test(id))
      return { kind: 'malformed', reason: `${detailType} without a valid ChangeSetId` };
    return {
      kind: 'wait-ended',
      key: awaitedKey('change-set', id),
      summary: `change set ${id}: ${detailType}`,
    };
  }
  return { kind: 'ignored', reason: `${source} ${detailType}` };
}
