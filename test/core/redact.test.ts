import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/core/redact.js';

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('amqps://fedora:hunter2@rabbitmq.example.org/%2Fpublic_pubsub')).toBe(
      'amqps://fedora:***@rabbitmq.example.org/%2Fpublic_pubsub',
    );
    expect(redactUrl('postgres://app:s3cret@db.example.org:5432/jobs')).toBe(
      'postgres://app:***@db.example.org:5432/jobs',
    );
  });

  it('leaves URLs without a password alone and never echoes what it cannot parse', () => {
    expect(redactUrl('amqp://guest@localhost')).toBe('amqp://guest@localhost');
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
    expect(redactUrl('not a url with:password@inside')).toBe('(unparseable URL)');
  });
});
