import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type ErrorCode, isAppError } from '../../../kernel/errors';
import { csvRows, type SourceRow } from './csv-source';
import { type ReadPlan, readBatches } from './row-batches';
import { inspectWorkbook, type XlsxLimits, xlsxRows } from './xlsx-source';

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

/** Batches read ahead of the writer at most: enough to keep both threads busy, few enough to bound memory. */
const READ_AHEAD = 2;

/**
 * The worker side: reads the file from disk itself (the server's thread is busy writing and would be
 * slow to hand it bytes), sends batches back as they fill, and waits while READ_AHEAD are unwritten.
 */
function serve(port: NonNullable<typeof parentPort>, start: ReaderStart): void {
  if (start.job === 'inspect-xlsx') {
    inspectWorkbook(start.path, start.limits, start.count).then(
      (rows) => port.postMessage({ t: 'rows', rows } satisfies FromReader),
      (error: unknown) =>
        port.postMessage({
          t: 'refused',
          code: isAppError(error) ? error.code : 'unsupported_import_file',
          message: isAppError(error)
            ? error.message
            : `The XLSX file could not be read: ${(error as Error).message}`,
        } satisfies FromReader),
    );
    return;
  }
  let unwritten = 0;
  let written: (() => void) | null = null;
  port.on('message', (_message: ToReader) => {
    unwritten--;
    written?.();
  });
  void (async () => {
    const rows =
      start.format === 'csv'
        ? csvRows(createReadStream(start.path), start.delimiter)
        : xlsxRows(start.path, start.limits);
    for await (const event of readBatches(rows, start.plan)) {
      port.postMessage({ t: 'event', json: JSON.stringify(event) } satisfies FromReader);
      if (event.type !== 'batch') break;
      unwritten++;
      while (unwritten >= READ_AHEAD) await new Promise<void>((resolve) => (written = resolve));
    }
    port.close();
  })();
}

if (parentPort) serve(parentPort, workerData as ReaderStart);
