/**
 * The production Cloud: per enabled partition, EC2/SSM/STS as the internal account and Catalog/STS
 * as the seller account, all built lazily. Only this folder imports the AWS SDK, so the CLI can load
 * it on demand.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { MarketplaceCatalogClient } from '@aws-sdk/client-marketplace-catalog';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider, MiddlewareStack, Pluggable } from '@smithy/types';
import type { AccountConfig, Config, PartitionConfig } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { listingPartition } from '../../config/partitions.js';
import type { Cloud, EventQueuePort, PartitionClients } from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import { AwsCatalog, catalogRegion } from './catalog.js';
import {
  clientSettings,
  sdkMaxAttempts,
  stsEndpoint,
  type ClientHook,
  type ClientTarget,
} from './client-config.js';
import { accountCredentials } from './credentials.js';
import { AwsEc2 } from './ec2.js';
import { AwsEventQueue } from './event-queue.js';
import { RegionalClients } from './regional-clients.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry.js';
import { AwsSsm } from './ssm.js';
import { AwsSts } from './sts.js';

/** The part of a pino logger the adapter uses. */
export interface AwsCloudLogger {
  warn(fields: object, message: string): void;
}

export interface AwsCloudOptions {
  logger?: AwsCloudLogger;
  retry?: Partial<RetryPolicy>;
  /** Applied to every SDK client created (tests: moto account header; IAM action recorder). */
  hooks?: ClientHook[];
}

interface Destroyable {
  destroy(): void;
}

export function createAwsCloud(config: Config, opts: AwsCloudOptions = {}): Cloud {
  const hooks = opts.hooks ?? [];
  const retry: RetryPolicy = {
    ...defaultRetryPolicy,
    ...opts.retry,
    onRetry:
      opts.retry?.onRetry ??
      (({ error, attempt, delayMs }) =>
        opts.logger?.warn(
          { service: error.service, operation: error.operation, awsCode: error.awsCode, attempt, delayMs },
          'retrying AWS call',
        )),
  };
  const built = new Map<Partition, PartitionClients>();
  const credentialsBy = new Map<Partition, ReturnType<typeof accounts>>();
  const destroyables: Destroyable[] = [];
  let eventQueue: EventQueuePort | undefined;

  function register<I extends object, O extends object>(
    client: Destroyable & { middlewareStack: MiddlewareStack<I, O> },
    target: ClientTarget,
  ): void {
    for (const hook of hooks) hook(client, target);
    destroyables.push(client);
  }

  function build(partition: Partition, cfg: PartitionConfig): PartitionClients {
    const { internal, seller, target } = accountsOf(partition, cfg);
    const stsClient = (
      role: 'internal' | 'seller',
      credentials: AwsCredentialIdentityProvider,
    ): STSClient => {
      const endpoint = stsEndpoint(partition, cfg.baseRegion, cfg);
      const client = new STSClient({
        region: cfg.baseRegion,
        endpoint,
        credentials,
        maxAttempts: sdkMaxAttempts,
      });
      register(client, target(role, 'sts', cfg.baseRegion));
      return client;
    };

    const ec2Clients = new RegionalClients((region) => {
      const client = new EC2Client(clientSettings('ec2', region, cfg, internal));
      register(client, target('internal', 'ec2', region));
      return client;
    });
    const ssmClients = new RegionalClients((region) => {
      const client = new SSMClient(clientSettings('ssm', region, cfg, internal));
      register(client, target('internal', 'ssm', region));
      return client;
    });
    const catalogClient = new MarketplaceCatalogClient(
      clientSettings('marketplaceCatalog', catalogRegion, cfg, seller),
    );
    register(catalogClient, target('seller', 'marketplaceCatalog', catalogRegion));
    return {
      partition,
      ec2: new AwsEc2(ec2Clients, cfg.baseRegion, retry),
      catalog: new AwsCatalog(catalogClient, retry),
      ssm: new AwsSsm(ssmClients, retry),
      internalSts: new AwsSts(stsClient('internal', internal), retry),
      sellerSts: new AwsSts(stsClient('seller', seller), retry),
    };
  }

  /**
   * One set of credential providers per partition, shared by its clients and the event queue: each
   * provider caches its own credentials (and an assumed role's session), so a second set would assume the
   * same role again.
   */
  function accountsOf(partition: Partition, cfg: PartitionConfig): ReturnType<typeof accounts> {
    let found = credentialsBy.get(partition);
    if (found === undefined) {
      found = accounts(partition, cfg);
      credentialsBy.set(partition, found);
    }
    return found;
  }

  /** Credentials of both accounts of a partition, and how hooks name a client of either. */
  function accounts(partition: Partition, cfg: PartitionConfig) {
    const target = (
      account: 'internal' | 'seller',
      service: ClientTarget['service'],
      region: string,
    ): ClientTarget => ({
      partition,
      account,
      accountId: (account === 'internal' ? cfg.internalAccount : cfg.sellerAccount).accountId,
      service,
      region,
    });
    const credentialsOf = (
      account: AccountConfig,
      role: 'internal' | 'seller',
    ): AwsCredentialIdentityProvider => {
      const stsTarget = target(role, 'sts', cfg.baseRegion);
      const stsPlugins: Array<Pluggable<object, object>> = hooks.map((hook) => ({
        applyToStack: (stack) => hook({ middlewareStack: stack }, stsTarget),
      }));
      return accountCredentials(account, { partition, config: cfg, stsPlugins });
    };
    return {
      internal: credentialsOf(cfg.internalAccount, 'internal'),
      seller: credentialsOf(cfg.sellerAccount, 'seller'),
      target,
    };
  }

  return {
    clients(partition: Partition): PartitionClients {
      const existing = built.get(partition);
      if (existing) return existing;
      const cfg = config.partitions[partition];
      if (!cfg?.enabled) {
        throw new ConfigError(`partition ${partition} is not configured or not enabled`, [
          {
            field: `partitions.${partition}`,
            rule: 'a partition must be configured with enabled: true before it is used',
            hint: `add partitions.${partition} to the configuration, or leave that partition out of the request`,
          },
        ]);
      }
      const clients = build(partition, cfg);
      built.set(partition, clients);
      return clients;
    },
    eventQueue(): EventQueuePort | undefined {
      const events = config.events;
      if (!events) return undefined;
      if (eventQueue) return eventQueue;
      // The queue belongs to the listing partition: its accounts' credentials and endpoints read it.
      const { partition, settings: cfg } = listingPartition(config);
      const owner = accountsOf(partition, cfg);
      const client = new SQSClient(
        clientSettings(
          'sqs',
          events.region,
          cfg,
          events.account === 'internal' ? owner.internal : owner.seller,
        ),
      );
      register(client, owner.target(events.account, 'sqs', events.region));
      eventQueue = new AwsEventQueue(client, events.queueUrl, retry);
      return eventQueue;
    },
    async close(): Promise<void> {
      eventQueue = undefined;
      for (const client of destroyables.splice(0)) client.destroy();
      built.clear();
      credentialsBy.clear();
    },
  };
}
