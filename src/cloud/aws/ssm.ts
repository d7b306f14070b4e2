/** SsmPort over @aws-sdk/client-ssm: reads the Marketplace's public AMI alias parameters. */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { CloudError } from '../../core/errors.js';
import type { SsmPort } from '../ports.js';
import type { RegionalClients } from './regional-clients.js';
import { withRetry, type RetryPolicy } from './retry.js';

export class AwsSsm implements SsmPort {
  constructor(
    private readonly clients: RegionalClients<SSMClient>,
    private readonly retry: RetryPolicy,
  ) {}

  async getParameter(region: string, name: string): Promise<string | undefined> {
    const client = this.clients.get(region);
    try {
      const result = await withRetry(this.retry, 'ssm', 'GetParameter', () =>
        client.send(new GetParameterCommand({ Name: name })),
      );
      return result.Parameter?.Value;
    } catch (error) {
      if (error instanceof CloudError && error.awsCode === 'ParameterNotFound') return undefined;
      throw error;
    }
  }
}
