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

/** The set that adds one version; a resubmission (SERVER_FAULT, `resume --retry-failed`) says its attempt. */
export function versionChangeSetName(
  listing: Pick<ProductListing, 'release' | 'arch' | 'subvariant' | 'prerelease' | 'versionTitle'>,
  attempt: number,
): string {
  const base = `fedora-marketplace ${productWords(listing)} version ${listing.versionTitle}`;
  return changeSetNameOf(attempt > 1 ? `${base} attempt ${attempt}` : base);
}

/** The set that creates a product: one name per product, so a concurrent job finds it instead of creating a twin. */
export function createProductChangeSetName(
  listing: Pick<ProductListing, 'release' | 'arch' | 'subvariant' | 'prerelease'>,
): string {
  return changeSetNameOf(`fedora-marketplace create ${productWords(listing)}`);
}

function productWords(
  listing: Pick<ProductListing, 'release' | 'arch' | 'subvariant' | 'prerelease'>,
): string {
  const words = `${listing.subvariant} ${listing.release} ${listing.arch}`;
  return listing.prerelease ? `${words} prerelease` : words;
}

/** An `apply` set, named by a digest of its changes: the same plan finds the same set again. */
export function applyChangeSetName(changes: unknown, sku: string, intent: 'VALIDATE' | 'APPLY'): string {
  const digest = shortHash(JSON.stringify(changes), intent);
  return changeSetNameOf(`fedora-marketplace apply ${sku} ${intent.toLowerCase()} ${digest}`);
}
