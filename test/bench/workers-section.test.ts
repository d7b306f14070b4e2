import { describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../src/bench/pipeline-run.js';
import { sections } from '../../src/bench/sections.js';
import { leaseMethods, perImage } from '../../src/bench/workers-section.js';

describe('the workers bench section', () => {
  it('is registered, and counts the lease and lock queries apart from the rest, per image', () => {
    expect(sections.map((s) => s.name)).toContain('workers');
    const run = {
      jobs: [{}, {}],
      storeCalls: { claimDue: 6, outlook: 6, releaseJob: 4, tryLock: 2, unlock: 2, saveJob: 10, getJob: 2 },
    } as unknown as PipelineRun;
    expect(perImage(run, leaseMethods)).toBe(10);
    expect(perImage(run)).toBe(16);
  });
});
