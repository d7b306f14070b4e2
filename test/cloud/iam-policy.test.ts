import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterOperations, allowedActions, iamActionOf, iamPolicies } from '../../src/cloud/iam-policy.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { configSchema, type Config } from '../../src/config/schema.js';

const config: Config = configSchema.parse(sandboxConfig);

function govConfig(): Config {
  const aws = sandboxConfig.partitions.aws!;
  return configSchema.parse({
    ...sandboxConfig,
    partitions: {
      'aws-us-gov': {
        ...aws,
        baseRegion: 'us-gov-west-1',
        mirrorRegions: [],
        marketplace: {
          ...aws.marketplace,
          accessRoleArn: 'arn:aws-us-gov:iam::444455556666:role/AWSMarketplaceAmiIngestion',
        },
      },
    },
  });
}

/** Commands the adapter source constructs, as IAM actions. */
function commandsInAdapterSource(): string[] {
  const dir = join(import.meta.dirname, '../../src/cloud/aws');
  const prefixes: Record<string, string> = {
    'ec2.ts': 'EC2Client',
    'ssm.ts': 'SSMClient',
    'sts.ts': 'STSClient',
    'catalog.ts': 'MarketplaceCatalogClient',
    'event-queue.ts': 'SQSClient',
  };
  const found = new Set<string>();
  for (const file of readdirSync(dir)) {
    const client = prefixes[file];
    if (!client) continue;
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/new (\w+Command)\(/g)) {
      found.add(iamActionOf(client, match[1]!));
    }
  }
  return [...found].sort();
}

describe('iamPolicies', () => {
  const listed = Object.entries(adapterOperations).flatMap(([prefix, ops]) =>
    ops.map((op) => `${prefix}:${op}`),
  );

  it('lists exactly the operations the adapter source issues', () => {
    expect(commandsInAdapterSource()).toEqual([...listed].sort());
  });

  it('grants each adapter operation to the account that issues it, and nothing else', () => {
    const { internalAccount, sellerAccount } = iamPolicies(config, 'aws');
    const internal = [...allowedActions(internalAccount)].sort();
    const seller = [...allowedActions(sellerAccount)].sort();
    expect(internal).toEqual(
      [...adapterOperations.ec2.map((o) => `ec2:${o}`), 'ssm:GetParameter', 'sts:GetCallerIdentity'].sort(),
    );
    expect(seller).toEqual(
      [
        ...adapterOperations['aws-marketplace'].map((o) => `aws-marketplace:${o}`),
        'iam:PassRole',
        'sts:GetCallerIdentity',
      ].sort(),
    );
  });

  it('lets the account owning the event queue read and delete its messages, on that queue only', () => {
    const withEvents = configSchema.parse({
      ...sandboxConfig,
      events: {
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/222233334444/fedora-marketplace-events',
        region: 'us-east-1',
        account: 'seller',
      },
    });
    const { internalAccount, sellerAccount } = iamPolicies(withEvents, 'aws');
    expect([...allowedActions(internalAccount)].filter((a) => a.startsWith('sqs:'))).toEqual([]);
    const consume = sellerAccount.Statement.filter((s) => s.Action.some((a) => a.startsWith('sqs:')));
    expect(consume).toEqual([
      {
        Sid: 'ConsumeAwsEvents',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: 'arn:aws:sqs:us-east-1:222233334444:fedora-marketplace-events',
      },
    ]);
  });

  it('grants the event queue in the listing partition only, whose accounts read it', () => {
    const events = {
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/fedora-marketplace-events',
      region: 'us-east-1',
    };
    const gov = govConfig().partitions['aws-us-gov'];
    const both = configSchema.parse({
      ...sandboxConfig,
      partitions: { ...sandboxConfig.partitions, 'aws-us-gov': gov },
      events,
    });
    const sqsOf = (config: Config, partition: 'aws' | 'aws-us-gov') =>
      [...allowedActions(iamPolicies(config, partition).internalAccount)].filter((a) => a.startsWith('sqs:'));
    expect(sqsOf(both, 'aws')).toEqual(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']);
    expect(sqsOf(both, 'aws-us-gov')).toEqual([]);
    // Alone, GovCloud carries the listing and so reads the queue.
    expect(sqsOf(configSchema.parse({ ...govConfig(), events }), 'aws-us-gov')).toHaveLength(3);
  });

  it('scopes mutations to image and snapshot ARNs of the partition', () => {
    const { internalAccount } = iamPolicies(govConfig(), 'aws-us-gov');
    const resourcesOf = (action: string) =>
      internalAccount.Statement.filter((s) => s.Action.includes(action)).flatMap((s) => [s.Resource].flat());
    expect(resourcesOf('ec2:CopyImage')).toEqual(['arn:aws-us-gov:ec2:*::image/*']);
    expect(resourcesOf('ec2:ModifySnapshotAttribute')).toEqual(['arn:aws-us-gov:ec2:*::snapshot/*']);
    expect(resourcesOf('ec2:DeleteSnapshot')).toEqual(['arn:aws-us-gov:ec2:*::snapshot/*']);
    expect(resourcesOf('ec2:CreateTags').sort()).toEqual([
      'arn:aws-us-gov:ec2:*::image/*',
      'arn:aws-us-gov:ec2:*::snapshot/*',
    ]);
    expect(resourcesOf('ssm:GetParameter')).toEqual([
      'arn:aws-us-gov:ssm:*::parameter/aws/service/marketplace/*',
    ]);
  });

  it('lets the seller pass only the access role, only to the Marketplace', () => {
    const { sellerAccount } = iamPolicies(config, 'aws');
    const passRole = sellerAccount.Statement.find((s) => s.Action.includes('iam:PassRole'));
    expect(passRole).toMatchObject({
      Resource: 'arn:aws:iam::444455556666:role/AWSMarketplaceAmiIngestion',
      Condition: { StringEquals: { 'iam:PassedToService': 'assets.marketplace.amazonaws.com' } },
    });
  });

  it('gives the access role the ingestion permissions and a Marketplace-only trust policy', () => {
    const { accessRole } = iamPolicies(config, 'aws');
    expect([...allowedActions(accessRole.policy)].sort()).toEqual([
      'ec2:DescribeImageAttribute',
      'ec2:DescribeImages',
      'ec2:DescribeSnapshotAttribute',
      'ec2:ModifyImageAttribute',
      'ec2:ModifySnapshotAttribute',
    ]);
    expect(accessRole.trustPolicy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'assets.marketplace.amazonaws.com' },
        Action: ['sts:AssumeRole'],
      }),
    ]);
  });

  it('shares the mirrors with the seller account only when another account holds them', () => {
    expect(iamPolicies(config, 'aws').sharedWith).toEqual([
      '679593333241',
      '684062674729',
      '264483973329',
      '444455556666',
    ]);
    const aws = sandboxConfig.partitions.aws!;
    const oneAccount = configSchema.parse({
      ...sandboxConfig,
      partitions: {
        aws: {
          ...aws,
          internalAccount: { accountId: '444455556666' },
        },
      },
    });
    expect(iamPolicies(oneAccount, 'aws').sharedWith).toEqual([
      '679593333241',
      '684062674729',
      '264483973329',
    ]);
  });

  it('never grants a wildcard action', () => {
    const policies = iamPolicies(config, 'aws');
    const documents = [
      policies.internalAccount,
      policies.sellerAccount,
      policies.accessRole.policy,
      policies.accessRole.trustPolicy,
    ];
    for (const document of documents)
      for (const action of allowedActions(document)) expect(action).not.toContain('*');
  });

  it('refuses a partition that is not configured', () => {
    expect(() => iamPolicies(config, 'aws-cn')).toThrow(/aws-cn is not configured/);
  });
});
