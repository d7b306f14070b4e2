import { InternalError } from '../../core/errors.js';

/**
 * Sets the modification time of every entry of a zip archive (an XLSX file) to `date`. The zip writer
 * stamps entries with the wall clock, so two writes of the same workbook differ only in those bytes;
 * pinning them makes the file reproducible and comparable. Only header fields change: entry data and
 * CRCs are untouched, so the archive stays valid.
 */
export function setZipEntryTimes(zip: Buffer, date: Date): Buffer {
  const out = Buffer.from(zip);
  const { time, day } = dosDateTime(date);
  const eocd = findEndOfCentralDirectory(out);
  const entries = out.readUInt16LE(eocd + 10);
  let offset = out.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    expectSignature(out, offset, 0x02014b50, 'central directory header');
    out.writeUInt16LE(time, offset + 12);
    out.writeUInt16LE(day, offset + 14);
    const local = out.readUInt32LE(offset + 42);
    expectSignature(out, local, 0x04034b50, 'local file header');
    out.writeUInt16LE(time, local + 10);
    out.writeUInt16LE(day, local + 12);
    offset +=
      46 + out.readUInt16LE(offset + 28) + out.readUInt16LE(offset + 30) + out.readUInt16LE(offset + 32);
  }
  return out;
}

/** MS-DOS date and time fields (2-second resolution, years from 1980), from the date's UTC parts. */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.max(date.getUTCFullYear(), 1980);
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end of the archive.
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new InternalError('XLSX writer produced no zip end-of-central-directory record');
}

function expectSignature(zip: Buffer, offset: number, signature: number, what: string): void {
  if (offset + 4 > zip.length || zip.readUInt32LE(offset) !== signature) {
    throw new InternalError(`XLSX writer produced a malformed zip: no ${what} at byte ${offset}`);
  }
}
