import { readFile } from 'node:fs/promises';
import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import type { BackoffPolicy } from '../../core/backoff.js';
import { ConfigError } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';
import type { BusConfig, BusTlsFiles } from '../../config/bus-config.js';

async function readTlsFiles(tls: BusTlsFiles): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
  const read = async (field: keyof BusTlsFiles): Promise<Buffer> => {
    try {
      return await readFile(tls[field]);
    } catch (error) {
      throw new ConfigError(
        'Cannot read a TLS file for the message bus',
        [
          {
            field: `bus.tls.${field}`,
            value: tls[field],
            rule: 'must be a readable PEM file',
            hint: 'check the path and its permissions',
          },
        ],
        { cause: error },
      );
    }
  };
  return { ca: await read('caFile'), cert: await read('certFile'), key: await read('keyFile') };
}

function checkUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch (error) {
    throw new ConfigError(
      'The message bus URL is not a URL',
      [{ field: 'bus.url', value: redactUrl(url), rule: 'must be an amqp:// or amqps:// URL' }],
      {
        cause: error,
      },
    );
  }
  if (protocol !== 'amqp:' && protocol !== 'amqps:') {
    throw new ConfigError('The message bus URL has an unsupported scheme', [
      { field: 'bus.url', value: redactUrl(url), rule: 'scheme must be amqp or amqps' },
    ]);
  }
}

/** Socket options amqplib connects with: TLS files and certificate (EXTERNAL) authentication when configured. */
export interface ConnectionOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  credentials?: { mechanism: string; response(): Buffer };
  clientProperties: Record<string, unknown>;
}

/**
 * With a client certificate the broker identifies the client by it (SASL EXTERNAL), as
 * fedora-messaging does against Fedora's broker, whose URL carries a user name but no password.
 * Misconfiguration (bad URL, unreadable TLS files) throws ConfigError, which callers must not retry.
 */
export async function connectionOptions(
  config: Pick<BusConfig, 'url' | 'tls'>,
  clientProperties: Record<string, unknown>,
): Promise<ConnectionOptions> {
  checkUrl(config.url);
  if (!config.tls) return { clientProperties };
  return { ...(await readTlsFiles(config.tls)), credentials: amqp.credentials.external(), clientProperties };
}

/**
 * Opens one connection. `connectionName` is shown by the broker (`rabbitmqctl list_connections
 * client_properties`), which is how operators and tests find it.
 */
export async function openConnection(
  config: Pick<BusConfig, 'url' | 'tls'>,
  connectionName: string,
  clientProperties: Record<string, unknown> = {},
): Promise<ChannelModel> {
  const options = await connectionOptions(config, { ...clientProperties, connection_name: connectionName });
  return amqp.connect(config.url, options);
}

/**
 * The `amq.*` exchanges are predeclared and the broker refuses to declare them again, so they are
 * only checked; any other exchange is declared as Fedora's is: topic, durable.
 */
export async function ensureTopicExchange(channel: Channel, name: string): Promise<void> {
  if (name.startsWith('amq.')) await channel.checkExchange(name);
  else await channel.assertExchange(name, 'topic', { durable: true });
}

/** Reconnection and republish delays (see core/backoff.ts). */
export const defaultBackoff: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** Reason text for a lost connection, without the URL (which may hold a password). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
