import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { AppError } from '../../../kernel/errors';

/** What an upload is, judged by its bytes (never by its name or Content-Type). */
export type FileKind = 'csv' | 'xlsx';

const ZIP_LOCAL = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const ZIP_EMPTY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** Well-known binary formats, so the refusal can say what the file is. */
const MAGIC: Array<[bytes: number[], what: string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Excel (.xls) or other Office 97 file: save it as .xlsx or CSV UTF-8'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable (ELF)'],
  [[0x4d, 0x5a], 'a Windows executable'],
];

const startsWith = (head: Buffer, bytes: ArrayLike<number>) =>
  head.length >= bytes.length && Array.prototype.every.call(bytes, (b: number, i: number) => head[i] === b);

/**
 * The kind of a file from its first bytes (at least 4 KiB when the file is that long): a ZIP container
 * (checked to be a workbook later, from its central directory) or UTF-8 text. Anything else is refused
 * with `unsupported_import_file` or, for text in another encoding, `invalid_file_encoding`.
 */
export function sniffHead(head: Buffer): FileKind {
  if (head.length === 0) throw new AppError('unsupported_import_file', 'The file is empty.');
  if (startsWith(head, ZIP_LOCAL) || startsWith(head, ZIP_EMPTY)) return 'xlsx';
  for (const [bytes, what] of MAGIC) {
    if (startsWith(head, bytes)) {
      throw new AppError('unsupported_import_file', `The file is ${what}, not a CSV or XLSX file.`);
    }
  }
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    throw new AppError(
      'invalid_file_encoding',
      'The file is UTF-16 text; save it as "CSV UTF-8" (comma- or semicolon-separated) and upload again.',
    );
  }
  const nul = head.indexOf(0);
  if (nul !== -1) {
    // Every other byte zero: UTF-16 without a byte-order mark.
    let zeros = 0;
    for (let i = 0; i < Math.min(head.length, 200); i++) if (head[i] === 0) zeros++;
    if (zeros >= Math.min(head.length, 200) / 3) {
      throw new AppError(
        'invalid_file_encoding',
        'The file looks like UTF-16 text; save it as "CSV UTF-8" and upload again.',
      );
    }
    throw new AppError(
      'unsupported_import_file',
      `The file holds binary data (a NUL byte at offset ${nul}), not CSV text or an XLSX workbook.`,
    );
  }
  const invalid = firstInvalidUtf8(head, true);
  if (invalid !== -1) throw encodingError(invalid);
  return 'csv';
}

export function encodingError(offset: number): AppError {
  return new AppError(
    'invalid_file_encoding',
    `The file is not valid UTF-8 (first bad byte at offset ${offset}; Latin-1 or Windows-1252?). Save it as "CSV UTF-8" and upload again.`,
  );
}

/**
 * Offset of the first byte that is not valid UTF-8, or -1. With `partialEnd`, a multi-byte sequence cut
 * off at the end of the buffer is accepted (the rest is in the next chunk).
 */
export function firstInvalidUtf8(buffer: Buffer, partialEnd: boolean): number {
  const end = partialEnd ? completeLength(buffer) : buffer.length;
  if (isUtf8(buffer.subarray(0, end))) return -1;
  // Rare path: find where it breaks, for the message.
  let lo = 0;
  let hi = end;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (isUtf8(buffer.subarray(0, completeLength(buffer.subarray(0, mid))))) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Length of the buffer without a trailing, incomplete multi-byte UTF-8 sequence. */
function completeLength(buffer: Buffer): number {
  const n = buffer.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buffer[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

export interface CsvScan {
  /** Line breaks in the file (CR LF, LF or CR), plus one when the last line has none: an upper bound of rows. */
  lines: number;
  bytes: number;
}

/**
 * One streaming pass over a CSV file: counts its lines (for progress) and checks that all of it is UTF-8
 * without NUL bytes, so a file broken at row 900,000 is refused before anything is imported.
 */
export async function scanCsv(stream: Readable): Promise<CsvScan> {
  let lf = 0;
  let cr = 0;
  let bytes = 0;
  let carry: Buffer = Buffer.alloc(0);
  let lastByte = -1;
  for await (const piece of stream) {
    const chunk = piece as Buffer;
    const nul = chunk.indexOf(0);
    if (nul !== -1) {
      throw new AppError(
        'unsupported_import_file',
        `The file holds binary data (a NUL byte at offset ${bytes + nul}), not CSV text.`,
      );
    }
    const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const usable = completeLength(joined);
    if (!isUtf8(joined.subarray(0, usable))) {
      throw encodingError(bytes - carry.length + firstInvalidUtf8(joined.subarray(0, usable), false));
    }
    carry = Buffer.from(joined.subarray(usable));
    lf += countByte(chunk, 10);
    // Old Mac files end lines with CR alone.
    if (lf === 0) cr += countByte(chunk, 13);
    lastByte = chunk[chunk.length - 1] ?? lastByte;
    bytes += chunk.length;
  }
  if (carry.length > 0) throw encodingError(bytes - carry.length);
  let lines = lf > 0 ? lf : cr;
  if (bytes > 0 && lastByte !== 10 && lastByte !== 13) lines++;
  return { lines, bytes };
}

function countByte(chunk: Buffer, byte: number): number {
  let n = 0;
  let at = chunk.indexOf(byte);
  while (at !== -1) {
    n++;
    at = chunk.indexOf(byte, at + 1);
  }
  return n;
}

/** The first line of `text` (the header row), for delimiter detection. */
export function detectDelimiter(text: string): string {
  const candidates = [',', ';', '\t', '|'];
  let end = text.search(/\r|\n/);
  if (end === -1) end = text.length;
  const counts = new Map(candidates.map((c) => [c, 0]));
  let quoted = false;
  for (let i = 0; i < end; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  let most = 0;
  for (const [c, n] of counts) {
    if (n > most) {
      best = c;
      most = n;
    }
  }
  return best;
}
