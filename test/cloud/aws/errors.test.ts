import { DescribeImagesCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  AccessDeniedException,
  MarketplaceCatalogClient,
  ResourceInUseException,
  StartChangeSetCommand,
  ThrottlingException,
} from '@aws-sdk/client-marketplace-catalog';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsCatalog } from '../../../src/cloud/aws/catalog.js';
import { AwsEc2 } from '../../../src/cloud/aws/ec2.js';
import { scrubSecrets, toCloudError } from '../../../src/cloud/aws/errors.js';
import { RegionalClients } from '../../../src/cloud/aws/regional-clients.js';
import { defaultRetryPolicy, type RetryPolicy } from '../../../src/cloud/aws/retry.js';
import { CloudError } from '../../../src/core/errors.js';

const once: RetryPolicy = { ...defaultRetryPolicy, maxAttempts: 1 };
const ec2Mock = mockClient(EC2Client);
const catalogMock = mockClient(MarketplaceCatalogClient);
afterEach(() => {
  ec2Mock.reset();
  catalogMock.reset();
});

function ec2Port(): AwsEc2 {
  return new AwsEc2(new RegionalClients(() => new EC2Client({ region: 'us-east-1' })), 'us-east-1', once);
}

function catalogPort(): AwsCatalog {
  return new AwsCatalog(new MarketplaceCatalogClient({ region: 'us-east-1' }), once);
}

function ec2Error(name: string, status: number, message = `${name} happened`): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

const startRequest = {
  changes: [
    {
      ChangeType: 'AddRegions',
      Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-x' },
      DetailsDocument: {},
    },
  ],
  changeSetName: 'add regions',
  clientRequestToken: 'token-1',
};

describe('toCloudError through the adapter', () => {
  it('maps EC2 RequestLimitExceeded to throttling', async () => {
    ec2Mock.on(DescribeImagesCommand).rejects(ec2Error('RequestLimitExceeded', 503));
    const error = await ec2Port()
      .describeImages('us-east-1', { owners: ['self'] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({
      kind: 'throttling',
      awsCode: 'RequestLimitExceeded',
      service: 'ec2',
      operation: 'DescribeImages',
    });
    expect((error as CloudError).retryable).toBe(true);
  });

  it('maps Catalog ThrottlingException, ResourceInUseException and AccessDeniedException', async () => {
    catalogMock
      .on(StartChangeSetCommand)
      .rejectsOnce(new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }))
      .rejectsOnce(
        new ResourceInUseException({
          message: 'entity locked by a change set',
          $metadata: { httpStatusCode: 423 },
        }),
      )
      .rejectsOnce(new AccessDeniedException({ message: 'not allowed', $metadata: { httpStatusCode: 403 } }));
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const error = (await catalogPort()
        .startChangeSet(startRequest)
        .catch((e: unknown) => e)) as CloudError;
      kinds.push(`${error.kind}/${error.awsCode}`);
    }
    expect(kinds).toEqual([
      'throttling/ThrottlingException',
      'resource-in-use/ResourceInUseException',
      'access-denied/AccessDeniedException',
    ]);
  });

  it('maps a 500 with an HTML body to server / NotImplemented', async () => {
    const htmlError = Object.assign(
      new Error(
        '@aws-sdk XML parse error: mismatched tags <html> and </title>.\n  Deserialization error: ...',
      ),
      { $metadata: { httpStatusCode: 500 } },
    );
    ec2Mock.on(DescribeImagesCommand).rejects(htmlError);
    const error = await ec2Port()
      .describeImages('us-east-1', { owners: ['self'] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'server', awsCode: 'NotImplemented' });
    expect((error as CloudError).message).not.toContain('<html>');
  });

  it('keeps credentials and signed headers out of the message', async () => {
    const leaky =
      'denied. Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/ec2/aws4_request, ' +
      'SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLETOKEN ' +
      'secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"';
    ec2Mock.on(DescribeImagesCommand).rejects(ec2Error('UnauthorizedOperation', 403, leaky));
    const error = (await ec2Port()
      .describeImages('us-east-1', { owners: ['self'] })
      .catch((e: unknown) => e)) as CloudError;
    expect(error.kind).toBe('access-denied');
    const shown = `${error.message}\n${error.describe()}\n${JSON.stringify(error)}`;
    for (const secret of [
      'AKIAIOSFODNN7EXAMPLE',
      '0123456789abcdef0123456789abcdef',
      'FwoGZXIvYXdzEXAMPLETOKEN',
      'wJalrXUtnFEMI',
    ]) {
      expect(shown).not.toContain(secret);
    }
    expect(error.message).toContain('denied');
    expect(error.cause).toBeUndefined();
  });
});

describe('toCloudError kinds', () => {
  const cases: Array<[unknown, string, string]> = [
    [ec2Error('Throttling', 400), 'throttling', 'Throttling'],
    [ec2Error('TooManyRequestsException', 429), 'throttling', 'TooManyRequestsException'],
    [ec2Error('SomethingOdd', 429), 'throttling', 'SomethingOdd'],
    [ec2Error('InternalError', 500), 'server', 'InternalError'],
    [ec2Error('ServiceUnavailable', 503), 'server', 'ServiceUnavailable'],
    [ec2Error('InvalidSnapshot.NotFound', 400), 'not-found', 'InvalidSnapshot.NotFound'],
    [ec2Error('ResourceNotFoundException', 404), 'not-found', 'ResourceNotFoundException'],
    [ec2Error('InvalidParameterValue', 400), 'validation', 'InvalidParameterValue'],
    [ec2Error('ValidationException', 422), 'validation', 'ValidationException'],
    [ec2Error('AuthFailure', 401), 'access-denied', 'AuthFailure'],
    [ec2Error('ServiceQuotaExceededException', 402), 'quota', 'ServiceQuotaExceededException'],
    [ec2Error('IdempotentParameterMismatch', 400), 'conflict', 'IdempotentParameterMismatch'],
    [ec2Error('ConflictException', 409), 'conflict', 'ConflictException'],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'network',
      'ECONNREFUSED',
    ],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network', 'ECONNRESET'],
    [Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'network', 'TimeoutError'],
    [Object.assign(new Error('boom'), { code: 'ETIMEDOUT' }), 'network', 'ETIMEDOUT'],
  ];
  it.each(cases)('%#: maps to %s', (raw, kind, awsCode) => {
    const error = toCloudError(raw, 'ec2', 'DescribeImages');
    expect([error.kind, error.awsCode]).toEqual([kind, awsCode]);
  });

  it('passes a CloudError through unchanged', () => {
    const original = toCloudError(ec2Error('Throttling', 400), 'ec2', 'CopyImage');
    expect(toCloudError(original, 'ssm', 'GetParameter')).toBe(original);
  });

  it('scrubs query-string signatures too', () => {
    const text = scrubSecrets(
      'GET /?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F2026&X-Amz-Signature=deadbeef&Action=X',
    );
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(text).not.toContain('deadbeef');
    expect(text).toContain('Action=X');
  });
});
