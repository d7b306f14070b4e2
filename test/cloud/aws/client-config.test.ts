import { describe, expect, it } from 'vitest';
import { clientSettings, stsEndpoint } from '../../../src/cloud/aws/client-config.js';
import { motoConfig } from '../../helpers/moto.js';

const partition = motoConfig('http://127.0.0.1:9').partitions.aws!;
const noOverrides = { ...partition, endpoints: {} };
const credentials = async () => ({ accessKeyId: 'a', secretAccessKey: 'b' });

describe('client endpoints', () => {
  it('uses the regional STS endpoint of each partition', () => {
    expect(stsEndpoint('aws', 'ap-southeast-5', noOverrides)).toBe(
      'https://sts.ap-southeast-5.amazonaws.com',
    );
    expect(stsEndpoint('aws-cn', 'cn-northwest-1', noOverrides)).toBe(
      'https://sts.cn-northwest-1.amazonaws.com.cn',
    );
    expect(stsEndpoint('aws-us-gov', 'us-gov-west-1', noOverrides)).toBe(
      'https://sts.us-gov-west-1.amazonaws.com',
    );
  });

  it('honours configured overrides and otherwise lets the SDK resolve per region', () => {
    expect(stsEndpoint('aws', 'us-east-1', partition)).toBe('http://127.0.0.1:9');
    expect(clientSettings('ec2', 'eu-west-1', partition, credentials)).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
    });
    expect(clientSettings('ec2', 'eu-west-1', noOverrides, credentials)).not.toHaveProperty('endpoint');
  });
});
