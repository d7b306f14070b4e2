import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { connectionOptions } from '../../../src/intake/amqp/connection.js';

describe('connectionOptions', () => {
  it('without TLS files leaves authentication to the URL and passes the client properties', async () => {
    const options = await connectionOptions(
      { url: 'amqp://guest:guest@127.0.0.1' },
      { connection_name: 'x' },
    );
    expect(options).toEqual({ clientProperties: { connection_name: 'x' } });
  });

  it('with TLS files reads them and authenticates by certificate (SASL EXTERNAL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-tls-'));
    const files = {
      caFile: join(dir, 'ca.pem'),
      certFile: join(dir, 'cert.pem'),
      keyFile: join(dir, 'key.pem'),
    };
    writeFileSync(files.caFile, 'CA');
    writeFileSync(files.certFile, 'CERT');
    writeFileSync(files.keyFile, 'KEY');
    const options = await connectionOptions(
      { url: 'amqps://fedora:@rabbitmq.example.org/%2Fpublic_pubsub', tls: files },
      { connection_name: 'x' },
    );
    expect(options.ca?.toString()).toBe('CA');
    expect(options.cert?.toString()).toBe('CERT');
    expect(options.key?.toString()).toBe('KEY');
    expect(options.credentials?.mechanism).toBe('EXTERNAL');
  });

  it('rejects a URL that is not amqp or amqps, without echoing its password', async () => {
    const error = await connectionOptions({ url: 'http://user:pw-secret@host/' }, {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).describe()).toContain('bus.url');
    expect((error as ConfigError).describe()).not.toContain('pw-secret');
  });
});
