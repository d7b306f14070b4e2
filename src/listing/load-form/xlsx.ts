/**
 * A minimal SpreadsheetML (XLSX) writer for the load form: plain cells, bold wrapped header rows, frozen
 * panes and column widths, nothing else. exceljs built the same file with about seven times the CPU
 * (11 ms against 1.5 ms a form), paid on the pipeline's one thread for every image it described; it stays
 * as the tests' independent reader of what this writes. The zip container is fflate's.
 */
import type { CellValue } from './rules.js';
import { isEmptyCell } from './rules.js';
import { strToU8, zipSync, type Zippable } from 'fflate';

export interface XlsxSheet {
  name: string;
  /** Rows from row 1; a row's cells from column A. */
  rows: readonly (readonly CellValue[])[];
  /** The first `headerRows` rows are bold and wrapped, and stay in view (frozen) while scrolling down. */
  headerRows: number;
  /** Columns that stay in view while scrolling right. */
  frozenColumns: number;
  /** Width of each column, in characters. */
  widths: readonly number[];
}

export interface XlsxProperties {
  creator: string;
  /** Created and modified time of the document, and the time of every zip entry. */
  date: Date;
}

const mainNs = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const relNs = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const pkgRelNs = 'http://schemas.openxmlformats.org/package/2006/relationships';
const declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const officeType = 'application/vnd.openxmlformats-officedocument';

/** Style 1 (cellXfs index): the header rows' bold, top-aligned, wrapped text. */
const headerStyle = 1;

export function renderXlsx(sheets: readonly XlsxSheet[], properties: XlsxProperties): Buffer {
  const strings = new SharedStrings();
  const worksheets = sheets.map((sheet) => worksheetXml(sheet, strings));
  const files: Array<[string, string]> = [
    ['[Content_Types].xml', contentTypesXml(sheets.length)],
    ['_rels/.rels', packageRelsXml()],
    ['docProps/core.xml', corePropertiesXml(properties)],
    ['xl/workbook.xml', workbookXml(sheets)],
    ['xl/_rels/workbook.xml.rels', workbookRelsXml(sheets.length)],
    ['xl/styles.xml', stylesXml()],
    ...worksheets.map((xml, i): [string, string] => [`xl/worksheets/sheet${i + 1}.xml`, xml]),
    ['xl/sharedStrings.xml', strings.xml()],
  ];
  // Synchronous on purpose: a form's parts are a few kilobytes each, and handing each to zlib's thread pool
  // cost ten times the CPU of compressing it. Every entry carries the document's date, so the same form
  // always makes the same bytes.
  const entries: Zippable = {};
  const mtime = zipTime(properties.date);
  for (const [name, xml] of files) entries[name] = [strToU8(xml), { mtime }];
  const zip = zipSync(entries, { level: 6 });
  return Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
}

/**
 * Zip entries carry MS-DOS times, 1980 to 2099 in local time (fflate refuses others): the document's date
 * is kept within them, a day inside either end so no time zone takes it out.
 */
function zipTime(date: Date): number {
  return Math.min(Math.max(date.getTime(), Date.UTC(1980, 0, 2)), Date.UTC(2099, 11, 30));
}

/** Every distinct text once, cells refer to it by index (what spreadsheet programs write themselves). */
class SharedStrings {
  private readonly index = new Map<string, number>();
  private count = 0;

  ref(text: string): number {
    this.count++;
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(text, i);
    }
    return i;
  }

  xml(): string {
    const items = [...this.index.keys()].map(
      (text) => `<si><t xml:space="preserve">${xmlText(text)}</t></si>`,
    );
    return `${declaration}<sst xmlns="${mainNs}" count="${this.count}" uniqueCount="${this.index.size}">${items.join('')}</sst>`;
  }
}

function worksheetXml(sheet: XlsxSheet, strings: SharedStrings): string {
  const width = Math.max(sheet.widths.length, ...sheet.rows.map((cells) => cells.length), 1);
  const dimension = `A1:${columnLetter(width)}${Math.max(sheet.rows.length, 1)}`;
  const rows = sheet.rows.map((cells, r) => rowXml(cells, r + 1, r < sheet.headerRows, strings));
  const cols = sheet.widths.map(
    (w, c) => `<col min="${c + 1}" max="${c + 1}" width="${w}" customWidth="1"/>`,
  );
  return (
    `${declaration}<worksheet xmlns="${mainNs}" xmlns:r="${relNs}"><dimension ref="${dimension}"/>` +
    `<sheetViews><sheetView workbookViewId="0">${paneXml(sheet.frozenColumns, sheet.headerRows)}</sheetView></sheetViews>` +
    `<sheetFormatPr defaultRowHeight="15"/>` +
    (cols.length > 0 ? `<cols>${cols.join('')}</cols>` : '') +
    `<sheetData>${rows.join('')}</sheetData></worksheet>`
  );
}

function paneXml(xSplit: number, ySplit: number): string {
  if (xSplit === 0 && ySplit === 0) return '';
  const pane = xSplit > 0 && ySplit > 0 ? 'bottomRight' : ySplit > 0 ? 'bottomLeft' : 'topRight';
  const split = `${xSplit > 0 ? ` xSplit="${xSplit}"` : ''}${ySplit > 0 ? ` ySplit="${ySplit}"` : ''}`;
  return (
    `<pane${split} topLeftCell="${columnLetter(xSplit + 1)}${ySplit + 1}" activePane="${pane}" state="frozen"/>` +
    `<selection pane="${pane}"/>`
  );
}

function rowXml(cells: readonly CellValue[], r: number, header: boolean, strings: SharedStrings): string {
  const style = header ? ` s="${headerStyle}"` : '';
  const body = cells
    .map((value, c) =>
      isEmptyCell(value) ? '' : cellXml(value, `${columnLetter(c + 1)}${r}`, style, strings),
    )
    .join('');
  return `<row r="${r}"${header ? `${style} customFormat="1"` : ''}>${body}</row>`;
}

function cellXml(value: CellValue, ref: string, style: string, strings: SharedStrings): string {
  if (typeof value === 'boolean') return `<c r="${ref}"${style} t="b"><v>${value ? 1 : 0}</v></c>`;
  if (typeof value === 'number' && Number.isFinite(value)) return `<c r="${ref}"${style}><v>${value}</v></c>`;
  return `<c r="${ref}"${style} t="s"><v>${strings.ref(String(value))}</v></c>`;
}

function contentTypesXml(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, i) =>
      `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${officeType}.spreadsheetml.worksheet+xml"/>`,
  );
  return (
    `${declaration}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
    `<Default Extension="xml" ContentType="application/xml"/>` +
    `<Override PartName="/xl/workbook.xml" ContentType="${officeType}.spreadsheetml.sheet.main+xml"/>` +
    sheets.join('') +
    `<Override PartName="/xl/styles.xml" ContentType="${officeType}.spreadsheetml.styles+xml"/>` +
    `<Override PartName="/xl/sharedStrings.xml" ContentType="${officeType}.spreadsheetml.sharedStrings+xml"/>` +
    `<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
    `</Types>`
  );
}

function packageRelsXml(): string {
  return (
    `${declaration}<Relationships xmlns="${pkgRelNs}">` +
    `<Relationship Id="rId1" Type="${relNs}/officeDocument" Target="xl/workbook.xml"/>` +
    `<Relationship Id="rId2" Type="${pkgRelNs}/metadata/core-properties" Target="docProps/core.xml"/>` +
    `</Relationships>`
  );
}

function corePropertiesXml({ creator, date }: XlsxProperties): string {
  const at = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `${declaration}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
    ` xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"` +
    ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<dc:creator>${xmlText(creator)}</dc:creator><cp:lastModifiedBy>${xmlText(creator)}</cp:lastModifiedBy>` +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${at}</dcterms:created>` +
    `<dcterms:modified xsi:type="dcterms:W3CDTF">${at}</dcterms:modified></cp:coreProperties>`
  );
}

function workbookXml(sheets: readonly XlsxSheet[]): string {
  const entries = sheets.map(
    (s, i) => `<sheet name="${xmlText(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`,
  );
  return (
    `${declaration}<workbook xmlns="${mainNs}" xmlns:r="${relNs}">` +
    `<bookViews><workbookView/></bookViews><sheets>${entries.join('')}</sheets></workbook>`
  );
}

/** Worksheets are rId1..rIdN (as workbookXml refers to them), then styles and shared strings. */
function workbookRelsXml(sheetCount: number): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, i) =>
      `<Relationship Id="rId${i + 1}" Type="${relNs}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
  );
  return (
    `${declaration}<Relationships xmlns="${pkgRelNs}">${sheets.join('')}` +
    `<Relationship Id="rId${sheetCount + 1}" Type="${relNs}/styles" Target="styles.xml"/>` +
    `<Relationship Id="rId${sheetCount + 2}" Type="${relNs}/sharedStrings" Target="sharedStrings.xml"/>` +
    `</Relationships>`
  );
}

/** Style 0 is the default; style 1 (headerStyle) is bold, top-aligned and wrapped. */
function stylesXml(): string {
  const font = (bold: boolean) =>
    `<font>${bold ? '<b/>' : ''}<sz val="11"/><name val="Calibri"/><family val="2"/></font>`;
  return (
    `${declaration}<styleSheet xmlns="${mainNs}">` +
    `<fonts count="2">${font(false)}${font(true)}</fonts>` +
    `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
    `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
    `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
    `<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
    `<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">` +
    `<alignment vertical="top" wrapText="1"/></xf></cellXfs>` +
    `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
  );
}

/** 1 -> A, 27 -> AA. */
export function columnLetter(index: number): string {
  let n = index;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Text for an XML element or attribute. Control characters XML cannot hold are written the way
 * spreadsheet programs write them, `_xHHHH_`.
 */
function xmlText(text: string): string {
  return text
    .replace(/[&<>"]/g, (ch) => entities[ch] ?? ch)
    .replace(
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g,
      (ch) => `_x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
    );
}
