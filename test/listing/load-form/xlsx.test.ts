import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderXlsx, type XlsxSheet } from '../../../src/listing/load-form/xlsx.js';

describe('renderXlsx', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xlsx-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function readBack(sheets: XlsxSheet[]): Promise<ExcelJS.Workbook> {
    const path = join(dir, 'book.xlsx');
    await writeFile(path, renderXlsx(sheets, { creator: 'me & you', date: new Date(0) }));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    return workbook;
  }

  it('keeps text exactly (markup characters, line breaks, edge spaces) and numbers and booleans typed', async () => {
    const tricky = ' a < b & "c" > d\nsecond line ';
    const book = await readBack([
      {
        name: 'One & Two',
        rows: [
          ['head', 'er'],
          [tricky, 42, true, false, null, 'head', 1.5],
        ],
        headerRows: 1,
        frozenColumns: 0,
        widths: [12, 30],
      },
    ]);
    const ws = book.getWorksheet('One & Two');
    const row = ws?.getRow(2);
    expect([2, 3, 4, 5, 6, 7].map((c) => row?.getCell(c).value ?? null)).toEqual([
      42,
      true,
      false,
      null,
      'head',
      1.5,
    ]);
    expect(row?.getCell(1).value).toBe(tricky);
    expect(ws?.getRow(1).getCell(2).font?.bold).toBe(true);
    expect(row?.getCell(1).font?.bold).not.toBe(true);
    expect(ws?.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect([ws?.getColumn(1).width, ws?.getColumn(2).width]).toEqual([12, 30]);
    expect(book.creator).toBe('me & you');
  });

  it('makes the same bytes for the same sheets and date, whatever the clock says', () => {
    const sheets: XlsxSheet[] = [
      { name: 'Form', rows: [['a'], ['b', 2]], headerRows: 1, frozenColumns: 1, widths: [10] },
    ];
    const date = new Date('2024-10-27T13:14:16Z');
    try {
      vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
      const first = renderXlsx(sheets, { creator: 'x', date });
      vi.setSystemTime(new Date('2031-06-01T12:34:56Z'));
      expect(renderXlsx(sheets, { creator: 'x', date }).equals(first)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
