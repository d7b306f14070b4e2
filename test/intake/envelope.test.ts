import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { readDelivery, readMessages } from '../../src/intake/envelope.js';
import { inputLimits } from '../../src/intake/raw-json.js';
import { messagesOf } from '../helpers/messages.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/messages/${name}`, import.meta.url), 'utf8');

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('readMessages', () => {
  it('reads one pretty-printed serialized message with headers and id', () => {
    const [msg, ...rest] = messagesOf(fixture('f41-updates-x86_64.json'), { file: 'f41.json' });
    expect(rest).toEqual([]);
    expect(msg?.topic).toBe(
      'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.41.x86_64',
    );
    expect(msg?.headers).toMatchObject({
      fedora_messaging_schema: 'fedora_image_uploader.published.v1.aws',
      fedora_messaging_severity: 20,
      'sent-at': '2025-03-11T06:42:17+00:00',
    });
    expect(msg?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(msg?.body).toMatchObject({ architecture: 'x86_64', release: 41 });
    expect(msg?.line).toBeUndefined();
  });

  it('reads the dump format line by line, skipping blank lines and keeping line numbers', () => {
    const messages = messagesOf(fixture('mixed.jsonl'), { file: 'mixed.jsonl' });
    expect(messages).toHaveLength(9);
    expect(messages.map((m) => m.line)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10]);
    expect(messages[8]?.topic).toBe('org.fedoraproject.prod.pungi.compose.status.change');
  });

  it('reads a one-line dump file', () => {
    const line = JSON.stringify({
      topic: 't',
      headers: {},
      id: 'abc',
      body: { a: 1 },
      queue: 'q',
      priority: 0,
    });
    expect(messagesOf(`${line}\n`)).toEqual([{ topic: 't', headers: {}, id: 'abc', body: { a: 1 } }]);
  });

  it('wraps a bare body when a topic is given, with empty headers', () => {
    const [msg] = messagesOf(fixture('old-body-without-release.json'), { topic: 'x.aws' });
    expect(msg).toEqual({
      topic: 'x.aws',
      headers: {},
      body: expect.objectContaining({ architecture: 'x86_64' }),
    });
  });

  it('uses --topic for a serialized message that lacks one, and treats a null id as absent', () => {
    const [msg] = messagesOf(JSON.stringify({ body: { a: 1 }, id: null }), { topic: 'given' });
    expect(msg).toEqual({ topic: 'given', headers: {}, body: { a: 1 } });
  });

  it('rejects a bare body without a topic and suggests --topic', () => {
    const err = inputError(() => messagesOf(fixture('old-body-without-release.json'), { file: 'old.json' }));
    expect(err.message).toContain('old.json');
    expect(err.context.field).toBe('topic');
    expect(err.context.hint).toContain('--topic');
  });

  it('names the file and line of malformed JSON in a dump', () => {
    const text = `${JSON.stringify({ topic: 't', body: {} })}\n{"topic": "t", "body": {\n`;
    const err = inputError(() => messagesOf(text, { file: 'dump.jsonl' }));
    expect(err.message).toBe('dump.jsonl line 2: malformed JSON');
    expect(err.context.field).toBe('dump.jsonl:2');
    expect(err.context.rule).toMatch(/^must be valid JSON/);
    expect(err.context.hint).toContain('dump format');
  });

  it('finds the line of a syntax error in a pretty-printed message', () => {
    const err = inputError(() => messagesOf('{\n  "topic": "t",\n  "body": {},\n}\n', { file: 'm.json' }));
    expect(err.message).toBe('m.json line 4: malformed JSON');
  });

  it.each([
    ['an array body', { topic: 't', body: [1] }, 'body'],
    ['a string body', { topic: 't', body: 'x' }, 'body'],
    ['a null body', { topic: 't', body: null }, 'body'],
    ['an empty topic', { topic: '', body: {} }, 'topic'],
    ['a numeric topic', { topic: 7, body: {} }, 'topic'],
    ['a numeric id', { topic: 't', id: 5, body: {} }, 'id'],
    ['non-object headers', { topic: 't', headers: [], body: {} }, 'headers'],
    [
      'severity 25',
      { topic: 't', headers: { fedora_messaging_severity: 25 }, body: {} },
      'headers.fedora_messaging_severity',
    ],
    [
      'numeric schema header',
      { topic: 't', headers: { fedora_messaging_schema: 1 }, body: {} },
      'headers.fedora_messaging_schema',
    ],
    ['numeric sent-at', { topic: 't', headers: { 'sent-at': 1700000000 }, body: {} }, 'headers.sent-at'],
  ])('rejects %s naming the field', (_name, doc, field) => {
    const err = inputError(() => messagesOf(JSON.stringify(doc), { file: 'f.json' }));
    expect(err.context.field).toBe(field);
    expect(err.context.rule).toBeTruthy();
    expect(err.message).toContain('f.json');
  });

  it('explains the severity rule and keeps the offending value', () => {
    const doc = { topic: 't', headers: { fedora_messaging_severity: 25 }, body: {} };
    const err = inputError(() => messagesOf(JSON.stringify(doc)));
    expect(err.context.value).toBe(25);
    expect(err.describe()).toContain('must be one of 10 (DEBUG), 20 (INFO), 30 (WARNING), 40 (ERROR)');
  });

  it('rejects a message that is not an object, and finds nothing in a blank file', () => {
    expect(inputError(() => messagesOf('[1, 2]')).context.rule).toBe('must be a JSON object');
    expect(readMessages(Buffer.from(' \n\n'))).toEqual([]);
  });

  it('keeps headers fedora-messaging adds beyond the validated ones', () => {
    const doc = { topic: 't', headers: { fedora_messaging_user_jdoe: true, priority: 0 }, body: {} };
    expect(messagesOf(JSON.stringify(doc))[0]?.headers).toEqual({
      fedora_messaging_user_jdoe: true,
      priority: 0,
    });
  });
});

describe('the first look at raw input', () => {
  const good = JSON.stringify({ topic: 't', id: 'm-1', body: { a: 1 } });
  const first = (bytes: Uint8Array, opts = {}) =>
    readMessages(bytes, { file: 'd.jsonl', dump: true, ...opts })[0];
  function refused(bytes: Uint8Array) {
    const arrival = first(bytes);
    if (arrival?.kind !== 'unreadable') throw new Error(`expected unreadable, got ${arrival?.kind}`);
    return arrival;
  }

  it('refuses nesting beyond the limit before any parser recurses into it', () => {
    const deep = `{"topic": "t", "body": {"junk": ${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
    const { error } = refused(Buffer.from(deep));
    expect(error.message).toBe('d.jsonl line 1: nested too deep');
    expect(error.context.rule).toBe(`objects and arrays may nest at most ${inputLimits.maxDepth} levels`);
    // Brackets inside strings are text, not nesting.
    const quoted = JSON.stringify({ topic: 't', body: { note: '['.repeat(10_000) } });
    expect(first(Buffer.from(quoted))?.kind).toBe('message');
  });

  it('refuses a message over the size limit and keeps only its head for the quarantine', () => {
    const huge = JSON.stringify({ topic: 't', body: { x: 'y'.repeat(inputLimits.maxBytes) } });
    const arrival = refused(Buffer.from(huge));
    expect(arrival.error.message).toBe('d.jsonl line 1: message too large');
    expect(arrival.error.context.value).toBe(`${huge.length} bytes`);
    expect(arrival.raw.payload).toContain(
      `(truncated: the first ${inputLimits.maxBytes} of ${huge.length} bytes)`,
    );
  });

  it('refuses bytes that are not UTF-8, keeping them as base64', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"topic": "t", "body": {"a": "'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    const arrival = refused(bytes);
    expect(arrival.error.message).toBe('d.jsonl line 1: not UTF-8 text');
    expect(arrival.error.context.value).toBe(`byte 30 of ${bytes.length}`);
    expect(arrival.raw.payload).toBe(`base64:${bytes.toString('base64')}`);
    // A byte order mark is refused too, as Python's json module refuses it.
    expect(
      refused(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)])).error.message,
    ).toMatch(/malformed JSON/);
  });

  it('refuses duplicate keys, naming the key and where it is', () => {
    const twice = '{"topic": "t", "body": {"regions": {"us-east-1": "ami-1"}, "regions": {}}}';
    const { error } = refused(Buffer.from(twice));
    expect(error.message).toBe('d.jsonl line 1: duplicate key "regions"');
    expect(error.context.field).toBe('body.regions');
    // The same key in different objects, or escaped differently in strings, is fine.
    const fine = '{"topic": "t", "body": {"a": {"k": 1}, "b": {"k": 2}, "c": "\\"a\\""}}';
    expect(first(Buffer.from(fine))?.kind).toBe('message');
  });

  it('reads every line of a dump on its own: one bad line hides nothing', () => {
    const dump = Buffer.concat([
      Buffer.from(`${good}\n`),
      Buffer.from([0xff, 0xfe, 0x0a]),
      Buffer.from(`${good.replace('m-1', 'm-2')}\n`),
    ]);
    const arrivals = readMessages(dump, { file: 'd.jsonl' });
    expect(arrivals.map((a) => [a.kind, a.raw.where.line])).toEqual([
      ['message', 1],
      ['unreadable', 2],
      ['message', 3],
    ]);
    expect(arrivals.map((a) => a.raw.digest)).toEqual([...new Set(arrivals.map((a) => a.raw.digest))]);
    expect(arrivals[2]?.raw.where).toEqual({ file: 'd.jsonl', line: 3, messageId: 'm-2' });
  });

  it('reads a delivery: AMQP properties and the body bytes, checked alike', () => {
    const ok = readDelivery({ topic: 't.aws', headers: {}, id: 'm-9', body: Buffer.from('{"a": 1}') });
    expect(ok).toMatchObject({ kind: 'message', message: { topic: 't.aws', id: 'm-9', body: { a: 1 } } });
    const bad = readDelivery({ topic: 't.aws', headers: {}, id: 'm-9', body: Buffer.from('') });
    expect(bad.kind).toBe('unreadable');
    if (bad.kind === 'unreadable') expect(bad.error.message).toBe('message m-9: malformed JSON');
  });
});
