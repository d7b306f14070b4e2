#!/usr/bin/env node
/**
 * `npm run bench` / `node dist/bench/main.js [section...]`: runs the benchmark sections in this one
 * process, prints a table, then one `BENCH_JSON {...}` line with every figure. Figures are printed,
 * never asserted: they vary with the machine.
 */
import { formatJsonLine, formatTable, type SectionOutcome } from './report.js';
import { sections, selectSections } from './sections.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `usage: node dist/bench/main.js [section...]\n\n${sections.map((s) => `  ${s.name.padEnd(10)} ${s.description}`).join('\n')}\n`,
    );
    return 0;
  }
  let selected;
  try {
    selected = selectSections(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const outcomes: SectionOutcome[] = [];
  for (const section of selected) {
    process.stdout.write(`running ${section.name}: ${section.description}\n`);
    const started = performance.now();
    try {
      const result = await section.run();
      outcomes.push({
        name: section.name,
        description: section.description,
        result,
        seconds: (performance.now() - started) / 1000,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcomes.push({
        name: section.name,
        description: section.description,
        error: message,
        seconds: (performance.now() - started) / 1000,
      });
    }
  }
  process.stdout.write(`\n${formatTable(outcomes)}\n\n${formatJsonLine(outcomes)}\n`);
  return outcomes.some((o) => o.error !== undefined) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
