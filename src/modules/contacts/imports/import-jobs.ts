/**
 * Contact imports: a CSV or XLSX file is stored through the FileStore, checked (content, encoding,
 * zip bomb, mapping) when the import is created, then read in the background, streamed, in batches of
 * rows that are validated and written in one transaction each. `processed` is the checkpoint: a worker
 * that dies mid-import leaves a lease that expires, and the next run continues after the last batch.
 * This file composes the parts: upload, worker (with the batch writer), queries and sweep.
 */
import { type ImportsDeps, importsContext } from './import-context';
import { createImportQueries } from './queries';
import { createImportSweep } from './sweep';
import { createUpload } from './upload';
import { createImportWorker } from './worker';
import { createBatchWriter } from './write-batch';

export function createImports(deps: ImportsDeps) {
  const ctx = importsContext(deps);
  const upload = createUpload(ctx);
  const worker = createImportWorker(ctx, createBatchWriter(ctx));
  const queries = createImportQueries(ctx, worker);
  const sweep = createImportSweep(ctx);
  return {
    /**
     * Streams an upload into the FileStore under a new import id (nothing is buffered whole). The caller
     * turns it into an import with {@link create} or drops it with {@link discard}.
     */
    receive: upload.receive,
    discard: upload.discard,
    previewStored: upload.previewStored,
    create: upload.create,
    get: queries.get,
    list: queries.list,
    cancel: queries.cancel,
    reportCsv: queries.reportCsv,
    runDue: worker.runDue,
    sweepOriginals: sweep.sweepOriginals,
  };
}

export type Imports = ReturnType<typeof createImports>;
