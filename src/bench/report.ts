import { cpus, loadavg } from 'node:os';
import type { BenchResult } from './section.js';
import { describeTarget, withinTarget } from './section.js';
import { round } from './stats.js';

export interface SectionOutcome {
  name: string;
  description: string;
  result?: BenchResult;
  /** Set when the section threw: the run goes on with the other sections. */
  error?: string;
  seconds: number;
}

/** A fixed-width table of every section's rows, with the target and whether it was met. */
export function formatTable(outcomes: readonly SectionOutcome[]): string {
  const header = ['section', 'measure', 'value', 'unit', 'target', 'ok', 'note'];
  const rows: string[][] = [];
  for (const outcome of outcomes) {
    if (outcome.error !== undefined) {
      rows.push([outcome.name, 'ERROR', '-', '-', '-', 'no', outcome.error]);
      continue;
    }
    for (const row of outcome.result?.rows ?? []) {
      const ok = withinTarget(row);
      rows.push([
        outcome.name,
        row.label,
        String(round(row.value)),
        row.unit,
        row.target ? describeTarget(row.target) : '',
        ok === undefined ? '' : ok ? 'yes' : 'NO',
        row.note ?? '',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The machine-readable summary: one line, prefixed so it can be grepped out of the output. */
export function formatJsonLine(outcomes: readonly SectionOutcome[]): string {
  const sections: Record<string, unknown> = {};
  for (const outcome of outcomes) {
    sections[outcome.name] =
      outcome.error !== undefined
        ? { error: outcome.error, seconds: round(outcome.seconds) }
        : {
            seconds: round(outcome.seconds),
            figures: Object.fromEntries(
              (outcome.result?.rows ?? []).map((r) => [
                r.label,
                {
                  value: round(r.value, 3),
                  unit: r.unit,
                  ...(r.target ? { ...r.target, ok: withinTarget(r) } : {}),
                },
              ]),
            ),
            ...(outcome.result?.details ? { details: outcome.result.details } : {}),
          };
  }
  // Wall-clock figures mean little on a loaded machine: record how loaded it was.
  const machine = { cpus: cpus().length, loadavg: loadavg().map((l) => round(l)) };
  return `BENCH_JSON ${JSON.stringify({ node: process.version, platform: `${process.platform}-${process.arch}`, machine, sections })}`;
}
