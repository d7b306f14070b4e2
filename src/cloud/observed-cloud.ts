/**
 * A Cloud that reports every port call to an observer (metrics, readiness) and otherwise behaves exactly
 * like the one it wraps. The observer never sees arguments or results, only what was called and how it
 * ended, so nothing it records can carry a credential.
 */
import { CloudError, type CloudErrorKind } from '../core/errors.js';
import type { Partition } from '../core/model/partition.js';
import type { Cloud, PartitionClients } from './ports.js';

/** The service behind each member of PartitionClients. */
const services = {
  ec2: 'ec2',
  catalog: 'marketplace-catalog',
  ssm: 'ssm',
  internalSts: 'sts',
  sellerSts: 'sts',
} as const satisfies Record<Exclude<keyof PartitionClients, 'partition'>, string>;

export type CloudService = (typeof services)[keyof typeof services];

/** How a call ended: `ok`, the CloudError kind it failed with, or `error` for anything else. */
export type CloudCallOutcome = 'ok' | CloudErrorKind | 'error';

export interface CloudCall {
  partition: Partition;
  service: CloudService;
  /** The port operation, named after the AWS API it calls (`CopyImage`, `StartChangeSet`). */
  operation: string;
  outcome: CloudCallOutcome;
}

export function observeCloud(cloud: Cloud, observe: (call: CloudCall) => void): Cloud {
  const wrapped = new Map<Partition, PartitionClients>();
  return {
    clients(partition) {
      let clients = wrapped.get(partition);
      if (!clients) {
        const inner = cloud.clients(partition);
        clients = { ...inner };
        for (const [member, service] of Object.entries(services) as Array<
          [keyof typeof services, CloudService]
        >)
          Object.assign(clients, { [member]: observePort(inner[member], partition, service, observe) });
        wrapped.set(partition, clients);
      }
      return clients;
    },
    // The event queue is read by the consumer, which counts its own messages (app/telemetry).
    ...(cloud.eventQueue ? { eventQueue: () => cloud.eventQueue?.() } : {}),
    close: () => cloud.close(),
  };
}

function observePort<T extends object>(
  port: T,
  partition: Partition,
  service: CloudService,
  observe: (call: CloudCall) => void,
): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const operation = property.charAt(0).toUpperCase() + property.slice(1);
      return async (...args: unknown[]) => {
        try {
          const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
          observe({ partition, service, operation, outcome: 'ok' });
          return result;
        } catch (error) {
          const outcome = error instanceof CloudError ? error.kind : 'error';
          observe({ partition, service, operation, outcome });
          throw error;
        }
      };
    },
  });
}
