/**
 * The `bus:` section of our YAML: the broker `listen` consumes from and announces to. It maps onto the
 * same BusConfig the fedora-messaging TOML reader produces, so either source feeds the consumer.
 */
import { z } from 'zod';
import type { BusConfig } from './bus-config.js';

/** The local RabbitMQ the sandbox and the tests use (`.ci/run` starts it). */
export const sandboxBusUrl = 'amqp://guest:guest@127.0.0.1:5672/%2F';
export const defaultBusRoutingKey = 'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.#';
/**
 * Higher than fedora-messaging's per-message consumers use: listen commits the decisions of one prefetch
 * window together, one disk sync per window, before acknowledging them, so the window sets the batch.
 */
export const defaultBusPrefetch = 100;

export const busSchema = z.strictObject({
  url: z
    .string()
    .regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL')
    .default(sandboxBusUrl),
  /** PEM files; Fedora's public broker authenticates clients by certificate. */
  tls: z
    .strictObject({ caFile: z.string().min(1), certFile: z.string().min(1), keyFile: z.string().min(1) })
    .optional(),
  exchange: z.string().min(1).default('amq.topic'),
  queue: z
    .strictObject({
      /**
       * Absent: a UUID made once and kept in the state directory (Fedora's broker requires UUID names),
       * so a restart consumes what arrived meanwhile. Several workers share one queue by naming it.
       */
      name: z.string().min(1).optional(),
      durable: z.boolean().default(true),
      autoDelete: z.boolean().default(false),
      exclusive: z.boolean().default(false),
    })
    .default({ durable: true, autoDelete: false, exclusive: false }),
  routingKeys: z.array(z.string().min(1)).min(1).default([defaultBusRoutingKey]),
  prefetch: z.number().int().min(1).max(65535).default(defaultBusPrefetch),
  /** Prepended to announcement topics. */
  topicPrefix: z.string().default('org.fedoraproject.prod'),
  publishExchange: z.string().min(1).default('amq.topic'),
  /** Publish a message when each job is published or fails. */
  announce: z.boolean().default(true),
});

export type BusSection = z.infer<typeof busSchema>;

/** The consumer/publisher settings of a `bus:` section (all defaults when the section is absent). */
export function busConfigFrom(section: BusSection | undefined): BusConfig {
  const bus = section ?? busSchema.parse({});
  return {
    url: bus.url,
    ...(bus.tls ? { tls: { ...bus.tls } } : {}),
    exchange: bus.exchange,
    queue: { ...bus.queue, name: bus.queue.name ?? '', arguments: {} },
    routingKeys: [...bus.routingKeys],
    prefetch: bus.prefetch,
    topicPrefix: bus.topicPrefix,
    publishExchange: bus.publishExchange,
  };
}
