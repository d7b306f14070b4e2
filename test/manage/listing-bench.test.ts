import { describe, expect, it } from 'vitest';
import { listingBenchInput, listingSection } from '../../src/bench/listing-bench.js';
import { sections } from '../../src/bench/sections.js';
import { planProduct } from '../../src/listing/reconcile.js';

describe('listing bench section', () => {
  it('plans real work: half the products add their newest version, the others restrict what retention drops', () => {
    const input = listingBenchInput(2, 20);
    const options = { keepVersions: 3, now: new Date(Date.UTC(2025, 6, 1)) };
    const adding = planProduct(input.desired[0]!, input.current[0], options);
    expect(adding.changes.map((c) => c.ChangeType)).toEqual(['AddDeliveryOptions']);
    expect(adding.retention.filter((e) => e.decision === 'restrict-later')).toHaveLength(18);
    const restricting = planProduct(input.desired[1]!, input.current[1], options);
    expect(restricting.changes.map((c) => c.ChangeType)).toEqual(['RestrictDeliveryOptions']);
    expect(restricting.diff.filter((d) => d.kind === 'version-restricted')).toHaveLength(18);
  });

  it('is registered and reports both timings with an error-free load form', async () => {
    expect(sections.map((s) => s.name)).toContain('listing');
    const result = await listingSection.run();
    expect(result.rows.map((r) => r.label)).toEqual([
      'plan 50 products x 20 versions',
      'write load forms for 50 products',
    ]);
    expect(result.rows.every((r) => r.value > 0)).toBe(true);
    expect(result.details).toMatchObject({ changesPlanned: 50, loadFormErrors: 0 });
  });
});
