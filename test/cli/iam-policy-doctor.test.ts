/** `iam-policy` and `doctor` through the BUILT command line, on the embedded sandbox. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { runCli, runJson, tempStateDir } from '../helpers/cli.js';

interface Document {
  Statement: Array<{ Action: string[]; Principal?: unknown }>;
}
interface PoliciesJson {
  internalAccount: Document;
  sellerAccount: Document;
  accessRole: { policy: Document; trustPolicy: Document };
}
interface DoctorJson {
  checks: Array<{ name: string; ok: boolean; detail: string; hint?: string }>;
}

let state: ReturnType<typeof tempStateDir>;
beforeEach(() => {
  state = tempStateDir();
});
afterEach(() => state.remove());

describe('fedora-marketplace iam-policy', () => {
  it('prints the four documents as JSON, none granting a wildcard action', async () => {
    const policies = await runJson<PoliciesJson>(['iam-policy'], { stateDir: state.dir });
    const documents = [
      policies.internalAccount,
      policies.sellerAccount,
      policies.accessRole.policy,
      policies.accessRole.trustPolicy,
    ];
    const actions = documents.flatMap((d) => d.Statement.flatMap((s) => s.Action));
    expect(actions).toContain('ec2:CopyImage');
    expect(actions).toContain('aws-marketplace:StartChangeSet');
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(policies.accessRole.trustPolicy.Statement[0]?.Principal).toEqual({
      Service: 'assets.marketplace.amazonaws.com',
    });
  });

  it('titles each section in human output, and uses the partition asked for', async () => {
    const result = await runCli(['iam-policy'], { stateDir: state.dir });
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^## /gm)).toHaveLength(5);
    expect(result.stdout).toContain('## Marketplace AMI ingestion access role: trust policy');
    expect(result.stdout).toContain('- 264483973329\n');
    expect(result.stdout).toContain('- 444455556666 (seller account: its access role reads the image)');
    const refused = await runCli(['iam-policy', '--partition', 'aws-cn'], { stateDir: state.dir });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('partitions.aws-cn');
  });
});

describe('fedora-marketplace doctor on the sandbox', () => {
  it('passes every check of the embedded configuration', async () => {
    const { checks } = await runJson<DoctorJson>(['doctor'], { stateDir: state.dir });
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['aws: internal account identity', true],
      ['aws: seller account identity', true],
      ['aws: region us-east-1 enabled', true],
      ['aws: region us-east-2 enabled', true],
      ['aws: region eu-west-1 enabled', true],
      ['aws: Catalog API reachable', true],
    ]);
  });

  it('fails with exit 7 and a fix for a product id that does not exist and an opt-in region', async () => {
    const aws = sandboxConfig.partitions.aws;
    const product = sandboxConfig.products['Cloud_Base'];
    const file = join(state.dir, 'doctor.yaml');
    writeFileSync(
      file,
      stringify({
        ...sandboxConfig,
        partitions: { aws: { ...aws, mirrorRegions: ['mx-central-1'] } },
        products: { Cloud_Base: { ...product, productIds: { '41/x86_64': 'prod-doesnotexist00' } } },
      }),
    );
    const { checks } = await runJson<DoctorJson>(['doctor', '--config', file], { stateDir: state.dir }, 7);
    const failed = checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual([
      'aws: region mx-central-1 enabled',
      'aws: product Cloud_Base 41/x86_64 prod-doesnotexist00',
    ]);
    expect(failed[0]?.hint).toContain('mirrorRegions');
    expect(failed[1]?.hint).toContain('products.Cloud_Base.productIds.41/x86_64');
    const human = await runCli(['doctor', '--config', file], { stateDir: state.dir });
    expect(human.code).toBe(7);
    expect(human.stdout).toMatch(/FAIL aws: product Cloud_Base/);
    expect(human.stdout).toContain('2 check(s) failed.');
  });
});

describe("the access role must be the seller account's", () => {
  const file = () => join(state.dir, 'foreign-role.yaml');
  const internalRole = 'arn:aws:iam::111122223333:role/AWSMarketplaceAmiIngestion';
  beforeEach(() => {
    const aws = sandboxConfig.partitions.aws!;
    writeFileSync(
      file(),
      stringify({
        ...sandboxConfig,
        partitions: { aws: { ...aws, marketplace: { ...aws.marketplace, accessRoleArn: internalRole } } },
      }),
    );
  });

  it.each([['config', 'validate'], ['doctor']])(
    '%s %s refuses a role of the internal account',
    async (...command) => {
      const result = await runCli([...command, '--config', file()], { stateDir: state.dir });
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toContain('field: partitions.aws.marketplace.accessRoleArn');
      expect(result.stderr).toContain(`value: "${internalRole}"`);
      expect(result.stderr).toContain('must be a role of the seller account 444455556666');
      expect(result.stderr).toContain(
        'Fix: create the role in the seller account (`fedora-marketplace iam-policy` prints its policies) and set arn:aws:iam::444455556666:role/AWSMarketplaceAmiIngestion',
      );
    },
  );
});
