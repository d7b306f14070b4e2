/**
 * Reads fedora-messaging messages from a file: one serialized message (pretty JSON), the
 * `fedora-messaging` dump format (one serialized message per line), or a bare body with the topic
 * given on the command line.
 */
import { z } from 'zod';
import { InputError } from '../core/errors.js';

export interface FedoraMessage {
  topic: string;
  headers: Record<string, unknown>;
  id?: string;
  body: unknown;
  /** Line of the file the message starts on (dump format). */
  line?: number;
}

export interface ParseOptions {
  file?: string;
  /** Topic for a bare body, or for a serialized message that lacks one. */
  topic?: string;
}

/** The headers fedora-messaging sets; others (fedora_messaging_user_*, priority, ...) pass through. */
const headersSchema = z.looseObject({
  fedora_messaging_severity: z
    .union([z.literal(10), z.literal(20), z.literal(30), z.literal(40)], {
      error: 'must be one of 10 (DEBUG), 20 (INFO), 30 (WARNING), 40 (ERROR)',
    })
    .optional(),
  fedora_messaging_schema: z.string({ error: 'must be a string' }).optional(),
  fedora_messaging_schema_package: z.string({ error: 'must be a string' }).optional(),
  'sent-at': z.string({ error: 'must be a string (ISO 8601 timestamp)' }).optional(),
});

const dumpHint =
  'give one serialized message {"topic", "headers", "id", "body"} as JSON, or one such message per line (fedora-messaging dump format)';

export function parseMessageFile(text: string, opts: ParseOptions = {}): FedoraMessage[] {
  const where = opts.file ?? '(input)';
  const lines = text.split(/\r?\n/);
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  if (firstIndex < 0) {
    throw new InputError(`${where} contains no message`, {
      field: where,
      rule: 'must contain at least one message',
      hint: dumpHint,
    });
  }
  // A dump file's first line is a complete JSON document; a pretty-printed message's is not.
  const firstLine = lines[firstIndex] ?? '';
  const remaining = lines.slice(firstIndex + 1).some((l) => l.trim() !== '');
  if (remaining && isJson(firstLine)) {
    const messages: FedoraMessage[] = [];
    lines.forEach((raw, i) => {
      if (raw.trim() === '') return;
      const line = i + 1;
      messages.push({ ...toMessage(parseJson(raw, where, line), where, opts, line), line });
    });
    return messages;
  }
  return [toMessage(parseJson(text, where), where, opts)];
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseJson(text: string, where: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const at = line ?? lineOfPosition(text, detail);
    throw new InputError(`${where}${at !== undefined ? ` line ${at}` : ''}: malformed JSON`, {
      field: at !== undefined ? `${where}:${at}` : where,
      rule: `must be valid JSON (${detail})`,
      hint: dumpHint,
    });
  }
}

/** Node reports JSON syntax errors by character position; people look for a line. */
function lineOfPosition(text: string, detail: string): number | undefined {
  const match = /at position (\d+)/.exec(detail);
  if (!match) return undefined;
  return text.slice(0, Number(match[1])).split('\n').length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toMessage(doc: unknown, where: string, opts: ParseOptions, line?: number): FedoraMessage {
  const at = line !== undefined ? `${where} line ${line}` : where;
  if (!isRecord(doc)) {
    throw new InputError(`${at}: a message must be a JSON object`, {
      field: '(message)',
      value: doc,
      rule: 'must be a JSON object',
      hint: dumpHint,
    });
  }
  // A serialized message always carries `body`; anything else is a bare body.
  const serialized = 'body' in doc;
  if (!serialized && opts.topic === undefined) {
    throw new InputError(`${at}: the message has no topic`, {
      field: 'topic',
      rule: 'a serialized message needs "topic" and "body"; a bare body needs the topic given separately',
      hint: 'add --topic org.fedoraproject.prod.fedora_image_uploader.published.v1.aws, or wrap the body as {"topic", "body"}',
    });
  }
  const body = serialized ? doc.body : doc;
  if (!isRecord(body)) {
    throw new InputError(`${at}: the message body must be a JSON object`, {
      field: 'body',
      value: body,
      rule: 'must be a JSON object',
      hint: 'fedora_image_uploader messages carry an object body such as {"architecture", "compose_id", ...}',
    });
  }
  if (!serialized) return { topic: opts.topic as string, headers: {}, body };

  const topic = doc.topic ?? opts.topic;
  if (typeof topic !== 'string' || topic.trim() === '') {
    throw new InputError(`${at}: the message has no topic`, {
      field: 'topic',
      ...(doc.topic !== undefined ? { value: doc.topic } : {}),
      rule: 'must be a non-empty string',
      hint: 'add "topic" to the message, or pass --topic',
    });
  }
  const headers = parseHeaders(doc.headers, at);
  const id = doc.id;
  if (id !== undefined && id !== null && typeof id !== 'string') {
    throw new InputError(`${at}: the message id must be a string`, {
      field: 'id',
      value: id,
      rule: 'must be a string (a UUID)',
    });
  }
  return { topic, headers, ...(typeof id === 'string' ? { id } : {}), body };
}

function parseHeaders(raw: unknown, at: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    throw new InputError(`${at}: the message headers must be a JSON object`, {
      field: 'headers',
      value: raw,
      rule: 'must be a JSON object',
    });
  }
  const result = headersSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  throw new InputError(`${at}: invalid message header ${key}`, {
    field: `headers.${key}`,
    value: raw[key],
    rule: issue?.message ?? 'invalid',
  });
}
