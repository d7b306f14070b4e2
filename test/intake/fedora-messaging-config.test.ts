import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { defaultBusRoutingKey } from '../../src/config/bus-schema.js';
import {
  loadFedoraMessagingConfig,
  parseFedoraMessagingConfig,
} from '../../src/intake/fedora-messaging-config.js';

function configError(text: string): ConfigError {
  try {
    parseFedoraMessagingConfig(text, 'bus.toml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseFedoraMessagingConfig', () => {
  it('reads the example for Fedora public broker', () => {
    const config = loadFedoraMessagingConfig(
      new URL('../../examples/fedora-messaging.toml', import.meta.url).pathname,
    );
    expect(config).toEqual({
      url: 'amqps://fedora:@rabbitmq.fedoraproject.org/%2Fpublic_pubsub',
      tls: {
        caFile: '/etc/fedora-messaging/cacert.pem',
        certFile: '/etc/fedora-messaging/fedora-cert.pem',
        keyFile: '/etc/fedora-messaging/fedora-key.pem',
      },
      exchange: 'amq.topic',
      queue: {
        name: '8f4d1c2e-3b6a-4f7e-9a0d-5c2b7e1f9a34',
        durable: true,
        autoDelete: false,
        exclusive: false,
        arguments: {},
      },
      routingKeys: [defaultBusRoutingKey],
      prefetch: 25,
      topicPrefix: '',
      publishExchange: 'amq.topic',
      clientProperties: { app: 'fedora-marketplace', app_contacts_email: ['cloud@lists.fedoraproject.org'] },
    });
  });

  it('fills fedora-messaging defaults for an empty file, leaving the queue name to listen', () => {
    const first = parseFedoraMessagingConfig('');
    expect(first).toMatchObject({
      url: 'amqp://localhost',
      exchange: 'amq.topic',
      queue: { durable: false, autoDelete: true, exclusive: true, arguments: {} },
      routingKeys: ['org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.#'],
      prefetch: 25,
      topicPrefix: '',
      publishExchange: 'amq.topic',
      clientProperties: {},
    });
    expect(first.tls).toBeUndefined();
    // listen names an unnamed queue with the UUID kept in its state directory (app/queue-name.ts).
    expect(first.queue.name).toBe('');
  });

  it('merges the routing keys of several bindings and keeps queue arguments', () => {
    const config = parseFedoraMessagingConfig(`
amqp_url = "amqp://guest:guest@127.0.0.1:5672/%2F"
topic_prefix = "org.fedoraproject.stg"
publish_exchange = "fedora.events"
[queues.q1]
durable = true
auto_delete = false
exclusive = false
arguments = { "x-queue-type" = "quorum", "x-max-length" = 10000 }
[[bindings]]
queue = "q1"
exchange = "amq.topic"
routing_keys = ["org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.#", "org.fedoraproject.stg.fedora_image_uploader.published.v1.aws.#"]
[[bindings]]
exchange = "amq.topic"
routing_keys = ["org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.#"]
[qos]
prefetch_count = 5
`);
    expect(config.queue).toEqual({
      name: 'q1',
      durable: true,
      autoDelete: false,
      exclusive: false,
      arguments: { 'x-queue-type': 'quorum', 'x-max-length': 10000 },
    });
    expect(config.routingKeys).toEqual([
      'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.#',
      'org.fedoraproject.stg.fedora_image_uploader.published.v1.aws.#',
    ]);
    expect(config).toMatchObject({
      prefetch: 5,
      topicPrefix: 'org.fedoraproject.stg',
      publishExchange: 'fedora.events',
    });
  });

  it('accepts the fedora-messaging keys it does not use, and upper-case top-level keys', () => {
    const config = parseFedoraMessagingConfig(`
AMQP_URL = "amqp://broker.example.org"
callback = "fedora_messaging.example:printer"
passive_declares = false
publish_priority = 3
[consumer_config]
size = 10
[log_config]
version = 1
`);
    expect(config.url).toBe('amqp://broker.example.org');
  });

  it.each([
    ['an unknown top-level key', 'amqp_urll = "amqp://x"', 'amqp_urll', /unknown key/],
    ['an unknown tls key', '[tls]\nca_certs = "/x"', 'tls.ca_certs', /unknown key/],
    [
      'an unknown binding key',
      '[[bindings]]\nexchange = "amq.topic"\nrouting_key = ["a"]',
      'bindings[0].routing_key',
      /unknown key/,
    ],
    [
      'an unknown queue key',
      '[queues.q]\ndurable = true\nauto_delete = false\nexclusive = false\narguments = {}\nttl = 5',
      'queues.q.ttl',
      /unknown key/,
    ],
    ['an unknown qos key', '[qos]\nprefetch = 3', 'qos.prefetch', /unknown key/],
    [
      'a queue missing a setting',
      '[queues.q]\ndurable = true\nauto_delete = false\nexclusive = false',
      'queues.q.arguments',
      /expected record/,
    ],
    [
      'a binding without routing keys',
      '[[bindings]]\nexchange = "amq.topic"\nrouting_keys = []',
      'bindings[0].routing_keys',
      /at least one routing key/,
    ],
    ['an http url', 'amqp_url = "http://x"', 'amqp_url', /amqp:\/\/ or amqps:\/\//],
    ['a prefetch size', '[qos]\nprefetch_size = 1024', 'qos.prefetch_size', /RabbitMQ does not support/],
    ['a zero prefetch count', '[qos]\nprefetch_count = 0', 'qos.prefetch_count', /too small/i],
  ])('rejects %s naming the key path', (_name, text, field, rule) => {
    const error = configError(text);
    expect(error.context.field).toBe(field);
    expect(error.context.rule).toMatch(rule);
    expect(error.message).toContain('bus.toml');
  });

  it('never echoes the URL, which may carry a password', () => {
    const error = configError('amqp_url = "https://user:s3cret@broker"');
    expect(error.describe()).not.toContain('s3cret');
  });

  it.each([
    ['incomplete TLS files', '[tls]\nca_cert = "/etc/ca.pem"\ncertfile = "/etc/cert.pem"', 'tls.keyfile'],
    [
      'two queues',
      '[queues.a]\ndurable = true\nauto_delete = false\nexclusive = false\narguments = {}\n[queues.b]\ndurable = true\nauto_delete = false\nexclusive = false\narguments = {}',
      'queues',
    ],
    [
      'a binding to another queue',
      '[queues.a]\ndurable = true\nauto_delete = false\nexclusive = false\narguments = {}\n[[bindings]]\nqueue = "b"\nexchange = "amq.topic"\nrouting_keys = ["#"]',
      'bindings[0].queue',
    ],
    [
      'two exchanges',
      '[[bindings]]\nexchange = "amq.topic"\nrouting_keys = ["#"]\n[[bindings]]\nexchange = "other"\nrouting_keys = ["#"]',
      'bindings',
    ],
  ])('rejects %s as unsupported', (_name, text, field) => {
    expect(configError(text).context.field).toBe(field);
  });

  it('reports TOML syntax errors with line and column', () => {
    const error = configError('amqp_url = "amqp://x"\n[tls\n');
    expect(error.context.field).toMatch(/^bus\.toml:2:\d+$/);
    expect(error.context.rule).toMatch(/Invalid TOML document/);
  });

  it('reports an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-config-'));
    expect(() => loadFedoraMessagingConfig(join(dir, 'missing.toml'))).toThrow(ConfigError);
    const file = join(dir, 'ok.toml');
    writeFileSync(file, 'topic_prefix = "org.fedoraproject.prod"\n');
    expect(loadFedoraMessagingConfig(file).topicPrefix).toBe('org.fedoraproject.prod');
  });
});
