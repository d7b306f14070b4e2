/**
 * A benchmark section: one named measurement that prints rows and reports figures. Sections are
 * independent (each builds what it measures), so `main.js <name>` can run any subset of them.
 */
export interface BenchRow {
  label: string;
  value: number;
  unit: string;
  /** A goal the figure is compared against, e.g. `<= 1.05`. */
  target?: { max: number };
  /** How the figure was obtained, in a few words. */
  note?: string;
}

export interface BenchResult {
  rows: BenchRow[];
  /** Everything else worth keeping in the JSON line (breakdowns, settings). */
  details?: Record<string, unknown>;
}

export interface BenchSection {
  name: string;
  description: string;
  run(): Promise<BenchResult>;
}

export function withinTarget(row: BenchRow): boolean | undefined {
  return row.target ? row.value <= row.target.max : undefined;
}
