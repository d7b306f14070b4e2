/**
 * Least-privilege IAM policies for the accounts the AWS adapter acts as, generated from the
 * configuration: exactly the actions the adapter issues, scoped to the partition's image and
 * snapshot ARNs where EC2 supports resource-level permissions. `createActionRecorder` lets a test
 * collect what the adapter really sends and compare it with these documents.
 */
import type { Config } from '../config/schema.js';
import { imageShareAccounts, listingPartition } from '../config/partitions.js';
import { ConfigError } from '../core/errors.js';
import type { ClientHook } from './aws/client-config.js';
import type { Partition } from '../core/model/partition.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource?: string | string[];
  Principal?: { Service: string };
  Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface IamPolicies {
  internalAccount: PolicyDocument;
  /**
   * The accounts the internal account grants launch and createVolume permission on every mirrored image
   * and snapshot (ModifyImageAttribute, ModifySnapshotAttribute above): the Marketplace's, and the seller
   * account when it does not hold the mirrors itself (its access role must read them).
   */
  sharedWith: string[];
  sellerAccount: PolicyDocument;
  accessRole: { policy: PolicyDocument; trustPolicy: PolicyDocument };
}

/** Every SDK operation the adapter can issue, by IAM service prefix. */
export const adapterOperations = {
  ec2: [
    'DescribeImages',
    'CopyImage',
    'CreateTags',
    'ModifyImageAttribute',
    'ModifySnapshotAttribute',
    'DescribeImageAttribute',
    'DescribeSnapshotAttribute',
    'DescribeRegions',
    'DescribeInstanceTypes',
    'EnableImageDeprecation',
    'DeregisterImage',
    'DeleteSnapshot',
  ],
  'aws-marketplace': [
    'StartChangeSet',
    'DescribeChangeSet',
    'ListChangeSets',
    'DescribeEntity',
    'ListEntities',
    'CancelChangeSet',
  ],
  ssm: ['GetParameter'],
  sts: ['GetCallerIdentity'],
  /** Only when `events:` names a queue. */
  sqs: ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'],
} as const;

/** The Marketplace service that assumes the access role to read the shared AMI. */
export const marketplaceIngestionPrincipal = 'assets.marketplace.amazonaws.com';

const actions = (prefix: string, names: readonly string[]): string[] => names.map((n) => `${prefix}:${n}`);

export function iamPolicies(config: Config, partition: Partition): IamPolicies {
  const cfg = config.partitions[partition];
  if (!cfg) {
    throw new ConfigError(`partition ${partition} is not configured`, [
      { field: `partitions.${partition}`, rule: 'policies are generated for configured partitions only' },
    ]);
  }
  const images = `arn:${partition}:ec2:*::image/*`;
  const snapshots = `arn:${partition}:ec2:*::snapshot/*`;
  const identity: PolicyStatement = {
    Sid: 'WhoAmI',
    Effect: 'Allow',
    Action: ['sts:GetCallerIdentity'],
    Resource: '*',
  };

  const internalAccount: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        // These three do not support resource-level permissions.
        Sid: 'DescribeImagesRegionsInstanceTypes',
        Effect: 'Allow',
        Action: actions('ec2', ['DescribeImages', 'DescribeRegions', 'DescribeInstanceTypes']),
        Resource: '*',
      },
      {
        Sid: 'MirrorShareAndRetireImages',
        Effect: 'Allow',
        Action: actions('ec2', [
          'CopyImage',
          'CreateTags',
          'ModifyImageAttribute',
          'DescribeImageAttribute',
          'EnableImageDeprecation',
          'DeregisterImage',
        ]),
        Resource: images,
      },
      {
        Sid: 'TagShareAndDeleteSnapshots',
        Effect: 'Allow',
        Action: actions('ec2', [
          'CreateTags',
          'ModifySnapshotAttribute',
          'DescribeSnapshotAttribute',
          'DeleteSnapshot',
        ]),
        Resource: snapshots,
      },
      {
        Sid: 'ReadMarketplaceAmiAliases',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: `arn:${partition}:ssm:*::parameter/aws/service/marketplace/*`,
      },
      identity,
    ],
  };

  const sellerAccount: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ManageListingsThroughChangeSets',
        Effect: 'Allow',
        Action: actions('aws-marketplace', adapterOperations['aws-marketplace']),
        Resource: '*',
      },
      {
        // AddDeliveryOptions names the access role; the seller may hand it to the Marketplace only.
        Sid: 'PassAccessRoleToMarketplace',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: cfg.marketplace.accessRoleArn,
        Condition: { StringEquals: { 'iam:PassedToService': marketplaceIngestionPrincipal } },
      },
      identity,
    ],
  };

  const accessRole = {
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadSharedImages',
          Effect: 'Allow',
          Action: actions('ec2', ['DescribeImages', 'DescribeImageAttribute', 'DescribeSnapshotAttribute']),
          Resource: '*',
        },
        {
          Sid: 'ShareImagesForIngestion',
          Effect: 'Allow',
          Action: ['ec2:ModifyImageAttribute'],
          Resource: `arn:${partition}:ec2:${cfg.baseRegion}::image/*`,
        },
        {
          Sid: 'ShareSnapshotsForIngestion',
          Effect: 'Allow',
          Action: ['ec2:ModifySnapshotAttribute'],
          Resource: `arn:${partition}:ec2:${cfg.baseRegion}::snapshot/*`,
        },
      ],
    } satisfies PolicyDocument,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'MarketplaceIngestion',
          Effect: 'Allow',
          Principal: { Service: marketplaceIngestionPrincipal },
          Action: ['sts:AssumeRole'],
        },
      ],
    } satisfies PolicyDocument,
  };

  // The account that owns the event queue reads it (long polls, deletes handled messages, doctor's check),
  // with the listing partition's credentials: a mirror-only partition's accounts never touch it.
  if (config.events && partition === listingPartition(config).partition) {
    const owner = config.events.account === 'internal' ? internalAccount : sellerAccount;
    owner.Statement.push({
      Sid: 'ConsumeAwsEvents',
      Effect: 'Allow',
      Action: actions('sqs', adapterOperations.sqs),
      Resource: queueArn(config.events.queueUrl, config.events.region, partition),
    });
  }

  return { internalAccount, sharedWith: imageShareAccounts(cfg), sellerAccount, accessRole };
}

/** The queue's ARN from its URL (`.../<account>/<name>`, as SQS shows it) and region. */
export function queueArn(queueUrl: string, region: string, partition: Partition): string {
  const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:${partition}:sqs:${region}:${account ?? '*'}:${name ?? '*'}`;
}

/** Every action any statement of `document` allows. */
export function allowedActions(document: PolicyDocument): Set<string> {
  return new Set(document.Statement.flatMap((s) => s.Action));
}

const servicePrefixes: Record<string, string> = {
  EC2Client: 'ec2',
  SSMClient: 'ssm',
  STSClient: 'sts',
  MarketplaceCatalogClient: 'aws-marketplace',
  SQSClient: 'sqs',
};

/**
 * `ec2:CopyImage` for an SDK client name and command name, as IAM spells the action. An SQS batch
 * action has no permission of its own: the single action's grants it (`sqs:DeleteMessage` for
 * DeleteMessageBatch, SQS Developer Guide "Amazon SQS batch actions").
 */
export function iamActionOf(clientName: string, commandName: string): string {
  const prefix = servicePrefixes[clientName] ?? clientName.replace(/Client$/, '').toLowerCase();
  const operation = commandName.replace(/Command$/, '');
  return `${prefix}:${prefix === 'sqs' ? operation.replace(/Batch$/, '') : operation}`;
}

export interface ActionRecorder {
  hook: ClientHook;
  /** Actions seen so far, keyed by the account that issued them. */
  actions(): { internal: string[]; seller: string[] };
}

/** A client hook recording the IAM action of every request the adapter sends. */
export function createActionRecorder(): ActionRecorder {
  const seen = { internal: new Set<string>(), seller: new Set<string>() };
  return {
    hook: (client, target) => {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.clientName && context.commandName) {
            seen[target.account].add(iamActionOf(context.clientName, context.commandName));
          }
          return next(args);
        },
        { step: 'initialize', name: 'iamActionRecorder' },
      );
    },
    actions: () => ({ internal: [...seen.internal].sort(), seller: [...seen.seller].sort() }),
  };
}
