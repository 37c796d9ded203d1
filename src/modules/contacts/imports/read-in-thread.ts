import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { csvRows } from './csv-source';
import type { FromReader, ReaderStart, ToReader } from './reader-thread';
import { type BatchEvent, type ReadPlan, readBatches } from './row-batches';

/**
 * The reader's heap. It usually holds a few megabytes (a few batches; the duplicate table is typed
 * arrays, outside the heap), but batches of long text fields may need up to ≈ 100 MB; a file needing
 * more fails its import instead of growing the process. The young generation is half the default:
 * with 4 MB the reader fell behind the writer more often (1M rows: 20.1 and 22.0 s against 18.4 and
 * 17.7 s with 8 MB in the same sitting); 16 MB cost ≈ 10 MB more resident memory.
 */
const READER_LIMITS = { maxOldGenerationSizeMb: 160, maxYoungGenerationSizeMb: 8 };

let code: Promise<string> | null = null;

/**
 * The reader thread's code: its modules bundled into one script on first use. The server runs its
 * TypeScript through a loader that a worker thread would have to start again for itself (≈ 30 MB of
 * memory per thread); the bundle needs none, and parses in a few milliseconds.
 */
function readerCode(): Promise<string> {
  code ??= import('esbuild')
    .then(({ build }) =>
      build({
        entryPoints: [fileURLToPath(new URL('./reader-thread.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      }),
    )
    .then((result) => result.outputFiles[0]!.text);
  code.catch(() => {
    code = null;
  });
  return code;
}

/**
 * Reading a CSV import on a worker thread: parsing, cell checks and number normalisation (most of an
 * import's CPU time besides the database) run on another core while this thread writes the batch
 * before. Yields what `readBatches` yields, in the same order; stopping early ends the thread.
 */
export async function* readCsvBatchesInThread(
  path: string,
  delimiter: string,
  plan: ReadPlan,
): AsyncGenerator<BatchEvent> {
  const start: ReaderStart = { path, delimiter, plan };
  let script: string;
  try {
    script = await readerCode();
  } catch {
    // No bundler at hand (esbuild's binary missing, an install without scripts): read on this thread.
    return yield* readBatches(csvRows(createReadStream(path), delimiter), plan);
  }
  const worker = new Worker(script, {
    eval: true,
    workerData: start,
    execArgv: [],
    resourceLimits: READER_LIMITS,
  });
  const events: string[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const send = (message: ToReader) => worker.postMessage(message);

  worker.on('message', (message: FromReader) => {
    events.push(message.json);
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });

  try {
    for (;;) {
      const json = events.shift();
      if (json) {
        const event = JSON.parse(json) as BatchEvent;
        yield event;
        if (event.type !== 'batch') return;
        // The batch is written: the reader may read one further.
        send({ t: 'ack' });
        continue;
      }
      if (failure) {
        const reason =
          (failure as Error & { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? 'the rows need more memory than an import may use'
            : (failure as Error).message;
        yield { type: 'failed', message: `The file could not be read: ${reason}` };
        return;
      }
      if (exited) {
        yield { type: 'failed', message: 'The file could not be read: the reader stopped.' };
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    await worker.terminate();
  }
}
