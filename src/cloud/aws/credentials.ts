/**
 * Credentials of one account: the default provider chain or a named profile, then, when a role is
 * configured, AssumeRole through the partition's regional STS endpoint.
 */
import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider, Pluggable } from '@smithy/types';
import type { AccountConfig, PartitionConfig } from '../../config/schema.js';
import type { Partition } from '../../core/model/partition.js';
import { sdkMaxAttempts, stsEndpoint } from './client-config.js';

export interface CredentialOptions {
  partition: Partition;
  config: PartitionConfig;
  /** Middleware for the STS client that performs AssumeRole (tests point it at an account). */
  stsPlugins?: Array<Pluggable<object, object>>;
}

export function accountCredentials(
  account: AccountConfig,
  options: CredentialOptions,
): AwsCredentialIdentityProvider {
  const base = account.profile ? fromIni({ profile: account.profile }) : fromNodeProviderChain();
  if (!account.roleArn) return base;
  const region = options.config.baseRegion;
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: {
      RoleArn: account.roleArn,
      RoleSessionName: account.sessionName,
      ...(account.externalId ? { ExternalId: account.externalId } : {}),
    },
    clientConfig: {
      region,
      endpoint: stsEndpoint(options.partition, region, options.config),
      maxAttempts: sdkMaxAttempts,
    },
    ...(options.stsPlugins ? { clientPlugins: options.stsPlugins } : {}),
  });
}
