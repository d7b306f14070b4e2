/**
 * Reads fedora-messaging messages from a file: one serialized message (pretty JSON), the
 * `fedora-messaging` dump format (one serialized message per line), or a bare body with the topic
 * given on the command line.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { decodeJson, describeWhere, payloadText, type Where } from './raw-json.js';

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

/** What intake keeps of a raw input: enough to quarantine it once and show where it came from. */
export interface RawInput {
  /** The input as text (base64 when it is not UTF-8), as the quarantine stores it. */
  payload: string;
  /** sha256 of the raw bytes: identifies an input that carries no message id. */
  digest: string;
  where: Where;
  topic?: string;
}

/** One message read from a file line or a delivery, or why it could not be read. */
export type Arrival =
  | { kind: 'message'; message: FedoraMessage; raw: RawInput }
  | { kind: 'unreadable'; error: InputError; raw: RawInput };

/**
 * The text and the hash are worked out on first use: only a quarantined input (or one without a
 * message id) needs them, and most inputs are taken in or skipped. (Optional fields are assigned, not
 * spread in: on the bus intake's path a conditional spread cost more than the rest of the function.)
 */
export function rawInput(bytes: Uint8Array, where: Where, topic?: string): RawInput {
  let payload: string | undefined;
  let digest: string | undefined;
  const raw: RawInput = {
    get payload() {
      return (payload ??= payloadText(bytes));
    },
    get digest() {
      return (digest ??= createHash('sha256').update(bytes).digest('hex'));
    },
    where,
  };
  if (topic !== undefined) raw.topic = topic;
  return raw;
}

/**
 * Every message of a file: one serialized message (pretty JSON), or, with `dump` or when the first line
 * is a whole JSON document followed by more lines, one message per non-blank line. Never throws: a line
 * that cannot be read is an `unreadable` arrival, so one bad line never hides the others.
 */
export function readMessages(input: Uint8Array, opts: ParseOptions & { dump?: boolean } = {}): Arrival[] {
  const lines = splitLines(input);
  const nonBlank = lines.filter((l) => !isBlank(l.bytes));
  const first = nonBlank[0];
  if (!first) return [];
  const dump = opts.dump ?? (nonBlank.length > 1 && isJson(first.bytes, opts));
  if (!dump) return [arrive(input, { ...(opts.file ? { file: opts.file } : {}) }, opts)];
  return nonBlank.map((l) =>
    arrive(l.bytes, { ...(opts.file ? { file: opts.file } : {}), line: l.line }, opts),
  );
}

function arrive(bytes: Uint8Array, where: Where, opts: ParseOptions): Arrival {
  try {
    const message = toMessage(decodeJson(bytes, where), where, opts);
    const withLine = where.line !== undefined ? { ...message, line: where.line } : message;
    const located = message.id !== undefined ? { ...where, messageId: message.id } : where;
    return { kind: 'message', message: withLine, raw: rawInput(bytes, located, message.topic) };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { kind: 'unreadable', error, raw: rawInput(bytes, where) };
  }
}

/**
 * A message delivered by the broker: topic, headers and id come from AMQP, the body is the raw bytes,
 * checked like any file's.
 */
export function readDelivery(delivery: {
  topic: string;
  headers: Record<string, unknown>;
  id: string | undefined;
  body: Uint8Array;
}): Arrival {
  const where: Where = delivery.id !== undefined ? { messageId: delivery.id } : {};
  const raw = rawInput(delivery.body, where, delivery.topic);
  try {
    const body = decodeJson(delivery.body, where);
    const doc = { topic: delivery.topic, headers: delivery.headers, id: delivery.id ?? null, body };
    return { kind: 'message', message: toMessage(doc, where, {}), raw };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { kind: 'unreadable', error, raw };
  }
}

function splitLines(input: Uint8Array): Array<{ bytes: Uint8Array; line: number }> {
  const lines: Array<{ bytes: Uint8Array; line: number }> = [];
  let start = 0;
  for (let i = 0; i <= input.length; i++) {
    if (i === input.length || input[i] === 0x0a) {
      let end = i;
      if (end > start && input[end - 1] === 0x0d) end -= 1;
      lines.push({ bytes: input.subarray(start, end), line: lines.length + 1 });
      start = i + 1;
    }
  }
  return lines;
}

function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0d);
}

function isJson(bytes: Uint8Array, opts: ParseOptions): boolean {
  try {
    decodeJson(bytes, opts.file ? { file: opts.file } : {});
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toMessage(doc: unknown, where: Where, opts: ParseOptions): FedoraMessage {
  const at = describeWhere(where);
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
