/**
 * The ports: the only way the pipeline talks to AWS. Two adapters implement them, `sim/` (an
 * in-process simulated AWS) and `aws/` (AWS SDK v3), and one contract suite runs against both.
 *
 * Shapes follow the AWS APIs closely (same operation names, same semantics) so that the simulation
 * cannot quietly drift from what the SDK and moto show. Every method may throw `CloudError`.
 */
import type { AwsArch } from '../core/arch.js';
import type { Partition } from '../core/model/partition.js';

// ---------------------------------------------------------------- EC2

export type ImageState =
  'pending' | 'available' | 'invalid' | 'deregistered' | 'transient' | 'failed' | 'error';

export interface Image {
  imageId: string;
  name: string;
  description?: string;
  ownerId: string;
  region: string;
  state: ImageState;
  architecture: AwsArch | 'i386';
  virtualizationType: 'hvm' | 'paravirtual';
  rootDeviceType: 'ebs' | 'instance-store';
  rootDeviceName?: string;
  /** True when any EBS snapshot behind the image is encrypted. */
  encrypted: boolean;
  snapshotIds: string[];
  bootMode?: 'legacy-bios' | 'uefi' | 'uefi-preferred';
  enaSupport?: boolean;
  public: boolean;
  tags: Record<string, string>;
  creationDate?: string;
  deprecationTime?: string;
  stateReason?: string;
}

export interface DescribeImagesQuery {
  /** Required and non-empty: owner pinning (DESIGN invariant 1). `self` means the caller's account. */
  owners: [string, ...string[]];
  imageIds?: string[];
  names?: string[];
  /** Images carrying all of these tags. */
  tags?: Record<string, string>;
}

export interface CopyImageRequest {
  /** Destination region: CopyImage is called in the destination. */
  region: string;
  sourceRegion: string;
  sourceImageId: string;
  name: string;
  description?: string;
  /** Deterministic idempotency token (DESIGN invariant 2). */
  clientToken: string;
  /** Applied to the new image and its snapshots. */
  tags: Record<string, string>;
}

export interface PermissionChange {
  add?: string[];
  remove?: string[];
}

export interface RegionInfo {
  name: string;
  optInStatus: 'opt-in-not-required' | 'opted-in' | 'not-opted-in';
}

export interface InstanceTypeInfo {
  instanceType: string;
  architectures: Array<AwsArch | 'i386'>;
  bootModes: Array<'legacy-bios' | 'uefi'>;
  currentGeneration: boolean;
  bareMetal: boolean;
}

export interface Ec2Port {
  describeImages(region: string, query: DescribeImagesQuery): Promise<Image[]>;
  copyImage(request: CopyImageRequest): Promise<{ imageId: string }>;
  createTags(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void>;
  modifyImageLaunchPermission(region: string, imageId: string, change: PermissionChange): Promise<void>;
  modifySnapshotCreateVolumePermission(
    region: string,
    snapshotId: string,
    change: PermissionChange,
  ): Promise<void>;
  /** Account ids with launch permission (read-back after sharing). */
  describeImageLaunchPermission(region: string, imageId: string): Promise<string[]>;
  describeSnapshotCreateVolumePermission(region: string, snapshotId: string): Promise<string[]>;
  describeRegions(): Promise<RegionInfo[]>;
  /** Every instance type offered in `region` that supports `architecture` (all pages). */
  describeInstanceTypes(region: string, filter: { architecture: AwsArch }): Promise<InstanceTypeInfo[]>;
  enableImageDeprecation(region: string, imageId: string, deprecateAt: Date): Promise<void>;
  deregisterImage(region: string, imageId: string): Promise<void>;
  deleteSnapshot(region: string, snapshotId: string): Promise<void>;
}

// ---------------------------------------------------------------- Marketplace Catalog

/** One entry of StartChangeSet's ChangeSet list, with a JSON DetailsDocument. */
export interface Change {
  ChangeType: string;
  Entity: { Type: string; Identifier?: string };
  DetailsDocument: unknown;
  ChangeName?: string;
}

export type ChangeSetStatus = 'PREPARING' | 'APPLYING' | 'SUCCEEDED' | 'CANCELLED' | 'FAILED';
export type ChangeSetIntent = 'VALIDATE' | 'APPLY';

export interface StartChangeSetRequest {
  changes: Change[];
  changeSetName: string;
  /** Deterministic idempotency token, at most 64 characters. */
  clientRequestToken: string;
  intent?: ChangeSetIntent;
}

export interface ChangeSetError {
  code: string;
  message: string;
}

export interface ChangeSetDescription {
  changeSetId: string;
  changeSetArn: string;
  changeSetName: string;
  intent: ChangeSetIntent;
  status: ChangeSetStatus;
  startTime: string;
  endTime?: string;
  failureCode?: 'CLIENT_ERROR' | 'SERVER_FAULT';
  failureDescription?: string;
  changes: Array<{
    changeType: string;
    changeName?: string;
    entity: { type: string; identifier?: string };
    details: unknown;
    errors: ChangeSetError[];
  }>;
}

export interface ChangeSetSummary {
  changeSetId: string;
  changeSetArn: string;
  changeSetName: string;
  status: ChangeSetStatus;
  startTime: string;
  endTime?: string;
  entityIds: string[];
  failureCode?: 'CLIENT_ERROR' | 'SERVER_FAULT';
}

export interface ListChangeSetsQuery {
  /**
   * One name, or up to 10 (the filter's ValueList limit): a set carrying any of them matches, so one
   * call finds the sets of several names (ListChangeSets Filter.ValueList, catalog-api-model.txt).
   */
  changeSetName?: string | string[];
  entityId?: string;
  statuses?: ChangeSetStatus[];
}

/** One AMI source of a version; AWS shows the product's instance types here (not at product level). */
export interface AmiSourceDetails {
  Id?: string;
  Type?: string;
  Image?: string;
  Architecture?: string;
  VirtualizationType?: string;
  OperatingSystem?: { Name?: string; Version?: string; Username?: string; ScanningPort?: number };
  Compatibility?: InstanceTypeCompatibility | null;
}

export interface InstanceTypeCompatibility {
  AvailableInstanceTypes?: string[];
  RestrictedInstanceTypes?: string[];
}

/** A pricing dimension of a product (one per instance type for an hourly AMI product). */
export interface DimensionDetails {
  Key?: string;
  Name?: string;
  Description?: string;
  Unit?: string;
  Types?: string[];
}

/** DescribeEntity's AmiProduct DetailsDocument (the parts this tool reads). */
export interface AmiProductDetails {
  Versions?: Array<{
    Id?: string;
    VersionTitle?: string;
    ReleaseNotes?: string;
    UpgradeInstructions?: string;
    CreationDate?: string;
    Sources?: AmiSourceDetails[];
    DeliveryOptions?: Array<{
      Id?: string;
      Type?: string;
      SourceId?: string;
      Title?: string;
      Visibility?: string;
      AmiAlias?: string;
      Instructions?: { Usage?: string };
      Recommendations?: {
        InstanceType?: string;
        SecurityGroups?: Array<{ Protocol?: string; FromPort?: number; ToPort?: number; CidrIps?: string[] }>;
      };
    }>;
  }>;
  Description?: {
    ProductTitle?: string;
    ProductCode?: string;
    ShortDescription?: string;
    LongDescription?: string;
    Manufacturer?: string;
    Sku?: string;
    Highlights?: string[];
    SearchKeywords?: string[];
    Categories?: string[];
    /** Draft, Limited, Public or Restricted. */
    Visibility?: string;
    ProductState?: string;
  };
  PromotionalResources?: {
    /** AWS serves its own copy: an `awsmp-logos` URL, not the URL that was sent. */
    LogoUrl?: string;
    Videos?: Array<{ Type?: string; Title?: string; Url?: string }>;
    AdditionalResources?: Array<{ Type?: string; Text?: string; Url?: string }>;
  };
  /** `FutureRegionSupport` can read back as null whatever was set. */
  RegionAvailability?: { Regions?: string[]; FutureRegionSupport?: string | null; Restrict?: string[] };
  SupportInformation?: { Description?: string };
  /** Often absent: the instance types are then only under `Versions[].Sources[].Compatibility`. */
  Compatibility?: InstanceTypeCompatibility | null;
  Dimensions?: DimensionDetails[];
  Targeting?: { PositiveTargeting?: { BuyerAccounts?: string[] } };
}

/** One term of an offer (pricing, legal, support, ...), as UpdateXxxTerms sends it and DescribeEntity shows it. */
export interface OfferTerm {
  Type?: string;
  CurrencyCode?: string;
  RateCards?: Array<{ RateCard?: Array<{ DimensionKey?: string; Price?: string }> }>;
  Documents?: Array<{ Type?: string; Url?: string; Version?: string }>;
  RefundPolicy?: string;
  [field: string]: unknown;
}

/** DescribeEntity's Offer DetailsDocument. */
export interface OfferDetails {
  Id?: string;
  Name?: string | null;
  Description?: string | null;
  ProductId?: string;
  /** Draft or Released. */
  State?: string;
  Terms?: OfferTerm[];
}

/** Each entity type the port reads, with the DetailsDocument DescribeEntity returns for it. */
export interface EntityDetailsByType {
  'AmiProduct@1.0': AmiProductDetails;
  'Offer@1.0': OfferDetails;
}
export type EntityType = keyof EntityDetailsByType;

export interface EntityDescription<T extends EntityType = 'AmiProduct@1.0'> {
  entityId: string;
  entityType: T;
  entityArn: string;
  lastModifiedDate: string;
  details: EntityDetailsByType[T];
}

export interface EntitySummary {
  entityId: string;
  entityType: string;
  name: string;
  visibility?: string;
  lastModifiedDate: string;
  /** Offers: the product the offer sells, and its state (Draft or Released). */
  productId?: string;
  state?: string;
}

export type ListEntitiesQuery =
  /** AmiProduct entities of the seller, optionally filtered by exact product title. */
  | { entityType: 'AmiProduct'; productTitle?: string }
  /** Offer entities of the seller, optionally only those of one product. */
  | { entityType: 'Offer'; productId?: string };

export interface CatalogPort {
  startChangeSet(request: StartChangeSetRequest): Promise<{ changeSetId: string; changeSetArn: string }>;
  describeChangeSet(changeSetId: string): Promise<ChangeSetDescription>;
  /** All pages, newest first. */
  listChangeSets(query: ListChangeSetsQuery): Promise<ChangeSetSummary[]>;
  /**
   * DescribeEntity of an `entityType` entity (default: the AMI products this tool mostly reads); an
   * entity of another type is reported as not found.
   */
  describeEntity<T extends EntityType = 'AmiProduct@1.0'>(
    entityId: string,
    entityType?: T,
  ): Promise<EntityDescription<T>>;
  listEntities(query: ListEntitiesQuery): Promise<EntitySummary[]>;
  cancelChangeSet(changeSetId: string): Promise<void>;
}

// ---------------------------------------------------------------- SSM and STS

export interface SsmPort {
  /** The parameter's value, or undefined when it does not exist. */
  getParameter(region: string, name: string): Promise<string | undefined>;
}

export interface StsPort {
  getCallerIdentity(): Promise<{ account: string; arn: string; userId: string }>;
}

// ---------------------------------------------------------------- AWS events (SQS)

/** One message as SQS hands it out: the body is the EventBridge event, as text, unparsed. */
export interface QueuedMessage {
  messageId: string;
  /** What deleting it needs; a new one with every receive. */
  receiptHandle: string;
  body: string;
  /** When the message reached the queue (SQS SentTimestamp): how late an event is acted on. */
  sentAt?: Date;
}

/**
 * The queue EventBridge rules fill with the AWS events that end our waits. Delivery is at least once and
 * best effort: a message may come twice, late, or never, so an event only ever shortens a wait.
 */
export interface EventQueuePort {
  /** Up to `max` (1..10) messages; waits up to `waitSeconds` (0..20) for the first one (long polling). */
  receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<QueuedMessage[]>;
  /**
   * Removes handled messages (at most 10, the messages of one receive: one SQS DeleteMessageBatch);
   * until then each comes back after the queue's visibility timeout. Rejects when any was not removed.
   */
  delete(receiptHandles: string[]): Promise<void>;
  /** GetQueueAttributes: the queue exists and this account may read it (doctor). */
  check(): Promise<{ queueArn: string; messages: number }>;
  /**
   * Simulated AWS only: when the next event will be sent, so a virtual clock stops there instead of
   * jumping past it; undefined when nothing is pending.
   */
  nextEventAt?(): Date | undefined;
}

// ---------------------------------------------------------------- Wiring

/** The clients of one partition: the internal image account and the Marketplace seller account. */
export interface PartitionClients {
  partition: Partition;
  /** EC2 as the internal account (mirrors, shares, deprecates). */
  ec2: Ec2Port;
  /** Catalog API as the seller account; always us-east-1. */
  catalog: CatalogPort;
  ssm: SsmPort;
  internalSts: StsPort;
  sellerSts: StsPort;
}

/** Resolves the clients for a partition; adapters build them lazily. */
export interface Cloud {
  clients(partition: Partition): PartitionClients;
  /** The queue of AWS events ending waits, when one is configured (the simulation always has one). */
  eventQueue?(): EventQueuePort | undefined;
  /** Flushes and releases resources (persisted simulation, SDK sockets). */
  close(): Promise<void>;
}
