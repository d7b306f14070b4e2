/** StsPort over @aws-sdk/client-sts: who the configured credentials really are. */
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { StsPort } from '../ports.js';
import { withRetry, type RetryPolicy } from './retry.js';

export class AwsSts implements StsPort {
  constructor(
    private readonly client: STSClient,
    private readonly retry: RetryPolicy,
  ) {}

  async getCallerIdentity(): Promise<{ account: string; arn: string; userId: string }> {
    const result = await withRetry(this.retry, 'sts', 'GetCallerIdentity', () =>
      this.client.send(new GetCallerIdentityCommand({})),
    );
    return { account: result.Account ?? '', arn: result.Arn ?? '', userId: result.UserId ?? '' };
  }
}
