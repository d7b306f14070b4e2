import { describe, expect, it } from 'vitest';
import { formatJsonLine, formatTable, type SectionOutcome } from '../../src/bench/report.js';
import type { BenchSection } from '../../src/bench/section.js';
import { selectSections, UnknownSectionError } from '../../src/bench/sections.js';
import { median, percentile, round } from '../../src/bench/stats.js';

const outcomes: SectionOutcome[] = [
  {
    name: 'makespan',
    description: 'd',
    seconds: 12.345,
    result: {
      rows: [
        { label: 'ratio', value: 1.2345, unit: 'x', target: { max: 1.05 } },
        { label: 'critical path', value: 8.1, unit: 's' },
        { label: 'intake / bare', value: 0.61, unit: 'x', target: { min: 0.5 } },
      ],
      details: { images: 40 },
    },
  },
  { name: 'help', description: 'd', seconds: 1, error: 'node exited with 1' },
];

describe('report', () => {
  it('prints every row with its target verdict, and failed sections as errors', () => {
    const lines = formatTable(outcomes).split('\n');
    expect(lines[0]).toMatch(/^section\s+measure\s+value\s+unit\s+target\s+ok\s+note$/);
    expect(lines.find((l) => l.includes('ratio'))).toMatch(/1\.23\s+x\s+<= 1\.05\s+NO/);
    expect(lines.find((l) => l.includes('critical path'))).toMatch(/8\.1\s+s$/);
    expect(lines.find((l) => l.includes('intake / bare'))).toMatch(/0\.61\s+x\s+>= 0\.5\s+yes/);
    expect(lines.find((l) => l.startsWith('help'))).toContain('ERROR');
  });

  it('writes one parseable BENCH_JSON line with every figure', () => {
    const line = formatJsonLine(outcomes);
    expect(line.startsWith('BENCH_JSON {')).toBe(true);
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line.slice('BENCH_JSON '.length)) as {
      sections: Record<string, { figures?: Record<string, unknown>; error?: string; details?: unknown }>;
    };
    expect(parsed.sections.makespan?.figures?.ratio).toEqual({
      value: 1.235,
      unit: 'x',
      max: 1.05,
      ok: false,
    });
    expect(parsed.sections.makespan?.figures?.['intake / bare']).toEqual({
      value: 0.61,
      unit: 'x',
      min: 0.5,
      ok: true,
    });
    expect(parsed.sections.makespan?.details).toEqual({ images: 40 });
    expect(parsed.sections.help?.error).toBe('node exited with 1');
  });
});

describe('selectSections', () => {
  const fake = (name: string): BenchSection => ({ name, description: name, run: async () => ({ rows: [] }) });
  const all = [fake('cpu'), fake('makespan'), fake('help')];

  it('runs all sections by default and the named ones in registry order', () => {
    expect(selectSections([], all).map((s) => s.name)).toEqual(['cpu', 'makespan', 'help']);
    expect(selectSections(['help', 'cpu'], all).map((s) => s.name)).toEqual(['cpu', 'help']);
  });

  it('refuses unknown names, listing the known ones', () => {
    expect(() => selectSections(['cpu', 'moto'], all)).toThrow(UnknownSectionError);
    expect(() => selectSections(['moto'], all)).toThrow(/moto.*known: cpu, makespan, help/);
  });
});

describe('stats', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const samples = [5, 1, 3];
    expect(median(samples)).toBe(3);
    expect(samples).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(round(1.23456, 3)).toBe(1.235);
  });

  it('takes percentiles by nearest rank: p99 of 200 samples is the second largest', () => {
    const samples = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(percentile(samples, 50)).toBe(100);
    expect(percentile(samples, 99)).toBe(198);
    expect(percentile(samples, 100)).toBe(200);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(samples[0]).toBe(200);
  });
});
