/**
 * Connection settings for the fedora-messaging bus, in the same shape as the TOML reader's BusConfig
 * so that its result can be handed to the consumer and publisher unchanged.
 */

/** PEM files for TLS client authentication (Fedora's public broker requires a client certificate). */
export interface BusTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface BusQueueOptions {
  /** Empty: `listen` uses the UUID kept in its state directory (Fedora's broker requires UUID names). */
  name: string;
  durable: boolean;
  autoDelete: boolean;
  exclusive: boolean;
  arguments: Record<string, unknown>;
}

export interface BusConfig {
  /** `amqp://` or `amqps://`; may hold a password, so it is never logged as is (see redactUrl). */
  url: string;
  tls?: BusTlsFiles;
  /** Exchange the consumer binds to; a topic exchange (Fedora: `amq.topic`). */
  exchange: string;
  queue: BusQueueOptions;
  /** Binding keys, AMQP topic patterns such as `org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.#`. */
  routingKeys: string[];
  /** Unacknowledged deliveries the broker may hand out at once; bounds concurrent handlers too. */
  prefetch: number;
  /** Prepended to published topics, e.g. `org.fedoraproject.prod`. */
  topicPrefix: string;
  /** Exchange announcements are published to (Fedora: `amq.topic`). */
  publishExchange: string;
}
