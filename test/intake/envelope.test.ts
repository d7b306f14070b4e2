import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseMessageFile } from '../../src/intake/envelope.js';

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

describe('parseMessageFile', () => {
  it('reads one pretty-printed serialized message with headers and id', () => {
    const [msg, ...rest] = parseMessageFile(fixture('f41-updates-x86_64.json'), { file: 'f41.json' });
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
    const messages = parseMessageFile(fixture('mixed.jsonl'), { file: 'mixed.jsonl' });
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
    expect(parseMessageFile(`${line}\n`)).toEqual([{ topic: 't', headers: {}, id: 'abc', body: { a: 1 } }]);
  });

  it('wraps a bare body when a topic is given, with empty headers', () => {
    const [msg] = parseMessageFile(fixture('old-body-without-release.json'), { topic: 'x.aws' });
    expect(msg).toEqual({
      topic: 'x.aws',
      headers: {},
      body: expect.objectContaining({ architecture: 'x86_64' }),
    });
  });

  it('uses --topic for a serialized message that lacks one, and treats a null id as absent', () => {
    const [msg] = parseMessageFile(JSON.stringify({ body: { a: 1 }, id: null }), { topic: 'given' });
    expect(msg).toEqual({ topic: 'given', headers: {}, body: { a: 1 } });
  });

  it('rejects a bare body without a topic and suggests --topic', () => {
    const err = inputError(() =>
      parseMessageFile(fixture('old-body-without-release.json'), { file: 'old.json' }),
    );
    expect(err.message).toContain('old.json');
    expect(err.context.field).toBe('topic');
    expect(err.context.hint).toContain('--topic');
  });

  it('names the file and line of malformed JSON in a dump', () => {
    const text = `${JSON.stringify({ topic: 't', body: {} })}\n{"topic": "t", "body": {\n`;
    const err = inputError(() => parseMessageFile(text, { file: 'dump.jsonl' }));
    expect(err.message).toBe('dump.jsonl line 2: malformed JSON');
    expect(err.context.field).toBe('dump.jsonl:2');
    expect(err.context.rule).toMatch(/^must be valid JSON/);
    expect(err.context.hint).toContain('dump format');
  });

  it('finds the line of a syntax error in a pretty-printed message', () => {
    const err = inputError(() =>
      parseMessageFile('{\n  "topic": "t",\n  "body": {},\n}\n', { file: 'm.json' }),
    );
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
    const err = inputError(() => parseMessageFile(JSON.stringify(doc), { file: 'f.json' }));
    expect(err.context.field).toBe(field);
    expect(err.context.rule).toBeTruthy();
    expect(err.message).toContain('f.json');
  });

  it('explains the severity rule and keeps the offending value', () => {
    const doc = { topic: 't', headers: { fedora_messaging_severity: 25 }, body: {} };
    const err = inputError(() => parseMessageFile(JSON.stringify(doc)));
    expect(err.context.value).toBe(25);
    expect(err.describe()).toContain('must be one of 10 (DEBUG), 20 (INFO), 30 (WARNING), 40 (ERROR)');
  });

  it('rejects a message that is not an object, and an empty file', () => {
    expect(inputError(() => parseMessageFile('[1, 2]')).context.rule).toBe('must be a JSON object');
    expect(inputError(() => parseMessageFile(' \n\n')).context.rule).toBe(
      'must contain at least one message',
    );
  });

  it('keeps headers fedora-messaging adds beyond the validated ones', () => {
    const doc = { topic: 't', headers: { fedora_messaging_user_jdoe: true, priority: 0 }, body: {} };
    expect(parseMessageFile(JSON.stringify(doc))[0]?.headers).toEqual({
      fedora_messaging_user_jdoe: true,
      priority: 0,
    });
  });
});
