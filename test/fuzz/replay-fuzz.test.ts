/**
 * 1,000 hostile lines through `replay` as users run it: no crash (exit 0, never 1), every line refused
 * and quarantined once with a reason naming its line, and the official messages before, between and
 * after them become jobs that are published.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runJson, tempStateDir, type JobJson } from '../helpers/cli.js';
import { hostileVariants, officialLine } from './hostile-variants.js';

const seed = 20_261_129;
const count = 1_000;

interface Quarantine {
  quarantine: Array<{
    source: string;
    reason?: string;
    messageId?: string;
    digest?: string;
    payload?: string;
  }>;
}

describe('replay of hostile lines', () => {
  const state = tempStateDir('fm-fuzz-replay-');
  afterAll(() => state.remove());

  it('refuses every hostile line once and still publishes the good ones around them', async () => {
    const variants = hostileVariants(seed, count);
    // Good lines first, last and every 250 lines between.
    const lines: Buffer[] = [];
    const goodLines = new Set<number>();
    let good = 0;
    const addGood = () => {
      lines.push(officialLine(good + 1, `good-${good}`));
      goodLines.add(lines.length);
      good += 1;
    };
    addGood();
    variants.forEach((v, i) => {
      lines.push(v.line);
      if (i % 250 === 249) addGood();
    });
    addGood();
    const dump = join(state.dir, 'hostile.jsonl');
    writeFileSync(dump, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));

    const result = await runCli(['replay', dump, '--json'], { stateDir: state.dir });
    expect(result.code, result.stderr.slice(0, 2000)).toBe(0);
    const replay = result.json as { replay: Record<string, number>; jobs: JobJson[] };
    expect(replay.replay).toEqual({
      lines: count + good,
      accepted: good,
      duplicate: 0,
      skipped: 0,
      rejected: count,
      seen: 0,
    });
    expect(replay.jobs).toHaveLength(good);
    for (const job of replay.jobs) expect(job.state, job.reason).toBe('published');

    const { quarantine } = await runJson<Quarantine>(['status', '--quarantine'], { stateDir: state.dir });
    expect(quarantine).toHaveLength(count);
    const lineOf = (reason: string) => Number(/hostile\.jsonl line (\d+)/.exec(reason)?.[1]);
    const quarantinedLines = quarantine.map((r) => lineOf(r.reason ?? ''));
    // Once each, every hostile line and no good one, each with its file and line.
    expect(new Set(quarantinedLines).size).toBe(count);
    for (const line of quarantinedLines) {
      expect(line).toBeGreaterThan(0);
      expect(goodLines.has(line)).toBe(false);
    }
    for (const record of quarantine) {
      expect(record.source).toBe('replay');
      expect(record.reason).toMatch(/rule: /);
      expect(record.payload?.length).toBeGreaterThan(0);
    }
    const kinds = new Set(variants.map((v) => v.kind));
    expect([...kinds].sort()).toEqual(
      [
        'binary',
        'deep',
        'duplicate-key',
        'empty',
        'huge',
        'inconsistent',
        'invalid-utf8',
        'truncated',
        'wrong-type',
      ].sort(),
    );

    // Lines of the same dump again: nothing new is quarantined, the jobs are known.
    const part = join(state.dir, 'hostile-again.jsonl');
    writeFileSync(part, Buffer.concat(lines.slice(0, 101).flatMap((l) => [l, Buffer.from('\n')])));
    const again = await runJson<{ replay: Record<string, number> }>(['replay', part], {
      stateDir: state.dir,
    });
    expect(again.replay).toMatchObject({ lines: 101, rejected: 100, seen: 1 });
    const after = (await runJson<Quarantine>(['status', '--quarantine'], { stateDir: state.dir })).quarantine;
    expect(after).toHaveLength(count);
  }, 120_000);
});
