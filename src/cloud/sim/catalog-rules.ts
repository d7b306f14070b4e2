/**
 * The Marketplace's ingestion rules for a new version's AMI, checked when a change set is processed:
 * the AMI must exist and be available in the ingestion region, be unencrypted, HVM and EBS-backed,
 * shared (image and snapshots) with the Marketplace accounts, and come with an allowed access role.
 */
import type { ChangeSetError, Image } from '../ports.js';
import type { WorldState } from './world-state.js';

/** What the ingestion rules read about an AMI. */
export interface IngestionImage {
  region: string;
  state: Image['state'];
  architecture: Image['architecture'];
  virtualizationType: Image['virtualizationType'];
  rootDeviceType: Image['rootDeviceType'];
  encrypted: boolean;
  public: boolean;
  launchPermissions: string[];
  snapshots: Array<{ snapshotId: string; createVolumePermissions: string[] }>;
}

/**
 * Where the rules find AMIs when they do not live in the simulated EC2 (e.g. `sandbox serve` in
 * front of moto). Synchronous because change sets settle inside a state read; callers keep it fresh.
 */
export type IngestionImageLookup = (amiId: string) => IngestionImage | undefined;

/** Another EC2 (moto behind `sandbox serve`) that the simulated Marketplace consults instead of its own. */
export interface ExternalEc2Facts {
  lookupImage: IngestionImageLookup;
  /** Offered there besides the simulated fixtures, so AddRegions / AddInstanceTypes accept them. */
  regions: ReadonlySet<string>;
  instanceTypes: ReadonlySet<string>;
}

export interface IngestionRules {
  /** us-east-1 in the commercial partition. */
  amiRegion: string;
  marketplaceAccounts: string[];
  accessRoleArns: string[];
  /** Default: the simulated EC2 of the same world. */
  external?: ExternalEc2Facts;
}

export function ingestionImage(
  state: WorldState,
  rules: IngestionRules,
  amiId: string,
): IngestionImage | undefined {
  if (rules.external) return rules.external.lookupImage(amiId);
  const image = state.images[amiId];
  if (!image) return undefined;
  return {
    ...image,
    snapshots: image.snapshotIds.map((snapshotId) => ({
      snapshotId,
      createVolumePermissions: state.snapshots[snapshotId]?.createVolumePermissions ?? [],
    })),
  };
}

export function amiSourceErrors(
  state: WorldState,
  rules: IngestionRules,
  amiId: string,
  accessRoleArn: string | undefined,
): ChangeSetError[] {
  const errors: ChangeSetError[] = [];
  if (accessRoleArn === undefined || !rules.accessRoleArns.includes(accessRoleArn)) {
    errors.push({
      code: 'INVALID_ACCESS_ROLE_ARN',
      message: `AccessRoleArn ${accessRoleArn ?? '(none)'} is not a role the AWS Marketplace can assume to ingest this AMI`,
    });
  }
  const image = ingestionImage(state, rules, amiId);
  if (!image || image.region !== rules.amiRegion) {
    errors.push({ code: 'INVALID_AMI_ID', message: `AMI ${amiId} does not exist in ${rules.amiRegion}` });
    return errors;
  }
  if (image.state !== 'available') {
    errors.push({
      code: 'INVALID_AMI_STATE',
      message: `AMI ${amiId} is ${image.state}; it must be available`,
    });
  }
  if (image.encrypted) {
    errors.push({
      code: 'ENCRYPTED_AMI_NOT_SUPPORTED',
      message: `AMI ${amiId} uses encrypted EBS snapshots`,
    });
  }
  if (image.virtualizationType !== 'hvm' || image.rootDeviceType !== 'ebs') {
    errors.push({ code: 'UNSUPPORTED_AMI', message: `AMI ${amiId} must be an HVM, EBS-backed image` });
  }
  const notShared = rules.marketplaceAccounts.filter(
    (a) => !image.public && !image.launchPermissions.includes(a),
  );
  if (notShared.length > 0) {
    errors.push({
      code: 'AMI_NOT_SHARED',
      message: `AMI ${amiId} does not grant launch permission to ${notShared.join(', ')}`,
    });
  }
  for (const { snapshotId, createVolumePermissions } of image.snapshots) {
    const missing = rules.marketplaceAccounts.filter((a) => !createVolumePermissions.includes(a));
    if (missing.length > 0) {
      errors.push({
        code: 'SNAPSHOT_NOT_SHARED',
        message: `Snapshot ${snapshotId} of AMI ${amiId} does not grant createVolumePermission to ${missing.join(', ')}`,
      });
    }
  }
  return errors;
}
