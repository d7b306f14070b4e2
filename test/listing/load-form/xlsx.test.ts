import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderXlsx, type XlsxSheet } from '../../../src/listing/load-form/xlsx.js';
import { zipDeflated } from '../../../src/listing/load-form/zip.js';

/** The entries of an archive, read through its local headers, independently of the writer. */
function unzip(
  zip: Buffer,
): Array<{ name: string; data: Buffer; crcOk: boolean; time: number; day: number }> {
  const entries = [];
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const start = at + 30 + nameLength + zip.readUInt16LE(at + 28);
    const data = inflateRawSync(zip.subarray(start, start + size));
    entries.push({
      name: zip.toString('ascii', at + 30, at + 30 + nameLength),
      data,
      crcOk: crc32(data) === zip.readUInt32LE(at + 14),
      time: zip.readUInt16LE(at + 10),
      day: zip.readUInt16LE(at + 12),
    });
    at = start + size;
  }
  return entries;
}

describe('zipDeflated', () => {
  it('stores every entry deflated with its CRC and the given date, the same bytes each time', async () => {
    const entries = [
      { name: 'a.xml', data: Buffer.from('<a>'.repeat(100)) },
      { name: 'dir/b.txt', data: Buffer.from('') },
    ];
    const date = new Date('2024-10-27T13:14:16Z');
    const zip = zipDeflated(entries, date);
    const read = unzip(zip);
    expect(read.map((e) => [e.name, e.data.toString(), e.crcOk])).toEqual([
      ['a.xml', '<a>'.repeat(100), true],
      ['dir/b.txt', '', true],
    ]);
    expect(read[0]).toMatchObject({ time: (13 << 11) | (14 << 5) | 8, day: (44 << 9) | (10 << 5) | 27 });
    expect(zipDeflated(entries, date).equals(zip)).toBe(true);
  });
});

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
});
