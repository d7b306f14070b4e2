/**
 * The simulated AWS world as plain JSON: everything here is persisted, so consecutive CLI processes
 * see the same cloud. Time-dependent states (pending images, running change sets) are stored with
 * the instant they change and derived from the clock when read (see settle in catalog.ts and ec2.ts).
 */
import { createHash } from 'node:crypto';
import type {
  AmiProductDetails,
  Change,
  ChangeSetError,
  ChangeSetIntent,
  ChangeSetStatus,
  Image,
  OfferDetails,
} from '../ports.js';
import type { Partition } from '../../core/model/partition.js';

export interface SimSnapshot {
  snapshotId: string;
  ownerId: string;
  region: string;
  encrypted: boolean;
  tags: Record<string, string>;
  createVolumePermissions: string[];
}

export interface SimImage extends Omit<Image, 'state'> {
  /** Stored state; `pending` turns into `settlesTo` once the clock reaches `settlesAt`. */
  state: Image['state'];
  settlesAt?: number;
  settlesTo?: 'available' | 'failed';
  settleReason?: string;
  launchPermissions: string[];
}

export interface CopyTokenRecord {
  imageId: string;
  /** What the first request asked for; a different request with the same token is a mismatch. */
  fingerprint: string;
}

export interface SimChange extends Change {
  /** Entity id once known (given, or created/resolved when the set was applied). */
  resolvedIdentifier?: string;
  errors: ChangeSetError[];
}

export interface SimChangeSet {
  changeSetId: string;
  changeSetArn: string;
  changeSetName: string;
  clientRequestToken: string;
  sellerAccount: string;
  partition: Partition;
  intent: ChangeSetIntent;
  /** PREPARING/APPLYING are derived from these instants until the set settles. */
  startedAt: number;
  applyAt: number;
  endAt: number;
  status: ChangeSetStatus;
  endedAt?: number;
  failureCode?: 'CLIENT_ERROR' | 'SERVER_FAULT';
  failureDescription?: string;
  /** Rolled at start (sim.faults.changeSetServerFaultRate): the set ends FAILED with SERVER_FAULT. */
  serverFault?: boolean;
  /** A request for Public visibility, reviewed until `endAt`; the outcome is fixed when the set starts. */
  visibilityReview?: { approved: boolean; reason: string };
  changes: SimChange[];
  /** Order of submission, to break start-time ties. */
  seq: number;
}

/**
 * A product as the seller sent it: product-level Compatibility, the logo URL and future region support
 * as given. DescribeEntity shows AWS's rewritten form of it (catalog-entity-view.ts).
 */
export interface SimProduct {
  productId: string;
  sellerAccount: string;
  partition: Partition;
  lastModifiedAt: number;
  details: AmiProductDetails;
}

export interface SimOffer {
  offerId: string;
  sellerAccount: string;
  partition: Partition;
  lastModifiedAt: number;
  /** The PricingModel of the last UpdatePricingTerms (DescribeEntity does not show it). */
  pricingModel?: string;
  details: OfferDetails;
}

/** A message on the simulated SQS queue of AWS events (events.ts). */
export interface SimQueuedEvent {
  messageId: string;
  body: string;
  /** Simulated time the event was sent. */
  sentAt: number;
  /** Received and not deleted: hidden until then (SQS's visibility timeout). */
  invisibleUntil?: number;
  receipts?: number;
}

export interface WorldState {
  version: 1;
  clockMs: number;
  /** Monotonic counter behind every generated id (deterministic ids for a given call sequence). */
  idCounter: number;
  images: Record<string, SimImage>;
  snapshots: Record<string, SimSnapshot>;
  /** Key: `${account}|${region}|${clientToken}`. */
  copyTokens: Record<string, CopyTokenRecord>;
  changeSets: Record<string, SimChangeSet>;
  products: Record<string, SimProduct>;
  offers: Record<string, SimOffer>;
  /** The simulated SQS queue of AWS events (events.ts); absent in worlds saved before it existed. */
  eventQueue?: SimQueuedEvent[];
}

export function emptyWorld(clockMs: number): WorldState {
  return {
    version: 1,
    clockMs,
    idCounter: 0,
    images: {},
    snapshots: {},
    copyTokens: {},
    changeSets: {},
    products: {},
    offers: {},
  };
}

function digest(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';

function lowerAlnum(hex: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alnum[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alnum.length];
  return out;
}

/** A fresh id of the given kind, deterministic for a given sequence of calls. */
export function nextId(
  world: WorldState,
  kind: 'ami' | 'snap' | 'prod' | 'offer' | 'changeset' | 'uuid',
): string {
  world.idCounter += 1;
  const hex = digest('sim', kind, world.idCounter);
  switch (kind) {
    case 'ami':
    case 'snap':
      return `${kind}-${hex.slice(0, 17)}`;
    case 'prod':
    case 'offer':
      return `${kind}-${lowerAlnum(hex, 13)}`;
    case 'changeset':
      return lowerAlnum(hex, 25);
    case 'uuid':
      return uuidFrom(hex);
  }
}

function uuidFrom(hex: string): string {
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The Marketplace-owned AMI an SSM alias resolves to in one region; a pure function of its inputs. */
export function marketplaceAmiId(productId: string, deliveryOptionId: string, region: string): string {
  return `ami-${digest('marketplace-copy', productId, deliveryOptionId, region).slice(0, 17)}`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
