import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../../../kernel/errors';

/** One record of an import file: its line number (1 = the header) and its cells, or why it is unreadable. */
export type SourceRow = { row: number; cells: string[] } | { row: number; error: string };

/** Longest record accepted: a longer one means the file is not a contact list (or a quote runs away). */
export const MAX_RECORD_BYTES = 1024 * 1024;

const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Passes a CSV file on line by line and ends it before the first line longer than MAX_RECORD_BYTES.
 * The parser bounds a record's text but not its cells: a line of a million commas would otherwise be
 * a million cells in memory. Holds back at most one unfinished line.
 */
class LineGuard extends Transform {
  /** The file had a line too long: what came before it was passed on, nothing after. */
  overlong = false;
  private held: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.overlong) {
      done();
      return;
    }
    const data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const lf = data.indexOf(10, start);
      const cr = data.indexOf(13, start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if ((end === -1 ? data.length : end) - start > MAX_RECORD_BYTES) {
        this.overlong = true;
        this.held = Buffer.alloc(0);
        if (start > 0) this.push(data.subarray(0, start));
        done();
        return;
      }
      if (end === -1) break;
      start = end + 1;
    }
    this.held = Buffer.from(data.subarray(start));
    if (start > 0) this.push(data.subarray(0, start));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (!this.overlong && this.held.length > 0) this.push(this.held);
    done();
  }
}

/**
 * The records of a CSV file, streamed: quoted fields may hold delimiters, quotes and line breaks; the
 * byte-order mark is dropped; rows may have more or fewer cells than the header (the caller reports
 * extra cells). Empty lines are skipped. `row` is the line the record starts on, as an editor shows it.
 */
export async function* csvRows(stream: Readable, delimiter: string): AsyncGenerator<SourceRow> {
  const late: Array<{ code: string; message: string }> = [];
  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD_BYTES,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error) late.push({ code: error.code, message: error.message });
    },
  });
  const guard = new LineGuard();
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(guard).pipe(parser);
  // Every record ends with one line break; more lines are breaks inside quoted cells. Counting those is
  // cheaper than asking the parser for each record's raw text and position.
  let line = 1;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      const start = line;
      line++;
      for (const cell of cells) {
        if (cell.length > 0 && (cell.includes('\n') || cell.includes('\r'))) {
          line += cell.match(LINE_BREAK)?.length ?? 0;
        }
      }
      if (cells.length === 1 && cells[0] === '') continue;
      yield { row: start, cells };
    }
  } finally {
    guard.unpipe(parser);
    stream.unpipe(guard);
    stream.destroy();
  }
  const tooLong = () =>
    new AppError(
      'validation_failed',
      `Line ${line}: a row is longer than ${MAX_RECORD_BYTES / 1024} KiB (a quote that is never closed?); the file was read up to there.`,
    );
  for (const problem of late) {
    if (problem.code === 'CSV_MAX_RECORD_SIZE') throw tooLong();
    // A quote opened and never closed swallows the rest of the file: one error for that record.
    yield { row: line, error: problem.message.replace(/ at line \d+$/, '') };
  }
  if (guard.overlong) throw tooLong();
}

/** The first `count` records (header included) of a CSV file, for previews. */
export async function csvHead(stream: Readable, delimiter: string, count: number): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of csvRows(stream, delimiter)) {
    out.push(row);
    if (out.length >= count) break;
  }
  return out;
}
