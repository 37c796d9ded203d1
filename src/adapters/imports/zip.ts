/** ZIP archives (XLSX workbooks) read by their central directory, entries inflated within a budget. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, pipeline, Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { AppError } from '../../kernel/errors';

/** One entry of a ZIP archive as its central directory declares it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; nothing else is read. */
  method: number;
  flags: number;
  compressed: number;
  /** The size the archive claims; only a first filter: the real size is counted while inflating. */
  uncompressed: number;
  /** Where the entry's local header starts. */
  offset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The central directory and the end record are read from this much at the end of the file. */
const TAIL_BYTES = 4 * 1024 * 1024 + 22 + 0xffff;

const broken = (why: string) =>
  new AppError('unsupported_import_file', `The file starts like a ZIP/XLSX file but ${why}.`);

/**
 * The entries of the ZIP file at `path`, from its central directory (read from the end of the file,
 * at most a few MiB). Refuses files that are not a readable ZIP, ZIP64 archives and encrypted entries.
 */
export async function zipDirectory(path: string): Promise<{ entries: ZipEntry[]; bytes: number }> {
  const handle = await open(path, 'r');
  let tail: Buffer;
  let bytes: number;
  try {
    bytes = (await handle.stat()).size;
    const length = Math.min(bytes, TAIL_BYTES);
    tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, bytes - length);
  } finally {
    await handle.close();
  }
  const tailStart = bytes - tail.length;
  let eocd = -1;
  for (let i = tail.length - 22; i >= Math.max(0, tail.length - 22 - 0xffff); i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw broken('has no end-of-central-directory record (truncated or damaged)');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    throw broken('is a ZIP64 archive, which a contact list never needs');
  }
  let at = cdOffset - tailStart;
  if (at < 0 || at + cdSize > eocd) throw broken('has a central directory that is too large or misplaced');
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || tail.readUInt32LE(at) !== CENTRAL) throw broken('has a damaged central directory');
    const nameLength = tail.readUInt16LE(at + 28);
    const extraLength = tail.readUInt16LE(at + 30);
    const commentLength = tail.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: tail.toString('utf8', at + 46, at + 46 + nameLength),
      flags: tail.readUInt16LE(at + 8),
      method: tail.readUInt16LE(at + 10),
      compressed: tail.readUInt32LE(at + 20),
      uncompressed: tail.readUInt32LE(at + 24),
      offset: tail.readUInt32LE(at + 42),
    };
    if (entry.flags & 1) throw broken(`has an encrypted entry (${entry.name})`);
    if (entry.offset + 30 + entry.compressed > bytes)
      throw broken(`has an entry past its end (${entry.name})`);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, bytes };
}

/**
 * Counts what every entry opened through it really inflates to, whatever the archive declares, and
 * stops the read with `archive_too_large` the moment the total passes `limit`.
 */
export class InflateBudget {
  used = 0;
  constructor(readonly limit: number) {}

  tooLarge(): AppError {
    return new AppError(
      'archive_too_large',
      `The workbook expands to more than the limit of ${Math.round(this.limit / 2 ** 20)} MiB.`,
    );
  }
}

/**
 * The inflated content of one entry, counted against `budget` (and, when given, against a limit of
 * its own, with its own refusal). Entries other than stored or deflated are refused.
 */
export async function openEntry(
  path: string,
  entry: ZipEntry,
  budget: InflateBudget,
  own?: { limit: number; refusal: () => AppError },
): Promise<Readable> {
  if (entry.method !== 0 && entry.method !== 8) {
    throw broken(`compresses ${entry.name} with method ${entry.method}, which Excel never uses`);
  }
  const handle = await open(path, 'r');
  const header = Buffer.alloc(30);
  try {
    await handle.read(header, 0, 30, entry.offset);
  } finally {
    await handle.close();
  }
  if (header.readUInt32LE(0) !== LOCAL) throw broken(`has a damaged entry (${entry.name})`);
  const start = entry.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  // An empty entry has no deflate stream at all.
  if (entry.compressed === 0) return Readable.from([]);
  const raw = createReadStream(path, { start, end: start + entry.compressed - 1 });
  let mine = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      budget.used += chunk.length;
      mine += chunk.length;
      if (budget.used > budget.limit) return done(budget.tooLarge());
      if (own && mine > own.limit) return done(own.refusal());
      done(null, chunk);
    },
  });
  const inflate = entry.method === 8 ? createInflateRaw({ chunkSize: 256 * 1024 }) : new PassThrough();
  // pipeline destroys every stage when one fails (a bad deflate stream, the budget spent): the
  // reader of `counter` then sees the error, and nothing is left half open.
  return pipeline(raw, inflate, counter, () => {});
}

/**
 * What an entry really inflates to, counted against `budget` without keeping anything: the zip-bomb
 * check of the parts a reader will read.
 */
export async function measureEntry(path: string, entry: ZipEntry, budget: InflateBudget): Promise<void> {
  for await (const _chunk of await openEntry(path, entry, budget)) {
    // counted by openEntry
  }
}
