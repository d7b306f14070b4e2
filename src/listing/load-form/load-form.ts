import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { ProductListing } from '../../core/model/listing.js';
import type { LoadFormSheetSpec } from './columns.js';
import { loadFormSheets } from './columns.js';
import type { CellRule, CellValue } from './rules.js';
import { isEmptyCell } from './rules.js';
import { columnLetter, renderXlsx, type XlsxSheet } from './xlsx.js';

export type { CellValue } from './rules.js';
export { columnLetter };

export interface LoadFormSheetColumn {
  header: string;
  required: boolean;
  rules: readonly CellRule[];
  whenMissing?: 'error' | 'warning';
}

export interface LoadFormSheet {
  name: string;
  /** 1-based row of the column headers; data rows start right below it. */
  headerRow: number;
  /** Rows above the header row, as the form shows them (markers, display headers). */
  preamble: CellValue[][];
  columns: LoadFormSheetColumn[];
  /** One row per listing, cells in column order. */
  rows: CellValue[][];
  /** Listing values the sheet has no column for; reported by validateLoadForm. */
  unmapped: LoadFormProblem[];
}

export interface LoadForm {
  sheets: LoadFormSheet[];
}

/** One broken rule, located the way a person finds it in the spreadsheet. */
export interface LoadFormProblem {
  sheet: string;
  /** Spreadsheet row number (1-based, header rows included). */
  row: number;
  column: string;
  /** A1-style cell reference, e.g. `B4`, or a whole row (`4:4`) for a value the form has no column for. */
  cell: string;
  rule: string;
  value: CellValue;
  /**
   * `warning`: the form cannot say it, but the listing is still right (a region newer than the form's
   * columns; the Product ID of a product that CreateProduct has not made yet). `error`: the value is wrong.
   */
  severity: 'error' | 'warning';
}

/** Raised by callers that refuse to hand over a load form with problems. */
export class LoadFormError extends InputError {
  readonly problems: LoadFormProblem[];
  constructor(problems: LoadFormProblem[]) {
    const first = problems[0];
    super(
      `The product load form breaks ${problems.length} Marketplace rule(s)`,
      first === undefined
        ? {}
        : {
            field: `${first.sheet}!${first.cell} (${first.column})`,
            value: first.value,
            rule: first.rule,
            hint: 'correct the product configuration or the listing, then export the form again',
          },
    );
    this.problems = problems;
  }

  override describe(): string {
    if (this.problems.length <= 1) return super.describe();
    const lines = this.problems.map((p) => `  - ${p.sheet}!${p.cell} ${JSON.stringify(p.column)}: ${p.rule}`);
    return `${this.message}:\n${lines.join('\n')}`;
  }
}

/** Builds every sheet of the load form, one data row per listing. Pure: same listings, same form. */
export function buildLoadForm(listings: readonly ProductListing[]): LoadForm {
  return { sheets: loadFormSheets.map((spec) => buildSheet(spec, listings)) };
}

function buildSheet(spec: LoadFormSheetSpec, listings: readonly ProductListing[]): LoadFormSheet {
  const columns = spec.columns(listings);
  return {
    name: spec.name,
    headerRow: spec.headerRow,
    preamble: spec.preamble(columns),
    columns: columns.map(({ header, required, rules, whenMissing }) => ({
      header,
      required,
      rules,
      ...(whenMissing ? { whenMissing } : {}),
    })),
    rows: listings.map((listing) => columns.map((c) => c.get(listing))),
    unmapped: listings.flatMap((listing, i) =>
      spec.unmapped(listing).map((u) => ({
        sheet: spec.name,
        row: spec.headerRow + 1 + i,
        column: u.column,
        // No single cell holds a value the form lacks a column for: point at the whole row.
        cell: `${spec.headerRow + 1 + i}:${spec.headerRow + 1 + i}`,
        rule: u.rule,
        value: u.value,
        severity: 'warning' as const,
      })),
    ),
  };
}

/** Every cell that breaks its column's rules, plus listing values the form cannot hold. */
export function validateLoadForm(form: LoadForm): LoadFormProblem[] {
  const problems: LoadFormProblem[] = [];
  for (const sheet of form.sheets) {
    sheet.rows.forEach((cells, i) => {
      const row = sheet.headerRow + 1 + i;
      sheet.columns.forEach((column, c) => {
        const value = cells[c] ?? null;
        const at = {
          sheet: sheet.name,
          row,
          column: column.header,
          cell: `${columnLetter(c + 1)}${row}`,
          value,
        };
        if (isEmptyCell(value)) {
          if (column.required)
            problems.push({ ...at, rule: 'required', severity: column.whenMissing ?? 'error' });
          return;
        }
        for (const rule of column.rules) {
          if (!rule.test(value)) problems.push({ ...at, rule: rule.rule, severity: 'error' });
        }
      });
    });
    problems.push(...sheet.unmapped);
  }
  return problems;
}

export interface WriteLoadFormOptions {
  /** Workbook created/modified time and zip entry time; fixed by default so files can be compared. */
  date?: Date;
}

export interface WrittenLoadForm {
  xlsx: string;
  csv: string[];
  json: string;
}

/** A fixed timestamp, so that the same form always produces the same bytes. */
export const defaultLoadFormDate = new Date('2000-01-01T00:00:00Z');

/**
 * Writes `<baseName>.xlsx` (all sheets, form layout), `<baseName>-<sheet>.csv` per sheet (header row and
 * data rows only) and `<baseName>.json` into `dir`. Writes even when the form has problems: run
 * validateLoadForm first and throw LoadFormError to refuse.
 */
export async function writeLoadForm(
  form: LoadForm,
  dir: string,
  baseName: string,
  options: WriteLoadFormOptions = {},
): Promise<WrittenLoadForm> {
  const date = options.date ?? defaultLoadFormDate;
  await mkdir(dir, { recursive: true });

  const xlsx = join(dir, `${baseName}.xlsx`);
  await writeFile(xlsx, renderXlsx(xlsxSheets(form), { creator: 'fedora-marketplace', date }));

  const csv: string[] = [];
  for (const sheet of form.sheets) {
    const path = join(dir, `${baseName}-${fileSlug(sheet.name)}.csv`);
    await writeFile(path, renderCsv(sheet), 'utf8');
    csv.push(path);
  }

  const json = join(dir, `${baseName}.json`);
  await writeFile(json, `${JSON.stringify(loadFormJson(form), null, 2)}\n`, 'utf8');
  return { xlsx, csv, json };
}

/** `{sheets: {[sheet]: [{header: value}]}}`, one object per data row. */
export function loadFormJson(form: LoadForm): { sheets: Record<string, Array<Record<string, CellValue>>> } {
  const sheets: Record<string, Array<Record<string, CellValue>>> = {};
  for (const sheet of form.sheets) {
    sheets[sheet.name] = sheet.rows.map((cells) =>
      Object.fromEntries(sheet.columns.map((column, c) => [column.header, cells[c] ?? null])),
    );
  }
  return { sheets };
}

/** RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled. */
export function renderCsv(sheet: LoadFormSheet): string {
  const lines = [sheet.columns.map((c) => c.header), ...sheet.rows].map((cells) =>
    cells.map((value) => csvField(value)).join(','),
  );
  return lines.map((line) => `${line}\r\n`).join('');
}

function csvField(value: CellValue): string {
  const text = value === null ? '' : typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function fileSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const minWidth = 10;
const maxWidth = 60;

/** The form's sheets as the XLSX shows them: header rows bold, product id and title kept in view. */
function xlsxSheets(form: LoadForm): XlsxSheet[] {
  return form.sheets.map((sheet) => ({
    name: sheet.name,
    // The header lands on its row of the form even when the preamble's last rows are left out.
    rows: [
      ...Array.from({ length: sheet.headerRow - 1 }, (_, r) => sheet.preamble[r] ?? []),
      sheet.columns.map((c) => c.header),
      ...sheet.rows,
    ],
    headerRows: sheet.headerRow,
    frozenColumns: 2,
    widths: sheet.columns.map((column, c) => {
      const longest = Math.max(
        ...column.header.split('\n').map((line) => line.length),
        ...sheet.rows.map((cells) => displayLength(cells[c] ?? null)),
      );
      return Math.min(maxWidth, Math.max(minWidth, longest + 2));
    }),
  }));
}

function displayLength(value: CellValue): number {
  if (value === null) return 0;
  return Math.max(
    ...String(value)
      .split('\n')
      .map((line) => line.length),
  );
}
