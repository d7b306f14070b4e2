/** `fedora-marketplace iam-policy`: the least-privilege IAM documents for the configured accounts. */
import { iamPolicies, type PolicyDocument } from '../../cloud/iam-policy.js';
import type { Partition } from '../../core/model/partition.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode } from '../../core/errors.js';
import type { CommonOptions } from '../../app/runtime.js';

interface IamPolicyOptions extends CommonOptions {
  partition: Partition;
}

const json = (document: PolicyDocument): string => JSON.stringify(document, null, 2);

export async function run(options: IamPolicyOptions): Promise<number> {
  const { config } = loadConfig(options.config);
  const policies = iamPolicies(config, options.partition);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(policies, null, 2)}\n`);
    return ExitCode.ok;
  }
  const cfg = config.partitions[options.partition];
  const sections: Array<[string, PolicyDocument]> = [
    [
      `Internal image account ${cfg?.internalAccount.accountId ?? ''}: identity policy`,
      policies.internalAccount,
    ],
    [
      `Marketplace seller account ${cfg?.sellerAccount.accountId ?? ''}: identity policy`,
      policies.sellerAccount,
    ],
    [
      `Marketplace AMI ingestion access role ${cfg?.marketplace.accessRoleArn ?? ''}: permissions policy`,
      policies.accessRole.policy,
    ],
    ['Marketplace AMI ingestion access role: trust policy', policies.accessRole.trustPolicy],
  ];
  const sharing =
    `## Accounts the internal account shares each mirrored image and its snapshots with\n\n` +
    policies.sharedWith
      .map(
        (account) =>
          `- ${account}${account === cfg?.sellerAccount.accountId ? ' (seller account: its access role reads the image)' : ''}\n`,
      )
      .join('');
  process.stdout.write(
    [...sections.map(([title, document]) => `## ${title}\n\n${json(document)}\n`), sharing].join('\n'),
  );
  return ExitCode.ok;
}
