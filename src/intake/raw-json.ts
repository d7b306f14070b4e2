/**
 * The first look at any message, before anything parses it: a bounded size, strict UTF-8 (as
 * fedora-messaging decodes bodies), a bounded nesting depth and no duplicate keys. The limits are
 * checked by one linear scan of the raw text, so a hostile message costs at most `maxBytes` of work
 * and can never reach a recursive parser, a schema validator or an error formatter.
 */
import { InputError } from '../core/errors.js';

export interface InputLimits {
  /** Bytes in one message (one line of a dump). Fedora's announcements are about 2 KiB. */
  maxBytes: number;
  /** Nesting of objects and arrays. An announcement is 3 deep (envelope, body, regions). */
  maxDepth: number;
}

export const inputLimits: InputLimits = { maxBytes: 128 * 1024, maxDepth: 16 };

/** Where a message came from, for every error about it: a file and line, or a bus message id. */
export interface Where {
  file?: string;
  line?: number;
  messageId?: string;
}

/** `dump.jsonl line 3`, `message 5c2f...`, or `(input)`. */
export function describeWhere(where: Where): string {
  const parts = [
    where.file,
    where.line !== undefined ? `line ${where.line}` : undefined,
    where.messageId !== undefined ? `message ${where.messageId}` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : '(input)';
}

/** The field an error about the whole input names: `file:line` when there is a line. */
function wholeInput(where: Where): string {
  if (where.file !== undefined && where.line !== undefined) return `${where.file}:${where.line}`;
  return describeWhere(where);
}

// fatal: invalid bytes are an error, not U+FFFD; ignoreBOM keeps a BOM, which JSON then refuses, as
// Python's json module does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes`, or an InputError naming the rule; `where` says which file, line or message. */
export function decodeUtf8(bytes: Uint8Array, where: Where): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InputError(`${describeWhere(where)}: not UTF-8 text`, {
      field: wholeInput(where),
      value: `byte ${firstInvalidByte(bytes)} of ${bytes.length}`,
      rule: 'a message must be UTF-8 encoded JSON (fedora-messaging rejects any other bytes)',
      hint: 'the message is corrupt or was not written by fedora-messaging; the raw bytes are kept in the quarantine as base64',
    });
  }
}

/** The JSON document in `bytes`, checked against `limits` before it is parsed. */
export function decodeJson(bytes: Uint8Array, where: Where, limits: InputLimits = inputLimits): unknown {
  if (bytes.length > limits.maxBytes) {
    throw new InputError(`${describeWhere(where)}: message too large`, {
      field: wholeInput(where),
      value: `${bytes.length} bytes`,
      rule: `a message may have at most ${limits.maxBytes} bytes`,
      hint: 'Fedora announcements are a few KiB; this is not one',
    });
  }
  const text = decodeUtf8(bytes, where);
  scanStructure(text, where, limits.maxDepth);
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    // A pretty-printed message spans lines; people look for a line, Node reports a character position.
    const at = where.line === undefined ? lineOfPosition(text, detail) : undefined;
    const located = at !== undefined ? { ...where, line: at } : where;
    throw new InputError(`${describeWhere(located)}: malformed JSON`, {
      field: wholeInput(located),
      rule: `must be valid JSON (${detail})`,
      hint: 'give one serialized message {"topic", "headers", "id", "body"} as JSON, or one such message per line (fedora-messaging dump format)',
    });
  }
}

/**
 * Walks the text once: counts nesting outside strings and collects each object's keys. Syntax errors
 * are left to JSON.parse; this only makes sure parsing is safe and unambiguous.
 */
function scanStructure(text: string, where: Where, maxDepth: number): void {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: Array<Set<string> | null> = [];
  const path: string[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = open.at(-1);
      if (expectKey && top) {
        const key = decodeKey(text.slice(i, end + 1));
        if (key !== undefined) {
          if (top.has(key)) {
            throw new InputError(`${describeWhere(where)}: duplicate key ${JSON.stringify(key)}`, {
              field: [...path.slice(0, open.length - 1), key].join('.') || key,
              rule: 'every key may appear once in an object (which of two values counts is ambiguous)',
              hint: 'the message was not written by fedora-messaging; it is kept in the quarantine',
            });
          }
          top.add(key);
          path[open.length - 1] = key;
        }
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (open.length >= maxDepth) {
        throw new InputError(`${describeWhere(where)}: nested too deep`, {
          field: wholeInput(where),
          value: `more than ${maxDepth} levels`,
          rule: `objects and arrays may nest at most ${maxDepth} levels`,
          hint: 'Fedora announcements nest 3 levels; this is not one',
        });
      }
      open.push(c === 0x7b ? new Set() : null);
      path[open.length - 1] = '[]';
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = open.at(-1) instanceof Set;
    }
  }
}

function lineOfPosition(text: string, detail: string): number | undefined {
  const match = /at position (\d+)/.exec(detail);
  return match ? text.slice(0, Number(match[1])).split('\n').length : undefined;
}

/** Index of the quote closing the string that opens at `start` (or the last index if it never closes). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length - 1;
}

function decodeKey(literal: string): string | undefined {
  // Almost every key is plain text between its quotes; only one with an escape needs decoding.
  if (!literal.includes('\\') && literal.length > 1 && literal.endsWith('"')) return literal.slice(1, -1);
  try {
    const key: unknown = JSON.parse(literal);
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined; // JSON.parse of the whole text reports it
  }
}

/** Position of the first byte that breaks UTF-8, for the error message. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const size =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (size === 0) return i;
    for (let k = 1; k < size; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += size;
  }
  return i;
}

/** What the quarantine keeps of raw input: the text, or base64 when it is not UTF-8, and its size. */
export function payloadText(bytes: Uint8Array, keepBytes: number = inputLimits.maxBytes): string {
  const kept = bytes.length > keepBytes ? bytes.subarray(0, keepBytes) : bytes;
  let text: string;
  try {
    text = utf8.decode(kept);
  } catch {
    text = `base64:${Buffer.from(kept).toString('base64')}`;
  }
  return kept === bytes ? text : `${text}\n(truncated: the first ${keepBytes} of ${bytes.length} bytes)`;
}
