/**
 * Hostile inputs, generated deterministically from a seed: every one must be refused (quarantined once,
 * with a reason), never crash, never requeue. Each is a whole dump line (a serialized message) and a
 * bus body (what an AMQP message carries), in the kinds the issue names: deep nesting, huge strings,
 * wrong types, invalid UTF-8, duplicate keys, binary, empty; plus inconsistent and foreign ones.
 */
import { seededRandom } from '../../src/cloud/sim/faults.js';
import { inputLimits } from '../../src/intake/raw-json.js';
import { awsTopic, officialBody } from '../bus/bus-harness.js';

export interface HostileVariant {
  kind: string;
  /** One line of a fedora-messaging dump (no newline inside). */
  line: Buffer;
  /** The body of a bus delivery. */
  body: Buffer;
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

/** Random bytes without a newline (a dump line ends at one). */
function noise(random: Random, length: number, from = 0, to = 255): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    let b = int(random, from, to);
    if (b === 0x0a) b = 0x0b;
    bytes[i] = b;
  }
  return bytes;
}

function nested(random: Random, depth: number): string {
  const open = Array.from({ length: depth }, () => (random() < 0.5 ? '[' : '{"k":'));
  const close = open.map((o) => (o === '[' ? ']' : '}')).reverse();
  return `${open.join('')}0${close.join('')}`;
}

const wrongValues: readonly unknown[] = [
  42,
  -1,
  3.5,
  true,
  null,
  [],
  ['x86_64'],
  {},
  { nested: { deeper: 1 } },
  '',
  ' ',
];
const fields = ['architecture', 'compose_id', 'image_name', 'regions', 'release', 'subvariant'] as const;

/** A serialized message around `bodyJson` (raw JSON text), with id `id`. */
function envelope(bodyJson: string, id: string, topic = awsTopic): string {
  const headers = {
    fedora_messaging_schema: 'fedora_image_uploader.published.v1.aws',
    fedora_messaging_severity: 20,
  };
  return `{"topic": ${JSON.stringify(topic)}, "headers": ${JSON.stringify(headers)}, "id": ${JSON.stringify(id)}, "body": ${bodyJson}}`;
}

/** The same hostile body as a dump line and as a bus body. */
function both(kind: string, bodyJson: Buffer | string, id: string): HostileVariant {
  const body = typeof bodyJson === 'string' ? Buffer.from(bodyJson) : bodyJson;
  const head = Buffer.from(envelope('', id).slice(0, -1));
  return { kind, line: Buffer.concat([head, body, Buffer.from('}')]), body };
}

const generators: Array<(random: Random, n: number, id: string) => HostileVariant> = [
  // deep nesting: in a field, or as the whole body
  (random, n, id) => {
    const depth = int(random, inputLimits.maxDepth + 1, 5_000);
    const good = JSON.stringify({ ...officialBody(n), junk: 'x' }).replace('"x"', nested(random, depth));
    return both('deep', random() < 0.5 ? good : nested(random, depth), id);
  },
  // huge strings, in any field
  (random, n, id) => {
    const size = inputLimits.maxBytes + int(random, 1, 200_000);
    const body = {
      ...officialBody(n),
      [pick(random, fields)]: `${n}`.padEnd(size, pick(random, ['a', 'é', '\\', '"'])),
    };
    return both('huge', JSON.stringify(body), id);
  },
  // wrong types
  (random, n, id) => {
    const body: Record<string, unknown> = {
      ...officialBody(n),
      [pick(random, fields)]: pick(random, wrongValues),
    };
    if (random() < 0.3) body.regions = { 'us-east-1': pick(random, [7, null, 'ami-XYZ', `ami-${n}`]) };
    return both('wrong-type', JSON.stringify(body), id);
  },
  // invalid UTF-8 inside a string value
  (random, n, id) => {
    const text = JSON.stringify({ ...officialBody(n), image_name: '@@' });
    const [before, after] = text.split('@@') as [string, string];
    const bad = pick(random, [
      [0xc3, 0x28],
      [0xa0, 0xa1],
      [0xe2, 0x28, 0xa1],
      [0xf0, 0x28, 0x8c, 0x28],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xff],
    ]);
    return both(
      'invalid-utf8',
      Buffer.concat([
        Buffer.from(before),
        Buffer.from(bad),
        noise(random, int(random, 0, 8), 0x20, 0x7e).filter((b) => b !== 0x22 && b !== 0x5c),
        Buffer.from(after),
      ]),
      id,
    );
  },
  // duplicate keys, at any level
  (random, n, id) => {
    const field = pick(random, [...fields, 'us-east-1']);
    const body = officialBody(n) as { regions: Record<string, string> };
    const text =
      field === 'us-east-1'
        ? JSON.stringify(body).replace(
            '"us-east-1":',
            `"us-east-1": "ami-0000000000000000${n % 10}", "us-east-1":`,
          )
        : JSON.stringify(body).replace(
            /^\{/,
            `{${JSON.stringify(field)}: ${JSON.stringify(pick(random, wrongValues))}, `,
          );
    return both('duplicate-key', text, id);
  },
  // binary: arbitrary bytes that start with a control character
  (random, _n, id) =>
    both('binary', Buffer.concat([Buffer.from([int(random, 0, 8)]), noise(random, int(random, 1, 400))]), id),
  // empty things
  (random, n, id) => {
    const text = pick(random, ['{}', 'null', '""', '[]', '0', `{"n": ${n}}`, '{"regions": {}}', '"   "']);
    return both('empty', text, id);
  },
  // truncated JSON, and an announcement whose names contradict each other
  (random, n, id) => {
    const good = JSON.stringify(officialBody(n));
    if (random() < 0.5) return both('truncated', good.slice(0, int(random, 1, good.length - 1)), id);
    const contradiction = pick(random, [
      { release: 40 },
      { architecture: 'aarch64' },
      { compose_id: `Fedora-39-20241027.${n}` },
    ]);
    return both('inconsistent', JSON.stringify({ ...officialBody(n), ...contradiction }), id);
  },
];

/**
 * `count` hostile variants from `seed`, each unique (its message id and a counter are part of it), the
 * kinds taken in turn so every kind is well represented.
 */
export function hostileVariants(seed: number, count: number): HostileVariant[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const n = 10_000 + i;
    const generate = generators[i % generators.length] as (typeof generators)[number];
    return generate(random, n, `fuzz-${seed}-${i}`);
  });
}

/** A serialized official message for image `n` (a line that must become a job). */
export function officialLine(n: number, id: string): Buffer {
  return Buffer.from(envelope(JSON.stringify(officialBody(n)), id));
}
