import { DescribeImagesCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsEc2 } from '../../../src/cloud/aws/ec2.js';
import { RegionalClients } from '../../../src/cloud/aws/regional-clients.js';
import { defaultRetryPolicy, withRetry, type RetryPolicy } from '../../../src/cloud/aws/retry.js';
import { CloudError } from '../../../src/core/errors.js';

const ec2Mock = mockClient(EC2Client);
afterEach(() => ec2Mock.reset());

function recordingPolicy(overrides: Partial<RetryPolicy> = {}): { policy: RetryPolicy; sleeps: number[] } {
  const sleeps: number[] = [];
  const policy: RetryPolicy = {
    ...defaultRetryPolicy,
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 250,
    // Always the top of the jitter range, so the exponential ceiling and the cap are visible.
    random: () => 0.999999,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  };
  return { policy, sleeps };
}

const throttled = () =>
  new EC2ServiceException({
    name: 'RequestLimitExceeded',
    $fault: 'client',
    $metadata: { httpStatusCode: 503 },
    message: 'slow',
  });

describe('withRetry', () => {
  it('retries throttling with capped exponential backoff, then succeeds', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({
        Images: [{ ImageId: 'ami-0123456789abcdef0', OwnerId: '111122223333', State: 'available' }],
      });
    const { policy, sleeps } = recordingPolicy();
    const ec2 = new AwsEc2(
      new RegionalClients(() => new EC2Client({ region: 'us-east-1' })),
      'us-east-1',
      policy,
    );
    const images = await ec2.describeImages('us-east-1', { owners: ['self'] });
    expect(images.map((i) => i.imageId)).toEqual(['ami-0123456789abcdef0']);
    expect(sleeps).toEqual([100, 200, 250]);
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(4);
  });

  it('gives up after maxAttempts with the last CloudError', async () => {
    const { policy, sleeps } = recordingPolicy({ maxAttempts: 3 });
    let calls = 0;
    const error = await withRetry(policy, 'ec2', 'CopyImage', async () => {
      calls++;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({ kind: 'network', operation: 'CopyImage' });
    expect(calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry validation, access-denied or resource-in-use', async () => {
    for (const name of ['InvalidParameterValue', 'UnauthorizedOperation', 'ResourceInUseException']) {
      const { policy, sleeps } = recordingPolicy();
      let calls = 0;
      await withRetry(policy, 'ec2', 'CopyImage', async () => {
        calls++;
        throw new EC2ServiceException({
          name,
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: name,
        });
      }).catch(() => undefined);
      expect([name, calls, sleeps.length]).toEqual([name, 1, 0]);
    }
  });

  it('does not retry a request its caller aborted', async () => {
    const { policy, sleeps } = recordingPolicy();
    const abort = new AbortController();
    let calls = 0;
    const error = await withRetry(
      policy,
      'sqs',
      'ReceiveMessage',
      async () => {
        calls++;
        abort.abort();
        throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      },
      abort.signal,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', operation: 'ReceiveMessage' });
    expect([calls, sleeps.length]).toEqual([1, 0]);
  });

  it('reports each retry', async () => {
    const seen: Array<[string, number]> = [];
    const { policy } = recordingPolicy({
      onRetry: ({ error, attempt }) => seen.push([error.awsCode, attempt]),
    });
    let calls = 0;
    const value = await withRetry(policy, 'sts', 'GetCallerIdentity', async () => {
      if (++calls < 3) throw throttled();
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(seen).toEqual([
      ['RequestLimitExceeded', 1],
      ['RequestLimitExceeded', 2],
    ]);
  });
});
