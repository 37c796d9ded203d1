/**
 * The reader thread's own side: its channel to the server's thread, and the file sources, handed to the
 * contacts module's reader program (serveReader). read-in-thread.ts bundles this file with that program
 * into the thread's script; type imports only from the module, so the bundle holds nothing else of it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ReaderChannel, ReaderSources, ReaderStart } from '../../modules/contacts';
import { readerSources } from './sources';

/** The program's entry, `serveReader` of the contacts module's reader-program.ts. */
type ServeReader = (port: ReaderChannel, start: ReaderStart, sources: ReaderSources) => void;

export function startReaderThread(serveReader: ServeReader): void {
  const port = parentPort;
  if (!port) return;
  serveReader(
    {
      post: (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', listener),
      close: () => port.close(),
    },
    workerData as ReaderStart,
    readerSources,
  );
}
