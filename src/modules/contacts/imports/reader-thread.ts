import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { csvRows } from './csv-source';
import { type ReadPlan, readBatches } from './row-batches';

/** What the reader thread is started with. */
export interface ReaderStart {
  /** The stored file on this machine's disk. */
  path: string;
  delimiter: string;
  plan: ReadPlan;
}

/** Messages from the server's thread to the reader: a batch was written, the reader may read one further. */
export type ToReader = { t: 'ack' };

/**
 * Messages from the reader to the server's thread: an event as JSON text. A queued batch then costs the
 * server's heap one flat string instead of thousands of small objects, until the batch is written.
 */
export type FromReader = { t: 'event'; json: string };

/** Batches read ahead of the writer at most: enough to keep both threads busy, few enough to bound memory. */
const READ_AHEAD = 2;

/**
 * The worker side: reads the file from disk itself (the server's thread is busy writing and would be
 * slow to hand it bytes), sends batches back as they fill, and waits while READ_AHEAD are unwritten.
 */
function serve(port: NonNullable<typeof parentPort>, start: ReaderStart): void {
  let unwritten = 0;
  let written: (() => void) | null = null;
  port.on('message', (_message: ToReader) => {
    unwritten--;
    written?.();
  });
  void (async () => {
    const rows = csvRows(createReadStream(start.path), start.delimiter);
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
