import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedActions, createActionRecorder, iamPolicies } from '../../src/cloud/iam-policy.js';
import {
  fedoraOwner,
  impostorOwner,
  motoAccounts,
  motoCloud,
  motoConfig,
  seededImages,
  startMoto,
  type Moto,
} from '../helpers/moto.js';
import { runEc2Contract } from './ec2-contract.js';

let moto: Moto;
const recorder = createActionRecorder();

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

runEc2Contract('aws adapter over moto', async () => {
  await moto.reset();
  const cloud = motoCloud(moto, { hooks: [recorder.hook] });
  return {
    ec2: cloud.clients('aws').ec2,
    internalAccount: motoAccounts.internal,
    fedoraOwner,
    source: { region: 'us-east-1', imageId: seededImages.x86_64.ami_id, name: seededImages.x86_64.name },
    impostor: { imageId: seededImages.impostor.ami_id, ownerId: impostorOwner },
    settle: async () => undefined,
    close: () => cloud.close(),
  };
});

describe('IAM policy covers what the contract issued', () => {
  it('grants every recorded action, and no wildcard action', () => {
    const policies = iamPolicies(motoConfig(moto.endpoint), 'aws');
    const recorded = recorder.actions();
    expect(recorded.internal).toEqual(
      expect.arrayContaining([
        'ec2:CopyImage',
        'ec2:DescribeImages',
        'ec2:ModifyImageAttribute',
        'ec2:ModifySnapshotAttribute',
      ]),
    );
    const internal = allowedActions(policies.internalAccount);
    expect(recorded.internal.filter((action) => !internal.has(action))).toEqual([]);
    const seller = allowedActions(policies.sellerAccount);
    expect(recorded.seller.filter((action) => !seller.has(action))).toEqual([]);
    const every = [
      policies.internalAccount,
      policies.sellerAccount,
      policies.accessRole.policy,
      policies.accessRole.trustPolicy,
    ];
    for (const document of every) {
      for (const action of allowedActions(document)) expect(action).not.toMatch(/\*/);
    }
  });
});
