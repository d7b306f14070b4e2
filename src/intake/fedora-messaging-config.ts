/**
 * Reads the TOML file fedora-messaging users already have (/etc/fedora-messaging/config.toml or
 * $FEDORA_MESSAGING_CONF) and turns it into the consumer's BusConfig, so nobody has to describe the
 * same broker twice. Keys fedora-messaging knows but this tool does not need (callback, log_config, ...)
 * are accepted and ignored; anything else is a typo and an error, as in fedora-messaging itself.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { formatPath } from '../config/load.js';
import type { ErrorContext } from '../core/errors.js';
import { ConfigError } from '../core/errors.js';
import type { BusConfig } from '../config/bus-config.js';
import { defaultBusRoutingKey } from '../config/bus-schema.js';

export type { BusConfig } from '../config/bus-config.js';

/** Fedora's shipped configurations use 25 (the library itself defaults to 10). */
export const defaultPrefetch = 25;

export interface FedoraMessagingConfig extends BusConfig {
  /** Reported to the broker so its administrators can tell what a connection is for. */
  clientProperties: Record<string, string | string[]>;
}

const queueSchema = z.strictObject({
  durable: z.boolean(),
  auto_delete: z.boolean(),
  exclusive: z.boolean(),
  arguments: z.record(z.string(), z.unknown()),
});

const fileSchema = z.strictObject({
  amqp_url: z
    .string()
    .regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL')
    .default('amqp://localhost'),
  tls: z
    .strictObject({
      ca_cert: z.string().min(1).optional(),
      certfile: z.string().min(1).optional(),
      keyfile: z.string().min(1).optional(),
    })
    .optional(),
  bindings: z
    .array(
      z.strictObject({
        exchange: z.string().min(1),
        queue: z.string().optional(),
        routing_keys: z.array(z.string().min(1)).min(1, 'must name at least one routing key'),
      }),
    )
    .optional(),
  queues: z.record(z.string(), queueSchema).optional(),
  qos: z
    .strictObject({
      prefetch_count: z.number().int().min(1).max(65535).optional(),
      // RabbitMQ does not implement a byte window; fedora-messaging's default is 0 for that reason.
      prefetch_size: z
        .literal(0, { error: 'must be 0: RabbitMQ does not support a prefetch size' })
        .optional(),
    })
    .optional(),
  topic_prefix: z.string().default(''),
  publish_exchange: z.string().min(1).default('amq.topic'),
  client_properties: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
  // Understood by fedora-messaging, not needed here.
  exchanges: z
    .record(
      z.string(),
      z.strictObject({
        type: z.string(),
        durable: z.boolean(),
        auto_delete: z.boolean(),
        arguments: z.record(z.string(), z.unknown()),
      }),
    )
    .optional(),
  publish_priority: z.number().int().min(0).max(255).optional(),
  passive_declares: z.boolean().optional(),
  callback: z.string().optional(),
  consumer_config: z.record(z.string(), z.unknown()).optional(),
  monitoring: z.record(z.string(), z.unknown()).optional(),
  log_config: z.record(z.string(), z.unknown()).optional(),
});

type FileConfig = z.infer<typeof fileSchema>;

export function loadFedoraMessagingConfig(file: string): FedoraMessagingConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the fedora-messaging configuration ${file}`,
      [{ field: file, rule: 'must be a readable TOML file', hint: 'check the path given to --bus-config' }],
      { cause: error },
    );
  }
  return parseFedoraMessagingConfig(text, file);
}

export function parseFedoraMessagingConfig(
  text: string,
  source = '(fedora-messaging config)',
): FedoraMessagingConfig {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    throw new ConfigError(
      `fedora-messaging configuration ${source} is not valid TOML`,
      [{ field: `${source}:${error.line}:${error.column}`, rule: error.message.split('\n')[0] }],
      { cause: error },
    );
  }
  // fedora-messaging lower-cases top-level keys before validating them.
  const lowered = Object.fromEntries(
    Object.entries(doc as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const result = fileSchema.safeParse(lowered);
  if (!result.success) {
    throw new ConfigError(
      `fedora-messaging configuration ${source} is invalid`,
      // A misspelt key also shows up as a missing one; the unknown key is the useful report.
      [...result.error.issues]
        .sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'))
        .map((issue) => issueContext(issue, lowered)),
    );
  }
  return normalize(result.data, source);
}

function normalize(file: FileConfig, source: string): FedoraMessagingConfig {
  const fail = (field: string, rule: string, hint?: string, value?: unknown): never => {
    throw new ConfigError(`fedora-messaging configuration ${source} is not supported`, [
      { field, rule, ...(hint ? { hint } : {}), ...(value !== undefined ? { value } : {}) },
    ]);
  };

  const bindings = file.bindings ?? [];
  const exchanges = new Set(bindings.map((b) => b.exchange));
  if (exchanges.size > 1) {
    fail('bindings', 'all bindings must use one exchange', 'bind to amq.topic only', [...exchanges]);
  }
  const exchange = bindings[0]?.exchange ?? 'amq.topic';

  const queueEntries = Object.entries(file.queues ?? {});
  if (queueEntries.length > 1) {
    fail(
      'queues',
      'exactly one queue can be consumed',
      'keep one [queues.<uuid>] table',
      queueEntries.map(([n]) => n),
    );
  }
  const [queueName, queueSettings] = queueEntries[0] ?? ['', undefined];
  bindings.forEach((b, i) => {
    if (b.queue !== undefined && b.queue !== queueName) {
      fail(
        `bindings[${i}].queue`,
        `must name the configured queue (${queueName || 'none configured'})`,
        undefined,
        b.queue,
      );
    }
  });

  const tls = file.tls;
  let tlsFiles: BusConfig['tls'];
  if (tls && (tls.ca_cert || tls.certfile || tls.keyfile)) {
    for (const key of ['ca_cert', 'certfile', 'keyfile'] as const) {
      if (!tls[key]) {
        fail(
          `tls.${key}`,
          'is required with the other [tls] files: the broker authenticates clients by certificate',
        );
      }
    }
    tlsFiles = {
      caFile: tls.ca_cert as string,
      certFile: tls.certfile as string,
      keyFile: tls.keyfile as string,
    };
  }

  const routingKeys = [...new Set(bindings.flatMap((b) => b.routing_keys))];
  return {
    url: file.amqp_url,
    ...(tlsFiles ? { tls: tlsFiles } : {}),
    exchange,
    queue: {
      // fedora-messaging's "" means server-named; listen keeps a UUID in its state directory instead, as
      // Fedora's public broker only accepts UUID names and a restart must find the same queue.
      name: queueName,
      durable: queueSettings?.durable ?? false,
      autoDelete: queueSettings?.auto_delete ?? true,
      exclusive: queueSettings?.exclusive ?? true,
      arguments: queueSettings?.arguments ?? {},
    },
    // Without [[bindings]], the same default as our own bus: every AWS image Fedora announces in production.
    routingKeys: routingKeys.length > 0 ? routingKeys : [defaultBusRoutingKey],
    prefetch: file.qos?.prefetch_count ?? defaultPrefetch,
    topicPrefix: file.topic_prefix,
    publishExchange: file.publish_exchange,
    clientProperties: file.client_properties,
  };
}

function issueContext(issue: z.core.$ZodIssue, input: unknown): ErrorContext {
  if (issue.code === 'unrecognized_keys') {
    return {
      field: issue.keys.map((k) => formatPath([...issue.path, k])).join(', '),
      rule: `unknown key${issue.keys.length > 1 ? 's' : ''}: not a fedora-messaging setting`,
      hint: 'check the spelling against examples/fedora-messaging.toml or the fedora-messaging configuration docs',
    };
  }
  let value: unknown = input;
  for (const seg of issue.path) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<PropertyKey, unknown>)[seg as string]
        : undefined;
  }
  const secret = issue.path[0] === 'amqp_url';
  return {
    field: formatPath(issue.path) || '(root)',
    ...(value !== undefined && !secret ? { value } : {}),
    rule: issue.message,
  };
}
