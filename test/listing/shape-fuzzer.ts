/**
 * Documents generated from a JSON Schema (AWS's published Catalog shapes): valid ones, and mutations of
 * them that break one rule each (a required field missing or null, a string too long or off its pattern,
 * a wrong type, an integer out of range, too many or too few list items, an unknown field). Generic over
 * the schema: a change type AWS publishes is covered without code of its own. Seeded, so a failure replays.
 */
import RandExp from 'randexp';

export { seededRandom } from '../../src/cloud/sim/faults.js';

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
  minimum?: number;
  maximum?: number;
}

export interface Mutation {
  kind: string;
  /** Where in the document, e.g. `Version.VersionTitle`. */
  at: string;
  /** The mutated copy (made on demand: a document has many possible mutations). */
  apply(): unknown;
}

type Path = Array<string | number>;

interface Site {
  path: Path;
  schema: Schema;
  value: unknown;
  /** Present in its parent's `required` list. */
  required: boolean;
}

const words = 'fedora cloud base image linux server minimal secure fast'.split(' ');

const wellKnownValues = [
  'https://fedoraproject.org/static/logo.png',
  'https://www.example.com',
  'http://example.com/page',
];

export class ShapeFuzzer {
  constructor(
    private readonly root: Schema,
    private readonly random: () => number,
  ) {}

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  /** Follows `$ref` and picks the non-null branch of an `anyOf` (optional fields are `anyOf [x, null]`). */
  private resolve(schema: Schema): Schema {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/$defs/', '');
      const target = this.root.$defs?.[name];
      if (!target) throw new Error(`unresolvable ${schema.$ref}`);
      return this.resolve(target);
    }
    if (schema.anyOf) return this.resolve(schema.anyOf.find((s) => s.type !== 'null') ?? {});
    return schema;
  }

  private string(schema: Schema): string {
    const min = schema.minLength ?? 0;
    const max = schema.maxLength ?? 40;
    if (schema.pattern) {
      const re = new RegExp(schema.pattern, 'u');
      const gen = new RandExp(schema.pattern);
      gen.randInt = (a: number, b: number) => this.int(a, b);
      gen.max = Math.min(max, 12);
      const fits = (text: string) => re.test(text) && text.length >= min && text.length <= max;
      // A pattern anchored only at its start (Python's re.match) accepts anything after its match.
      const openEnded = !schema.pattern.endsWith('$');
      for (let i = 0; i < 50; i++) {
        const text = gen.gen();
        const tailed = openEnded && this.random() < 0.3 ? `${text} ~tail` : text;
        if (fits(tailed)) return tailed;
        if (fits(text)) return text;
      }
      // RandExp cannot honour every construct (`\b`): fall back on common value shapes.
      const known = wellKnownValues.find(fits);
      if (known !== undefined)
        return openEnded && fits(`${known} ~tail`) && this.random() < 0.3 ? `${known} ~tail` : known;
      throw new Error(`no string for pattern ${schema.pattern} within ${min}..${max}`);
    }
    // Sometimes exactly the limit: the edges are where two validators disagree.
    const length =
      this.random() < 0.2 && max <= 30000
        ? max
        : this.int(Math.max(min, 1), Math.max(min, Math.min(max, 24)));
    let text = '';
    while (text.length < length) text += `${this.pick(words)} `;
    // A leading space is within AWS's shape where no pattern forbids it.
    return this.random() < 0.05 ? ` ${text.slice(0, length - 1)}` : text.slice(0, length);
  }

  /** A document the schema accepts (optional fields included at random). */
  valid(schema: Schema = this.root, depth = 0): unknown {
    const s = this.resolve(schema);
    if (s.enum) return this.pick(s.enum);
    switch (s.type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [name, prop] of Object.entries(s.properties ?? {})) {
          const required = (s.required ?? []).includes(name);
          if (!required && (depth > 6 || this.random() < 0.5)) continue;
          out[name] = !required && prop.anyOf && this.random() < 0.1 ? null : this.valid(prop, depth + 1);
        }
        return out;
      }
      case 'array': {
        const min = s.minItems ?? 0;
        const max = s.maxItems ?? min + 3;
        const length =
          this.random() < 0.2 && max <= 25 ? max : this.int(min, Math.max(min, Math.min(max, min + 3)));
        return Array.from({ length }, () => this.valid(s.items ?? {}, depth + 1));
      }
      case 'string':
        return this.string(s);
      case 'integer':
        return this.int(s.minimum ?? 0, s.maximum ?? 1000);
      case 'number':
        return this.int(s.minimum ?? 0, s.maximum ?? 1000) + 0.5;
      case 'boolean':
        return this.random() < 0.5;
      default:
        return 'x';
    }
  }

  /** Every node of `doc` with the schema that governs it. */
  private sites(doc: unknown, schema: Schema, path: Path, required: boolean, out: Site[]): Site[] {
    const s = this.resolve(schema);
    out.push({ path, schema: s, value: doc, required });
    if (s.type === 'object' && typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
      for (const [name, prop] of Object.entries(s.properties ?? {}))
        if (
          (doc as Record<string, unknown>)[name] !== undefined &&
          (doc as Record<string, unknown>)[name] !== null
        )
          this.sites(
            (doc as Record<string, unknown>)[name],
            prop,
            [...path, name],
            (s.required ?? []).includes(name),
            out,
          );
    }
    if (s.type === 'array' && Array.isArray(doc))
      doc.forEach((item, i) => this.sites(item, s.items ?? {}, [...path, i], true, out));
    return out;
  }

  private badPatternString(schema: Schema): string | undefined {
    const re = new RegExp(schema.pattern ?? '', 'u');
    const candidates = [
      ' leading space',
      '',
      '!!',
      'UPPER CASE',
      'a',
      'x'.repeat(3),
      '-',
      '0',
      'ami-1',
      'http://x',
    ];
    return candidates.find(
      (c) => !re.test(c) && (schema.maxLength === undefined || c.length <= schema.maxLength),
    );
  }

  /** One-rule breakages of a valid document, each as its own copy. */
  mutations(doc: unknown): Mutation[] {
    const out: Mutation[] = [];
    const at = (path: Path) =>
      path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
    const mutate = (kind: string, path: Path, change: (parent: unknown, key: string | number) => void) => {
      if (path.length === 0) return;
      const apply = () => {
        const copy = structuredClone(doc);
        const parent = path
          .slice(0, -1)
          .reduce<unknown>((node, p) => (node as Record<string | number, unknown>)[p], copy);
        change(parent, path[path.length - 1] as string | number);
        return copy;
      };
      out.push({ kind, at: at(path), apply });
    };
    const set = (value: unknown) => (parent: unknown, key: string | number) => {
      (parent as Record<string | number, unknown>)[key] = value;
    };

    for (const site of this.sites(doc, this.root, [], true, [])) {
      const { schema: s, path, value } = site;
      if (path.length > 0 && site.required && typeof path[path.length - 1] === 'string') {
        mutate('missing required field', path, (parent, key) => {
          delete (parent as Record<string, unknown>)[key as string];
        });
        mutate('required field null', path, set(null));
      }
      if (s.type === 'string' && typeof value === 'string') {
        if (s.maxLength !== undefined) mutate('over-long string', path, set('x'.repeat(s.maxLength + 1)));
        const bad = s.pattern ? this.badPatternString(s) : undefined;
        if (bad !== undefined) mutate('bad pattern', path, set(bad));
        if (!s.enum) mutate('wrong type', path, set(42));
        if (s.enum) mutate('not in enum', path, set('NotAValue'));
      }
      if (s.type === 'integer') {
        if (s.maximum !== undefined) mutate('out-of-range int', path, set(s.maximum + 1));
        if (s.minimum !== undefined) mutate('out-of-range int', path, set(s.minimum - 1));
        mutate('wrong type', path, set('22'));
      }
      if (s.type === 'array' && Array.isArray(value)) {
        if (s.maxItems !== undefined) {
          const length = s.maxItems + 1;
          mutate('too many items', path, (parent, key) => {
            (parent as Record<string | number, unknown>)[key] = Array.from({ length }, (_, i) =>
              structuredClone(value[i % Math.max(1, value.length)] ?? 'x'),
            );
          });
        }
        if (s.minItems !== undefined && s.minItems > 0)
          mutate('too few items', path, set(value.slice(0, s.minItems - 1)));
        if (path.length > 0) mutate('wrong type', path, set({}));
      }
      if (s.type === 'object' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        if (path.length > 0) mutate('wrong type', path, set('text'));
        mutate('unknown field', [...path, 'Unexpected'], set('x'));
      }
    }
    return out;
  }
}
