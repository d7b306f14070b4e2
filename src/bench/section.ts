/**
 * A benchmark section: one named measurement that prints rows and reports figures. Sections are
 * independent (each builds what it measures), so `main.js <name>` can run any subset of them.
 */
export interface BenchRow {
  label: string;
  value: number;
  unit: string;
  /** A goal the figure is compared against: at most `max` (`<= 1.05`) or at least `min` (`>= 0.5`). */
  target?: { max: number } | { min: number };
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
  if (!row.target) return undefined;
  return 'max' in row.target ? row.value <= row.target.max : row.value >= row.target.min;
}

/** The target as printed: `<= 1.05` or `>= 0.5`. */
export function describeTarget(target: NonNullable<BenchRow['target']>): string {
  return 'max' in target ? `<= ${target.max}` : `>= ${target.min}`;
}
