import { crc32, deflateRawSync } from 'node:zlib';

/** Zip compression method 8 (APPNOTE 4.4.5). */
const deflated = 8;

export interface ZipEntry {
  /** Path inside the archive, ASCII. */
  name: string;
  data: Buffer;
}

/**
 * A zip archive of `entries`, each deflated and stamped with `date`, so that the same entries always make
 * the same bytes. Deflate is synchronous on purpose: the entries are a few kilobytes each, and handing each
 * to the thread pool cost ten times the CPU of compressing it (a stream set up and torn down per entry,
 * on both threads).
 */
export function zipDeflated(entries: readonly ZipEntry[], date: Date): Buffer {
  const { time, day } = dosDateTime(date);
  const bodies = entries.map((entry) => deflateRawSync(entry.data));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  entries.forEach((entry, i) => {
    const body = bodies[i] as Buffer;
    const name = Buffer.from(entry.name, 'ascii');
    const header = {
      time,
      day,
      crc: crc32(entry.data),
      size: body.length,
      uncompressed: entry.data.length,
      nameLength: name.length,
    };
    const local = Buffer.alloc(30 + name.length);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, header);
    name.copy(local, 30);
    const central = Buffer.alloc(46 + name.length);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: version 2.0, MS-DOS attributes
    writeEntryFields(central, 6, header);
    central.writeUInt32LE(offset, 42);
    name.copy(central, 46);
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
  time: number;
  day: number;
  crc: number;
  size: number;
  uncompressed: number;
  nameLength: number;
}

/**
 * The fields a local header (from byte 4) and a central directory header (from byte 6) share, in the
 * same order: version needed, flags (none), method, time, date, CRC, sizes, name length (the name follows).
 */
function writeEntryFields(header: Buffer, at: number, fields: EntryFields): void {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(0, at + 2);
  header.writeUInt16LE(deflated, at + 4);
  header.writeUInt16LE(fields.time, at + 6);
  header.writeUInt16LE(fields.day, at + 8);
  header.writeUInt32LE(fields.crc, at + 10);
  header.writeUInt32LE(fields.size, at + 14);
  header.writeUInt32LE(fields.uncompressed, at + 18);
  header.writeUInt16LE(fields.nameLength, at + 22);
}

/** MS-DOS date and time fields (2-second resolution, years from 1980), from the date's UTC parts. */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.max(date.getUTCFullYear(), 1980);
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}
