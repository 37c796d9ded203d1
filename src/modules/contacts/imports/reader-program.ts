/**
 * What a reader thread runs: the rows of a file on this machine's disk turned into batches of checked
 * rows (readBatches), sent to the server's thread as they fill, never more than READ_AHEAD ahead of the
 * writer; or the first rows of a workbook after its zip-bomb checks. Plain computation over a message
 * channel and the file sources it is given: the thread itself (src/adapters/imports) bundles this file
 * with its own, so it must import nothing that a thread does not need.
 */
import type { Readable } from 'node:stream';
import { type ErrorCode, isAppError } from '../../../kernel/errors';
import { csvRows, type SourceRow } from './csv-source';
import type { XlsxLimits } from './ports';
import { type BatchEvent, type ReadPlan, readBatches } from './row-batches';

/** What the reader thread is started with: a file on this machine's disk and what to do with it. */
export type ReaderStart =
  | { job: 'batches'; format: 'csv'; path: string; delimiter: string; plan: ReadPlan }
  | { job: 'batches'; format: 'xlsx'; path: string; limits: XlsxLimits; plan: ReadPlan }
  | { job: 'inspect-xlsx'; path: string; limits: XlsxLimits; count: number };

/** Messages from the server's thread to the reader: a batch was written, the reader may read one further. */
export type ToReader = { t: 'ack' };

/**
 * Messages from the reader to the server's thread: an event as JSON text (a queued batch then costs
 * the server's heap one flat string instead of thousands of small objects, until it is written); an
 * inspection's rows; or why the file was refused.
 */
export type FromReader =
  | { t: 'event'; json: string }
  | { t: 'rows'; rows: SourceRow[] }
  | { t: 'refused'; code: ErrorCode; message: string };

/** The thread's side of its channel to the server's thread. */
export interface ReaderChannel {
  post(message: FromReader): void;
  onMessage(listener: (message: ToReader) => void): void;
  close(): void;
}

/** How a reader gets at the file on disk (src/adapters/imports). */
export interface ReaderSources {
  /** The bytes of the file at `path`. */
  open(path: string): Readable;
  /** The rows of the first worksheet of the workbook at `path`, streamed, within `limits`. */
  xlsxRows(path: string, limits: XlsxLimits): AsyncGenerator<SourceRow>;
  /** The first `count` rows of the workbook at `path`, after its zip-bomb checks. */
  inspectWorkbook(path: string, limits: XlsxLimits, count: number): Promise<SourceRow[]>;
}

/** Batches read ahead of the writer at most: enough to keep both threads busy, few enough to bound memory. */
const READ_AHEAD = 2;

/** The batches of the file as `readBatches` yields them (also what a server without reader threads runs). */
export function readerEvents(
  start: Extract<ReaderStart, { job: 'batches' }>,
  sources: ReaderSources,
): AsyncGenerator<BatchEvent> {
  const rows =
    start.format === 'csv'
      ? csvRows(sources.open(start.path), start.delimiter)
      : sources.xlsxRows(start.path, start.limits);
  return readBatches(rows, start.plan);
}

/**
 * The worker side: reads the file from disk itself (the server's thread is busy writing and would be
 * slow to hand it bytes), sends batches back as they fill, and waits while READ_AHEAD are unwritten.
 */
export function serveReader(port: ReaderChannel, start: ReaderStart, sources: ReaderSources): void {
  if (start.job === 'inspect-xlsx') {
    sources.inspectWorkbook(start.path, start.limits, start.count).then(
      (rows) => port.post({ t: 'rows', rows }),
      (error: unknown) =>
        port.post({
          t: 'refused',
          code: isAppError(error) ? error.code : 'unsupported_import_file',
          message: isAppError(error)
            ? error.message
            : `The XLSX file could not be read: ${(error as Error).message}`,
        }),
    );
    return;
  }
  let unwritten = 0;
  let written: (() => void) | null = null;
  port.onMessage((_message: ToReader) => {
    unwritten--;
    written?.();
  });
  void (async () => {
    for await (const event of readerEvents(start, sources)) {
      port.post({ t: 'event', json: JSON.stringify(event) });
      if (event.type !== 'batch') break;
      unwritten++;
      while (unwritten >= READ_AHEAD) await new Promise<void>((resolve) => (written = resolve));
    }
    port.close();
  })();
}
