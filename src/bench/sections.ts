/**
 * Every benchmark section, in the order `npm run bench` runs them. A new measurement (the AWS adapter
 * against moto, AMQP intake throughput, a plan of 50 products) is one more BenchSection added here.
 */
import { awsMotoSection } from './aws-bench.js';
import { busIntakeSection } from './bus-sections.js';
import { eventsSection } from './events-section.js';
import { helpSection } from './help-section.js';
import { listingSection } from './listing-bench.js';
import { callsSection, cpuSection, makespanSection } from './pipeline-sections.js';
import type { BenchSection } from './section.js';
import { webSection } from './web-bench.js';
import { workersSection } from './workers-section.js';

export const sections: readonly BenchSection[] = [
  cpuSection,
  makespanSection,
  callsSection,
  eventsSection,
  helpSection,
  listingSection,
  awsMotoSection,
  busIntakeSection,
  webSection,
  workersSection,
];

/** The sections named on the command line (all when none is), refusing unknown names. */
export function selectSections(
  names: readonly string[],
  all: readonly BenchSection[] = sections,
): BenchSection[] {
  if (names.length === 0) return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new UnknownSectionError(
      unknown,
      all.map((s) => s.name),
    );
  }
  return all.filter((s) => names.includes(s.name));
}

export class UnknownSectionError extends Error {
  constructor(
    readonly unknown: string[],
    readonly known: string[],
  ) {
    super(`unknown bench section(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
    this.name = 'UnknownSectionError';
  }
}
