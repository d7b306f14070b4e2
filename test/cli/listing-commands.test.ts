/**
 * load-form, plan, apply and cleanup run in-process on the embedded sandbox (same state directory as a
 * `publish` before them), their stdout captured.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const messages = resolve('examples/messages/fedora-41-cloud-base.jsonl');
let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'fm-listing-cli-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(stateDir, { recursive: true, force: true });
});

async function runIn(
  load: () => Promise<{ run(options: never): Promise<number> }>,
  options: Record<string, unknown>,
) {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await (await load()).run({ stateDir, ...options } as never);
    return { code, stdout };
  } finally {
    spy.mockRestore();
  }
}

describe('listing commands on the sandbox', () => {
  it('publish, then plan shows nothing to change; load-form writes a form that reads back', async () => {
    const published = await runIn(() => import('../../src/cli/commands/publish.js'), {
      message: [messages],
      subvariant: 'Cloud_Base',
      json: true,
    });
    expect(published.code).toBe(0);

    const plan = await runIn(() => import('../../src/cli/commands/plan.js'), { json: true });
    expect(plan.code).toBe(0);
    const { plans } = JSON.parse(plan.stdout) as {
      plans: Array<{ productId: string; changes: unknown[]; diff: unknown[] }>;
    };
    expect(plans.length).toBeGreaterThan(0);
    for (const p of plans) {
      expect(p.productId).toMatch(/^prod-/);
      expect(p.changes).toEqual([]);
      // GovCloud is left to a Marketplace representative: reported, never in a change set.
      expect(p.diff).toEqual([{ kind: 'needs-representative', to: ['us-gov-east-1', 'us-gov-west-1'] }]);
    }
    const human = await runIn(() => import('../../src/cli/commands/plan.js'), {});
    expect(human.stdout).toMatch(/up to date/);
    expect(human.stdout).toMatch(/GovCloud: needs a Marketplace representative/);

    const apply = await runIn(() => import('../../src/cli/commands/apply.js'), { json: true });
    expect(apply.code).toBe(0);
    const { results } = JSON.parse(apply.stdout) as {
      results: Array<{ changeSets: unknown[]; outcome: string }>;
    };
    expect(results.every((r) => r.outcome === 'done' && r.changeSets.length === 0)).toBe(true);

    const out = join(stateDir, 'forms');
    const form = await runIn(() => import('../../src/cli/commands/load-form.js'), {
      release: '41',
      out,
      json: true,
    });
    const written = JSON.parse(form.stdout) as {
      products: string[];
      files: { xlsx: string; csv: string[]; json: string };
      problems: Array<{ severity: string }>;
    };
    expect(form.code, form.stdout).toBe(0);
    expect(written.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(written.files.xlsx).toBe(join(out, 'load-form-f41.xlsx'));

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(written.files.xlsx);
    const sheet = book.getWorksheet('New AMI Version');
    expect(sheet).toBeDefined();
    const json = JSON.parse(readFileSync(written.files.json, 'utf8')) as {
      sheets: Record<string, Array<Record<string, unknown>>>;
    };
    const rows = json.sheets['New AMI Version'] ?? [];
    expect(rows).toHaveLength(written.products.length);
    // Spot check: the spreadsheet holds, row for row, the cells the JSON export lists.
    const headerRow = findRow(sheet!, 'Product Title');
    const headers = (sheet!.getRow(headerRow).values as unknown[]).map((v) =>
      v === undefined || v === null ? '' : String(v),
    );
    rows.forEach((row, i) => {
      for (const column of ['Product Title', 'New Version Title', 'Release Notes']) {
        expect(headers).toContain(column);
        const cell = sheet!.getRow(headerRow + 1 + i).getCell(headers.indexOf(column)).value;
        expect(String(cell)).toBe(String(row[column]));
      }
    });
    expect(rows.map((r) => r['Product Title']).sort()).toEqual([...written.products].sort());
    expect(rows.every((r) => String(r['New Version Title']).startsWith('41'))).toBe(true);
  });

  it('refuses a release without published versions, naming the option', async () => {
    const { isAppError } = await import('../../src/core/errors.js');
    const error = await runIn(() => import('../../src/cli/commands/load-form.js'), { release: '39' }).catch(
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.describe()).toMatch(/release 39 has no published version/);
  });

  it('cleanup is a dry run without --yes, and lists what it keeps and why', async () => {
    await runIn(() => import('../../src/cli/commands/publish.js'), {
      message: [messages],
      subvariant: 'Cloud_Base',
      json: true,
    });
    const dry = await runIn(() => import('../../src/cli/commands/cleanup.js'), {
      graceDays: '0',
      json: true,
    });
    expect(dry.code).toBe(0);
    // Every mirror belongs to a live (Public) version: nothing may be deleted, and each says why.
    const plan = JSON.parse(dry.stdout) as CleanupJson;
    expect(plan).toMatchObject({ dryRun: true, graceDays: 0, images: [] });
    expect(plan.kept).toHaveLength(6);
    for (const k of plan.kept)
      expect(k.reason).toMatch(/^version 41\.1\.4 of prod-\w+ \(Fedora 41 .*\) is live$/);
    const human = await runIn(() => import('../../src/cli/commands/cleanup.js'), {
      graceDays: '0',
      yes: true,
    });
    expect(human.stdout).toMatch(/nothing to clean up/);
    expect(human.stdout).toMatch(/kept 6 image\(s\)/);
  });

  it('cleanup --yes from a fresh state directory deletes nothing a live version uses', async () => {
    const { isAppError } = await import('../../src/core/errors.js');
    await runIn(() => import('../../src/cli/commands/publish.js'), {
      message: [messages],
      subvariant: 'Cloud_Base',
      json: true,
    });
    const published = (await runIn(() => import('../../src/cli/commands/sandbox-state.js'), { json: true }))
      .stdout;
    const mirrors = (JSON.parse(published) as SandboxJson).images.filter((i) => i.owner === '111122223333');
    expect(mirrors).toHaveLength(6);

    // Another state directory on the same simulated cloud: its store knows none of those jobs.
    const other = mkdtempSync(join(tmpdir(), 'fm-listing-cli-other-'));
    try {
      for (const file of readdirSync(stateDir).filter((f) => f.startsWith('sandbox-cloud.db')))
        copyFileSync(join(stateDir, file), join(other, file));
      const inOther = (load: () => Promise<{ run(options: never): Promise<number> }>, options: object) =>
        runIn(load, { ...options, stateDir: other });

      const refused = await inOther(() => import('../../src/cli/commands/cleanup.js'), {
        graceDays: '0',
        yes: true,
      }).catch((e: unknown) => e);
      expect(isAppError(refused) && refused.describe()).toMatch(/no jobs at all.*Fix: run cleanup against/);

      // With a job of its own, the store is no longer empty, but still knows nothing of the first six.
      await inOther(() => import('../../src/cli/commands/publish.js'), {
        release: '41',
        arch: 'x86_64',
        sourceAmi: 'ami-0f0e0d0c0b0a09080',
        subvariant: 'Cloud_Base',
        json: true,
      });
      const cleaned = await inOther(() => import('../../src/cli/commands/cleanup.js'), {
        graceDays: '0',
        yes: true,
        json: true,
      });
      const result = JSON.parse(cleaned.stdout) as CleanupJson;
      expect(result.images).toEqual([]);
      expect(result.kept.map((k) => k.imageId)).toEqual(expect.arrayContaining(mirrors.map((m) => m.id)));
      const after = JSON.parse(
        (await inOther(() => import('../../src/cli/commands/sandbox-state.js'), { json: true })).stdout,
      ) as SandboxJson;
      const left = new Set(after.images.map((i) => i.id));
      for (const m of mirrors) expect(left.has(m.id), m.id).toBe(true);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

interface CleanupJson {
  dryRun: boolean;
  graceDays: number;
  images: Array<{ imageId: string }>;
  kept: Array<{ imageId: string; reason: string }>;
}

interface SandboxJson {
  images: Array<{ id: string; owner: string }>;
}

/** The column-header row: the last of the form's top rows naming `header` (display headers sit above it). */
function findRow(sheet: ExcelJS.Worksheet, header: string): number {
  let found = 0;
  for (let r = 1; r <= Math.min(sheet.rowCount, 5); r++) {
    if ((sheet.getRow(r).values as unknown[]).some((v) => v === header)) found = r;
  }
  if (found === 0) throw new Error(`no header row with ${header}`);
  return found;
}
