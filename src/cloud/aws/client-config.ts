/**
 * Where each SDK client points and how it is configured: regional endpoints per partition, the
 * `endpoints` overrides of the config, and hooks that let callers (tests, the IAM recorder) add
 * middleware to every client the adapter creates.
 */
import type { AwsCredentialIdentityProvider, MiddlewareStack } from '@smithy/types';
import type { PartitionConfig } from '../../config/schema.js';
import type { Partition } from '../../core/model/partition.js';

export type AwsService = 'ec2' | 'ssm' | 'sts' | 'marketplaceCatalog' | 'sqs';

/** Which client a hook is looking at. */
export interface ClientTarget {
  partition: Partition;
  account: 'internal' | 'seller';
  accountId: string;
  service: AwsService;
  region: string;
}

/** Called once for every SDK client the adapter creates (including the STS client behind AssumeRole). */
export type ClientHook = <I extends object, O extends object>(
  client: { middlewareStack: MiddlewareStack<I, O> },
  target: ClientTarget,
) => void;

/**
 * The SDK retries once at most: the adapter's own retry (retry.ts) owns backoff, so a throttled call
 * is not retried 3 x N times, and every retry is visible in one place.
 */
export const sdkMaxAttempts = 1;

const dnsSuffixes: Record<Partition, string> = {
  aws: 'amazonaws.com',
  'aws-us-gov': 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
};

export function dnsSuffix(partition: Partition): string {
  return dnsSuffixes[partition];
}

/**
 * The regional STS endpoint: the global one (sts.amazonaws.com) issues tokens that opt-in regions
 * reject, and does not exist in aws-cn.
 */
export function stsEndpoint(partition: Partition, region: string, config: PartitionConfig): string {
  return config.endpoints.sts ?? `https://sts.${region}.${dnsSuffix(partition)}`;
}

/** An explicit endpoint only when the config overrides it; otherwise the SDK resolves it per region. */
export function endpointOverride(service: AwsService, config: PartitionConfig): string | undefined {
  return config.endpoints[service];
}

export interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials: AwsCredentialIdentityProvider;
  maxAttempts: number;
}

export function clientSettings(
  service: AwsService,
  region: string,
  config: PartitionConfig,
  credentials: AwsCredentialIdentityProvider,
): ClientSettings {
  const endpoint = endpointOverride(service, config);
  return { region, credentials, maxAttempts: sdkMaxAttempts, ...(endpoint ? { endpoint } : {}) };
}
