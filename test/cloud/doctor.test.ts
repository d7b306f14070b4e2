/** `runDoctorChecks` on the simulated cloud with a mirror-only partition beside the listing one. */
import { describe, expect, it } from 'vitest';
import { runDoctorChecks } from '../../src/cloud/doctor.js';
import { createSimCloud } from '../../src/cloud/sim/index.js';
import { sandboxAccounts, sandboxConfig } from '../../src/config/sandbox-config.js';
import { configSchema } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';

const aws = sandboxConfig.partitions.aws!;
const govRole = `arn:aws-us-gov:iam::${sandboxAccounts.seller}:role/AWSMarketplaceAmiIngestion`;
const config = configSchema.parse({
  ...sandboxConfig,
  partitions: {
    aws,
    'aws-us-gov': {
      ...aws,
      baseRegion: 'us-gov-west-1',
      mirrorRegions: [],
      marketplace: { ...aws.marketplace, accessRoleArn: govRole },
    },
  },
  events: {
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/fedora-marketplace-events',
    region: 'us-east-1',
  },
});

describe('runDoctorChecks', () => {
  it("checks the event queue once, among the listing partition's checks", async () => {
    const accounts = (accessRoleArn: string) => ({
      internalAccount: sandboxAccounts.internal,
      sellerAccount: sandboxAccounts.seller,
      accessRoleArns: [accessRoleArn],
      marketplaceAccounts: aws.marketplace!.shareWithAccounts!,
    });
    const cloud = createSimCloud({
      clock: new ManualClock(),
      sim: config.cloud.sim,
      fedoraOwner: config.fedora.ownerAccount,
      partitions: { aws: accounts(aws.marketplace!.accessRoleArn!), 'aws-us-gov': accounts(govRole) },
    });
    const names = (await runDoctorChecks(config, cloud)).map((c) => c.name);
    const queue = names.filter((n) => n.startsWith('events:'));
    expect(queue).toEqual([`events: queue ${config.events!.queueUrl}`]);
    // Between the listing partition's checks, before any of GovCloud's.
    expect(names.indexOf(queue[0]!)).toBeLessThan(names.findIndex((n) => n.startsWith('aws-us-gov:')));
  });
});
