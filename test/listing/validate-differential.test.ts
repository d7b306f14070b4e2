/**
 * Our validator (src/listing/validate.ts) against AWS's published shapes, over generated documents:
 * for every change type our validator knows, valid documents and one-rule mutations of them. Where ours
 * accepts what AWS refuses, we would send a change AWS rejects: the test fails. Where ours refuses what
 * AWS accepts, the rule must be in the README table "Rules we add beyond AWS's shapes", and every row of
 * that table must still be one of ours, so the list cannot drift.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  catalogEntityTypes,
  changeTypesOf,
  detailsViolations,
  type CatalogEntityType,
} from '../../src/cloud/catalog-shapes.js';
import type { Change } from '../../src/cloud/ports.js';
import { validateChange } from '../../src/listing/validate.js';
import { seededRandom, ShapeFuzzer, type Schema } from './shape-fuzzer.js';

const documentsPerChangeType = 500;

function changeOf(entityType: CatalogEntityType, changeType: string, doc: unknown): Change {
  return {
    ChangeType: changeType,
    Entity: {
      Type: entityType,
      ...(changeType.startsWith('Create') ? {} : { Identifier: 'prod-abcdefghijklm' }),
    },
    DetailsDocument: doc,
  };
}

/** The change types our validator knows: it raises nothing about the change type or entity type. */
function knownByOurs(entityType: CatalogEntityType, changeType: string): boolean {
  return validateChange(changeOf(entityType, changeType, {})).every(
    (i) => i.path !== 'ChangeType' && i.path !== 'Entity.Type',
  );
}

const ourIssues = (entityType: CatalogEntityType, changeType: string, doc: unknown) =>
  validateChange(changeOf(entityType, changeType, doc)).filter((i) => i.path.startsWith('DetailsDocument'));

/** Whether our issue at `ours` (`DetailsDocument.X.Y`) speaks of AWS's field `aws` (`X.Y`), or a part of it. */
function related(ours: string, aws: string): boolean {
  const a = ours.replace(/^DetailsDocument\.?/, '');
  const within = (outer: string, inner: string) =>
    outer === '' || inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(a, aws) || within(aws, a);
}

/** `change type | field | rule`: indices and the values a rule quotes are dropped. */
function ruleKey(changeType: string, path: string, rule: string): string {
  const field = path.replace(/^DetailsDocument\.?/, '').replace(/\[\d+\]/g, '[]') || '(document)';
  const words = rule.replace(/\s*\(.*\)$/, '').trim();
  if (words === 'unknown field') return '* | * | unknown field';
  return `${changeType} | ${field} | ${words}`;
}

/** The rows of the README table "Rules we add beyond AWS's shapes". */
function readmeRules(): Set<string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^### Rules we add beyond AWS's shapes$/m)[1]?.split(/^#/m)[0] ?? '';
  return new Set(
    section
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| change type') && !/^\|\s*-/.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/\\/g, ''))
          .join(' | '),
      ),
  );
}

describe("our validator against AWS's shapes", () => {
  const schemaOf = (entityType: CatalogEntityType, changeType: string): Schema =>
    JSON.parse(
      readFileSync(
        new URL(
          `../../schemas/aws-catalog/${entityType.replace('@', '-')}/${changeType}.schema.json`,
          import.meta.url,
        ),
        'utf8',
      ),
    ) as Schema;

  const cases = catalogEntityTypes.flatMap((entityType) =>
    changeTypesOf(entityType)
      .filter((changeType) => knownByOurs(entityType, changeType))
      .map((changeType) => ({ entityType, changeType })),
  );

  it('covers every change type our validator knows', () => {
    expect(cases.map((c) => c.changeType)).toEqual(
      expect.arrayContaining(['AddDeliveryOptions', 'UpdateInformation', 'AddDimensions', 'CreateProduct']),
    );
  });

  const stricter = new Map<string, string>();
  let documents = 0;

  it.each(cases)(
    `never accepts what AWS refuses: ${documentsPerChangeType} documents of $entityType $changeType`,
    ({ entityType, changeType }) => {
      const fuzzer = new ShapeFuzzer(
        schemaOf(entityType, changeType),
        seededRandom(changeType.length * 7919),
      );
      const lenient: string[] = [];
      const invalidBases: string[] = [];
      const breaking = new Set<string>();
      let refusedByAws = 0;
      // A valid document, then every one-rule breakage of it, so every field of the shape is hit.
      const queue: Array<{ make: () => unknown; kind: string }> = [];
      for (let i = 0; i < documentsPerChangeType; i++) {
        if (queue.length === 0) {
          const base = fuzzer.valid();
          const baseViolations = detailsViolations(entityType, changeType, base);
          if (baseViolations.length > 0) invalidBases.push(JSON.stringify(baseViolations));
          queue.push({ make: () => base, kind: 'valid' });
          for (const m of fuzzer.mutations(base)) {
            if (m.kind !== 'unknown field') breaking.add(m.kind);
            queue.push({ make: () => m.apply(), kind: `${m.kind} at ${m.at}` });
          }
        }
        // Every fifth document a fresh valid one: more variety than one base's breakages give.
        const next =
          i % 5 === 4
            ? { make: () => fuzzer.valid(), kind: 'valid' }
            : (queue.shift() as { make: () => unknown; kind: string });
        const doc = next.make();
        const kind = next.kind;
        documents += 1;
        const aws = detailsViolations(entityType, changeType, doc);
        const ours = ourIssues(entityType, changeType, doc);
        if (aws.length > 0) refusedByAws += 1;
        // Each field AWS refuses must be refused by ours too (at it, above it or below it): another
        // of our stricter rules elsewhere in the document does not count.
        const missed = aws.filter((v) => !ours.some((o) => related(o.path, v.path)));
        if (missed.length > 0)
          lenient.push(
            `${kind}: AWS says ${JSON.stringify(missed)} about ${JSON.stringify(doc).slice(0, 300)}`,
          );
        if (aws.length === 0)
          for (const issue of ours)
            stricter.set(ruleKey(changeType, issue.path, issue.rule), `${issue.path}: ${issue.rule}`);
      }
      expect(lenient, lenient.slice(0, 3).join('\n')).toEqual([]);
      // The generator is right: what it calls valid, AWS accepts; and where the shape has rules to
      // break, the mutations break them (or this test could not fail).
      expect(invalidBases.slice(0, 3)).toEqual([]);
      if (breaking.size > 0) expect(refusedByAws).toBeGreaterThan(documentsPerChangeType / 4);
    },
  );

  it('lists every rule where ours is stricter in the README, and only those', () => {
    expect(documents).toBeGreaterThanOrEqual(documentsPerChangeType * cases.length);
    const listed = readmeRules();
    const observed = new Set(stricter.keys());
    const unlisted = [...observed]
      .filter((key) => !listed.has(key))
      .map((key) => `${key}   (e.g. ${stricter.get(key)})`);
    expect(unlisted, 'add these rows to the README table').toEqual([]);
    expect(
      [...listed].filter((key) => !observed.has(key)),
      'these README rows no longer happen',
    ).toEqual([]);
  });
});
