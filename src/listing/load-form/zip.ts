import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import { InternalError } from '../../core/errors.js';

const deflate = promisify(deflateRaw);

/** Zip compression methods (APPNOTE 4.4.5). */
const stored = 0;
const deflated = 8;
/** General-purpose flag bit 3: sizes and CRC follow the data instead of sitting in the local header. */
const dataDescriptorFlag = 0x0008;

/**
 * Turns a zip archive of stored (uncompressed) entries into one of deflated entries, every entry stamped
 * with `date`. The XLSX writer's own deflate is pure JavaScript and cost more main-thread CPU per form
 * than building the workbook; Node's zlib runs natively on the thread pool. The writer stamps entries
 * with the wall clock, so pinning the time makes the file reproducible and comparable. CRCs are of the
 * uncompressed bytes, so they carry over unchanged.
 */
export async function deflateZipEntries(zip: Buffer, date: Date): Promise<Buffer> {
  const { time, day } = dosDateTime(date);
  const entries = readEntries(zip);
  const data = await Promise.all(entries.map((entry) => deflate(entry.data)));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  entries.forEach((entry, i) => {
    const body = data[i] as Buffer;
    const flags = entry.flags & ~dataDescriptorFlag;
    const header = {
      flags,
      time,
      day,
      crc: entry.crc,
      size: body.length,
      uncompressed: entry.data.length,
      nameLength: entry.name.length,
    };
    const local = Buffer.alloc(30 + entry.name.length);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, header);
    entry.name.copy(local, 30);
    const central = Buffer.alloc(46 + entry.name.length);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.madeBy, 4);
    writeEntryFields(central, 6, header);
    central.writeUInt32LE(entry.externalAttributes, 38);
    central.writeUInt32LE(offset, 42);
    entry.name.copy(central, 46);
    locals.push(local, body);
    centrals.push(central);
    offset += local.length + body.length;
  });
  const centralSize = centrals.reduce((sum, c) => sum + c.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

interface EntryFields {
  flags: number;
  time: number;
  day: number;
  crc: number;
  size: number;
  uncompressed: number;
  nameLength: number;
}

/**
 * The fields a local header (from byte 4) and a central directory header (from byte 6) share, in the
 * same order: version needed, flags, method, time, date, CRC, sizes, name length (the name follows).
 */
function writeEntryFields(header: Buffer, at: number, fields: EntryFields): void {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(fields.flags, at + 2);
  header.writeUInt16LE(deflated, at + 4);
  header.writeUInt16LE(fields.time, at + 6);
  header.writeUInt16LE(fields.day, at + 8);
  header.writeUInt32LE(fields.crc, at + 10);
  header.writeUInt32LE(fields.size, at + 14);
  header.writeUInt32LE(fields.uncompressed, at + 18);
  header.writeUInt16LE(fields.nameLength, at + 22);
}

interface StoredEntry {
  name: Buffer;
  flags: number;
  madeBy: number;
  crc: number;
  externalAttributes: number;
  data: Buffer;
}

/** The entries of an archive written without compression, read through its central directory. */
function readEntries(zip: Buffer): StoredEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const entries: StoredEntry[] = [];
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    expectSignature(zip, offset, 0x02014b50, 'central directory header');
    const method = zip.readUInt16LE(offset + 10);
    if (method !== stored) {
      throw new InternalError(
        `XLSX writer compressed an entry (method ${method}); it was asked to store them`,
      );
    }
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const local = zip.readUInt32LE(offset + 42);
    expectSignature(zip, local, 0x04034b50, 'local file header');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.push({
      name: zip.subarray(offset + 46, offset + 46 + nameLength),
      flags: zip.readUInt16LE(offset + 8),
      madeBy: zip.readUInt16LE(offset + 4),
      crc: zip.readUInt32LE(offset + 16),
      externalAttributes: zip.readUInt32LE(offset + 38),
      data: zip.subarray(start, start + size),
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
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
