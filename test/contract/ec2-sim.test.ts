import { createSimCloud } from '../../src/cloud/sim/index.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import { configSchema } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { runEc2Contract } from './ec2-contract.js';

const fedoraOwner = '125523088429';
const impostorOwner = '999988887777';
const internalAccount = '111122223333';
const sourceName = 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4';

runEc2Contract('simulated cloud', async () => {
  const config = configSchema.parse(sandboxConfig);
  const clock = new ManualClock();
  const sim = createSimCloud({
    clock,
    sim: config.cloud.sim,
    fedoraOwner,
    partitions: {
      aws: {
        internalAccount,
        sellerAccount: '444455556666',
        accessRoleArns: [`arn:aws:iam::${internalAccount}:role/AWSMarketplaceAmiIngestion`],
        marketplaceAccounts: ['679593333241', '684062674729'],
      },
    },
  });
  const source = sim.seedImage({ region: 'us-east-1', name: sourceName, architecture: 'x86_64' });
  const impostor = sim.seedImage({
    region: 'us-east-1',
    name: sourceName,
    architecture: 'x86_64',
    ownerId: impostorOwner,
  });
  return {
    ec2: sim.clients('aws').ec2,
    internalAccount,
    fedoraOwner,
    source: { region: 'us-east-1', imageId: source.imageId, name: sourceName },
    impostor: { imageId: impostor.imageId, ownerId: impostorOwner },
    // The simulated copy is pending for copyImageSeconds of simulated time.
    settle: async () => clock.advance((config.cloud.sim.latency.copyImageSeconds + 1) * 1000),
    close: () => sim.close(),
  };
});
