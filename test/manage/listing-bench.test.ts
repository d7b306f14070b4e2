import { describe, expect, it } from 'vitest';
import { listingBenchInput, listingSection } from '../../src/bench/listing-bench.js';
import { sections } from '../../src/bench/sections.js';
import { planProduct } from '../../src/listing/reconcile.js';

describe('listing bench section', () => {
  it('plans real work: each product adds its newest version and restricts the ones retention drops', () => {
    const input = listingBenchInput(2, 20);
    const plan = planProduct(input.desired[0]!, input.current[0], {
      keepVersions: 3,
      now: new Date(Date.UTC(2025, 6, 1)),
    });
    expect(plan.changes.map((c) => c.ChangeType)).toEqual(['AddDeliveryOptions', 'RestrictDeliveryOptions']);
    expect(plan.diff.filter((d) => d.kind === 'version-restricted')).toHaveLength(18);
  });

  it('is registered and reports both timings with an error-free load form', async () => {
    expect(sections.map((s) => s.name)).toContain('listing');
    const result = await listingSection.run();
    expect(result.rows.map((r) => r.label)).toEqual([
      'plan 50 products x 20 versions',
      'write load forms for 50 products',
    ]);
    expect(result.rows.every((r) => r.value > 0)).toBe(true);
    expect(result.details).toMatchObject({ changesPlanned: 100, loadFormErrors: 0 });
  });
});
