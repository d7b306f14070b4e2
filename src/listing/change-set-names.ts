/**
 * Deterministic change-set names. A name is how a restarted run, another worker or `apply` finds a
 * change set again (ListChangeSets filters on it), so every name is derived from what the set does.
 */
import { shortHash } from '../core/ids.js';
import type { ProductListing } from '../core/model/listing.js';

/** ChangeSetName allows `^[\w\s+=.:@-]+$`, at most 100 characters (StartChangeSet request shape). */
function changeSetNameOf(text: string): string {
  return text.replace(/[^\w\s+=.:@-]/g, '-').slice(0, 100);
}

function withAttempt(base: string, attempt: number): string {
  return changeSetNameOf(attempt > 1 ? `${base} attempt ${attempt}` : base);
}

type ProductNaming = Pick<ProductListing, 'release' | 'arch' | 'subvariant' | 'prerelease'>;

/**
 * The set that adds one version; a resubmission (SERVER_FAULT, `resume --retry-failed`) says its
 * attempt, and a listing too large for one set says which part of it this is.
 */
export function versionChangeSetName(
  listing: ProductNaming & Pick<ProductListing, 'versionTitle'>,
  attempt: number,
  part = 1,
): string {
  const base = `fedora-marketplace ${productWords(listing)} version ${listing.versionTitle}`;
  return withAttempt(part > 1 ? `${base} part ${part}` : base, attempt);
}

/** The set that creates a product: one name per product, so a concurrent job finds it instead of creating a twin. */
export function createProductChangeSetName(listing: ProductNaming): string {
  return changeSetNameOf(`fedora-marketplace create ${productWords(listing)}`);
}

/** The set that releases a product (Draft -> Limited): one per product, so every job finds the same. */
export function releaseChangeSetName(listing: ProductNaming, attempt: number): string {
  return withAttempt(`fedora-marketplace release ${productWords(listing)}`, attempt);
}

/** The request for Public visibility, one per product. */
export function publicChangeSetName(listing: ProductNaming, attempt: number): string {
  return withAttempt(`fedora-marketplace public ${productWords(listing)}`, attempt);
}

function productWords(listing: ProductNaming): string {
  const words = `${listing.subvariant} ${listing.release} ${listing.arch}`;
  return listing.prerelease ? `${words} prerelease` : words;
}

/** An `apply` set, named by a digest of its changes: the same plan finds the same set again. */
export function applyChangeSetName(changes: unknown, sku: string, intent: 'VALIDATE' | 'APPLY'): string {
  const digest = shortHash(JSON.stringify(changes), intent);
  return changeSetNameOf(`fedora-marketplace apply ${sku} ${intent.toLowerCase()} ${digest}`);
}
