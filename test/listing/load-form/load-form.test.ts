import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExitCode, InputError } from '../../../src/core/errors.js';
import type { CellValue, LoadForm } from '../../../src/listing/load-form/load-form.js';
import {
  buildLoadForm,
  columnLetter,
  loadFormJson,
  LoadFormError,
  validateLoadForm,
  writeLoadForm,
} from '../../../src/listing/load-form/load-form.js';
import type { ProductListing } from '../../../src/core/model/listing.js';
import { fedora41Listing } from '../../fixtures/load-form/listings.js';

const fixtureDir = new URL('../../fixtures/load-form/', import.meta.url);
const fixtureFiles: Record<string, string> = {
  'New AMI Version': 'new-ami-version.json',
  'Metadata Update': 'metadata-update.json',
  'Product Metadata Load Form': 'product-metadata-load-form.json',
};

async function fixtureRows(sheet: string): Promise<CellValue[][]> {
  const file = fixtureFiles[sheet];
  if (file === undefined) throw new Error(`no fixture for ${sheet}`);
  const parsed = JSON.parse(await readFile(new URL(file, fixtureDir), 'utf8')) as { rows: CellValue[][] };
  return parsed.rows;
}

function readRows(ws: ExcelJS.Worksheet): CellValue[][] {
  const rows: CellValue[][] = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const cells: CellValue[] = [];
    for (let c = 1; c <= ws.columnCount; c++)
      cells.push((ws.getRow(r).getCell(c).value ?? null) as CellValue);
    rows.push(cells);
  }
  return rows;
}

/** A strict RFC 4180 reader, independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

const csvText = (value: CellValue): string =>
  value === null ? '' : typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value);

const listings = (): ProductListing[] => [fedora41Listing('x86_64'), fedora41Listing('arm64')];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-form-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

describe('buildLoadForm', () => {
  it('lays out New AMI Version like the second-party form: markers, display header, header row 3', () => {
    const sheet = buildLoadForm(listings()).sheets.find((s) => s.name === 'New AMI Version');
    expect(sheet?.headerRow).toBe(3);
    const headers = sheet?.columns.map((c) => c.header) ?? [];
    // Spelled as in Fedora-CentOS_Product_Load_Form-base.xlsx, line breaks included.
    expect(headers.slice(0, 28)).toEqual([
      'Product ID or ASIN or URL',
      'Product Title',
      'New Version Title',
      'Release Notes',
      'us-east-1 \nCloned AMI ID',
      'Source \nAMI ID',
      'us-east-2 \nCloned AMI ID',
      'us-west-1 \nCloned AMI ID',
      'us-west-2 \nCloned AMI ID',
      'us-gov-west-1 Cloned AMI ID',
      'us-gov-east-1 Cloned AMI ID',
      'ca-central-1 \nCloned AMI ID',
      'eu-central-1 \nCloned AMI ID',
      'eu-west-1 \nCloned AMI ID',
      'eu-west-2 \nCloned AMI ID',
      'eu-west-3 \nCloned AMI ID',
      'eu-north-1 \nCloned AMI ID',
      'ap-southeast-1 Cloned AMI ID',
      'ap-southeast-2 Cloned AMI ID',
      'ap-south-1 \nCloned AMI ID',
      'ap-northeast-1 Cloned AMI ID',
      'ap-northeast-2 Cloned AMI ID',
      'ap-northeast-3 Cloned AMI ID',
      'ap-east-1 \nCloned AMI ID',
      'sa-east-1 \nCloned AMI ID',
      'cn-northwest-1 Cloned AMI ID',
      'cn-north-1 \nCloned AMI ID',
      'me-south-1 \nCloned AMI ID',
    ]);
    expect(headers[28]).toBe('Security Group1');
    expect(headers.slice(29, 31)).toEqual([
      'Supported Region: us-east-1',
      'Supported Region: ap-northeast-1',
    ]);
    expect(sheet?.preamble[0]?.slice(0, 6)).toEqual([
      'REQUIRED',
      'REQUIRED',
      'REQUIRED',
      'REQUIRED',
      'REQUIRED',
      'Optional',
    ]);
    expect(sheet?.preamble[1]?.[0]).toBe('HIGHLIGHT ALL CHANGES IN YELLOW ');
    expect(sheet?.preamble[1]?.[28]).toBe('');
  });

  it('fills the Cloned AMI ID cells of mirrored regions only, one product per row', () => {
    const sheet = buildLoadForm(listings()).sheets.find((s) => s.name === 'New AMI Version');
    const headers = sheet?.columns.map((c) => c.header) ?? [];
    expect(sheet?.rows).toHaveLength(2);
    const arm = Object.fromEntries(headers.map((h, i) => [h, sheet?.rows[1]?.[i]]));
    expect(arm['Product Title']).toBe('Fedora 41 Cloud Base Images (aarch64) HVM');
    expect(arm['us-east-1 \nCloned AMI ID']).toBe('ami-1a1b2c3d4e5f60718');
    expect(arm['us-east-2 \nCloned AMI ID']).toBe('ami-1b1b2c3d4e5f60718');
    expect(arm['eu-west-1 \nCloned AMI ID']).toBe('ami-1c1b2c3d4e5f60718');
    expect(arm['Source \nAMI ID']).toBe('ami-1f1e2d3c4b5a69788');
    const filled = headers.filter((h, i) => h.endsWith('Cloned AMI ID') && sheet?.rows[1]?.[i] !== null);
    expect(filled).toEqual([
      'us-east-1 \nCloned AMI ID',
      'us-east-2 \nCloned AMI ID',
      'eu-west-1 \nCloned AMI ID',
    ]);
  });

  it('offers the union of instance types, each available only to its own architecture', () => {
    const sheet = buildLoadForm(listings()).sheets.find((s) => s.name === 'Product Metadata Load Form');
    const headers = sheet?.columns.map((c) => c.header) ?? [];
    const t4g = headers.indexOf('t4g.small Availability');
    const t3 = headers.indexOf('t3.small Availability');
    expect(t3).toBeGreaterThan(headers.indexOf('Make available for all future instance types'));
    expect(t4g).toBeLessThan(headers.indexOf('Pricing Model'));
    expect([sheet?.rows[0]?.[t3], sheet?.rows[0]?.[t4g]]).toEqual([true, false]);
    expect([sheet?.rows[1]?.[t3], sheet?.rows[1]?.[t4g]]).toEqual([false, true]);
    expect(sheet?.rows[0]?.[headers.indexOf('Pricing Model')]).toBe('Free');
    expect(headers.some((h) => /Price|FCP|Contract|Topology|DockerImageSet/.test(h))).toBe(false);
  });
});

describe('validateLoadForm', () => {
  it('accepts the two Fedora 41 listings', () => {
    expect(validateLoadForm(buildLoadForm(listings()))).toEqual([]);
  });

  it('reports a too-long title and a bad AMI id at the cell a person sees', () => {
    const arm = { ...fedora41Listing('arm64'), productTitle: 'F'.repeat(73), amiId: 'ami-123' };
    const problems = validateLoadForm(buildLoadForm([fedora41Listing('x86_64'), arm]));
    const newVersion = problems.filter((p) => p.sheet === 'New AMI Version');
    expect(newVersion).toEqual([
      {
        sheet: 'New AMI Version',
        row: 5,
        column: 'Product Title',
        cell: 'B5',
        rule: 'at most 72 characters',
        value: 'F'.repeat(73),
        severity: 'error',
      },
      {
        sheet: 'New AMI Version',
        row: 5,
        column: 'us-east-1 \nCloned AMI ID',
        cell: 'E5',
        rule: 'an AMI id: ami- followed by 8 or 17 letters or digits',
        value: 'ami-123',
        severity: 'error',
      },
    ]);
    expect(problems).toContainEqual(
      expect.objectContaining({ sheet: 'Product Metadata Load Form', row: 7, column: 'Title', cell: 'F7' }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        sheet: 'Product Metadata Load Form',
        row: 7,
        column: 'us-east-1 AMI ID',
        cell: 'AC7',
      }),
    );
  });

  it('reports missing required cells and values the form has no column for', () => {
    const x86 = {
      ...fedora41Listing('x86_64'),
      productId: undefined,
      regions: ['us-east-1', 'ap-southeast-7'],
    };
    const problems = validateLoadForm(buildLoadForm([x86]));
    expect(problems).toContainEqual(
      expect.objectContaining({
        sheet: 'New AMI Version',
        cell: 'A4',
        column: 'Product ID or ASIN or URL',
        rule: 'required',
        // A new product has no id until CreateProduct runs: the form says so, the listing is still right.
        severity: 'warning',
      }),
    );
    expect(problems).toContainEqual({
      sheet: 'Metadata Update',
      row: 4,
      column: 'Availability',
      cell: '4:4',
      rule: 'the form has no column for this region',
      value: 'ap-southeast-7',
      severity: 'warning',
    });
    // The metadata form treats Product ID as optional (new products have none yet).
    expect(problems.filter((p) => p.sheet === 'Product Metadata Load Form' && p.rule === 'required')).toEqual(
      [],
    );
  });

  it('checks the security group cell format and the operating system list', () => {
    const odd = {
      ...fedora41Listing('x86_64'),
      operatingSystemName: 'Fedora',
      securityGroups: [{ protocol: 'tcp' as const, fromPort: 443, toPort: 80, cidrs: ['0.0.0.0/0'] }],
    };
    const rules = validateLoadForm(buildLoadForm([odd]))
      .filter((p) => p.sheet === 'Metadata Update')
      .map((p) => [p.column, p.value]);
    expect(rules).toEqual([
      ['Operating System', 'Fedora'],
      ['Security Group1', 'tcp,443,80,0.0.0.0/0'],
    ]);
  });

  it('LoadFormError is an InputError that lists every problem', () => {
    const bad = { ...fedora41Listing('arm64'), productTitle: 'F'.repeat(73) };
    const error = new LoadFormError(validateLoadForm(buildLoadForm([bad])));
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(ExitCode.badInput);
    expect(error.problems).toHaveLength(3);
    expect(error.describe()).toContain('New AMI Version!B4 "Product Title": at most 72 characters');
    expect(error.context.field).toBe('New AMI Version!B4 (Product Title)');
  });
});

describe('writeLoadForm', () => {
  it('writes an XLSX whose cells read back exactly as the fixtures', async () => {
    const written = await writeLoadForm(buildLoadForm(listings()), dir, 'fedora-41');
    expect(written.xlsx).toBe(join(dir, 'fedora-41.xlsx'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(written.xlsx);
    expect(workbook.worksheets.map((ws) => ws.name)).toEqual(Object.keys(fixtureFiles));
    for (const ws of workbook.worksheets) {
      const expected = await fixtureRows(ws.name);
      const actual = readRows(ws);
      expect(actual.length, ws.name).toBe(expected.length);
      actual.forEach((cells, r) =>
        cells.forEach((value, c) =>
          expect(value, `${ws.name}!${columnLetter(c + 1)}${r + 1}`).toEqual(expected[r]?.[c] ?? null),
        ),
      );
      expect(actual[0]?.length).toBe(expected[0]?.length);
    }
  });

  it('bolds the header rows, freezes the panes under them and sizes the columns', async () => {
    const form = buildLoadForm(listings());
    const written = await writeLoadForm(form, dir, 'fedora-41');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(written.xlsx);
    const metadata = workbook.getWorksheet('Product Metadata Load Form');
    expect(metadata?.views[0]).toMatchObject({ state: 'frozen', xSplit: 2, ySplit: 5 });
    expect(metadata?.getRow(5).getCell(1).font?.bold).toBe(true);
    expect(metadata?.getRow(6).getCell(1).font?.bold).not.toBe(true);
    const version = workbook.getWorksheet('New AMI Version');
    expect(version?.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
    const releaseNotes = version?.getColumn(4).width ?? 0;
    expect(releaseNotes).toBeGreaterThan(version?.getColumn(7).width ?? 0);
    expect(releaseNotes).toBeLessThanOrEqual(60);
    expect(workbook.created.toISOString()).toBe('2000-01-01T00:00:00.000Z');
  });

  it('writes one RFC 4180 CSV per sheet that reads back to the same cells', async () => {
    const tricky = {
      ...fedora41Listing('x86_64'),
      releaseNotes: 'Fixes: a, b and "c"\nSee https://fedoraproject.org',
    };
    const form = buildLoadForm([tricky, fedora41Listing('arm64')]);
    const written = await writeLoadForm(form, dir, 'fedora-41');
    expect(written.csv.map((p) => p.slice(dir.length + 1))).toEqual([
      'fedora-41-new-ami-version.csv',
      'fedora-41-metadata-update.csv',
      'fedora-41-product-metadata-load-form.csv',
    ]);
    const raw = await readFile(written.csv[0] ?? '', 'utf8');
    expect(raw).toContain(',"Fixes: a, b and ""c""\nSee https://fedoraproject.org",');
    expect(raw).toContain('"us-east-1 \nCloned AMI ID"');
    for (const [i, path] of written.csv.entries()) {
      const sheet = form.sheets[i];
      const parsed = parseCsv(await readFile(path, 'utf8'));
      expect(parsed).toEqual([
        sheet?.columns.map((c) => c.header),
        ...(sheet?.rows.map((cells) => cells.map(csvText)) ?? []),
      ]);
    }
  });

  it('writes the JSON equivalent keyed by header', async () => {
    const form = buildLoadForm(listings());
    const written = await writeLoadForm(form, dir, 'fedora-41');
    const json = JSON.parse(await readFile(written.json, 'utf8')) as ReturnType<typeof loadFormJson>;
    expect(json).toEqual(loadFormJson(form));
    const arm = json.sheets['Metadata Update']?.[1];
    expect(arm?.['Operating System username']).toBe('fedora');
    expect(arm?.['eu-west-1 Availability']).toBe(true);
    expect(arm?.['us-west-2 Availability']).toBe(false);
    expect(arm?.['Security Group1']).toBe('tcp,22,22,0.0.0.0/0');
  });

  it('writes the same bytes whatever the clock says', async () => {
    const form = buildLoadForm(listings());
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-03-04T05:06:07Z'));
    const first = await readFile((await writeLoadForm(form, join(dir, 'a'), 'f')).xlsx);
    vi.setSystemTime(new Date('2032-08-09T10:11:13Z'));
    const second = await readFile((await writeLoadForm(form, join(dir, 'b'), 'f')).xlsx);
    expect(second.equals(first)).toBe(true);
    const dated = await readFile(
      (await writeLoadForm(form, join(dir, 'c'), 'f', { date: new Date('2024-10-27T00:00:00Z') })).xlsx,
    );
    expect(dated.equals(first)).toBe(false);
  });

  it('still writes a form with problems, for the caller to decide', async () => {
    const bad: LoadForm = buildLoadForm([{ ...fedora41Listing('x86_64'), amiId: 'not-an-ami' }]);
    expect(validateLoadForm(bad).length).toBeGreaterThan(0);
    const written = await writeLoadForm(bad, dir, 'bad');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(written.xlsx);
    expect(workbook.getWorksheet('New AMI Version')?.getCell('E4').value).toBe('not-an-ami');
  });
});
