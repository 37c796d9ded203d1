import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../kernel/errors';
import {
  type BatchEvent,
  type FromReader,
  READER_PROGRAM,
  type ReaderStart,
  readerEvents,
  type SourceRow,
  type ToReader,
  type XlsxLimits,
} from '../../modules/contacts';
import { readerSources } from './sources';
import { inspectWorkbook } from './xlsx-source';

/**
 * The reader's heap. It usually holds a few megabytes (a few batches; the duplicate table is typed
 * arrays, outside the heap), but batches of long text fields, or a workbook's shared strings (capped
 * in ImportSettings to fit), may need up to ≈ 100 MB; a file needing more fails its import (or answers
 * `archive_too_large`) instead of growing the process. The young generation is half the default:
 * with 4 MB the reader fell behind the writer more often (1M rows: 20.1 and 22.0 s against 18.4 and
 * 17.7 s with 8 MB in the same sitting); 16 MB cost ≈ 10 MB more resident memory.
 */
const READER_LIMITS = { maxOldGenerationSizeMb: 160, maxYoungGenerationSizeMb: 8 };

/**
 * Reader threads at once in this process. Each may grow to READER_LIMITS, so this bounds what imports can
 * take from the machine together (2 × ≈ 170 MB beside the server's own heap), however many workbooks a
 * tenant uploads at the same moment; more reads wait their turn.
 */
const MAX_READER_THREADS = 2;
/** Previews waiting beyond this are refused (`rate_limited`) rather than queued without end. */
const MAX_WAITING_PREVIEWS = 32;

let running = 0;
let maxRunning = 0;
const waiting: Array<() => void> = [];
let waitingPreviews = 0;

/** Takes a reader slot, waiting for one when all are busy; resolves to its release. */
async function readerSlot(): Promise<() => void> {
  if (running >= MAX_READER_THREADS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  maxRunning = Math.max(maxRunning, running);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = waiting.shift();
    // The slot passes straight to the next waiter, so `running` stays counted for it.
    if (next) next();
    else running--;
  };
}

/** Reader threads running now and the most seen at once since `reset` (for tests). */
export function readerThreadStats(reset = false): { running: number; maxRunning: number } {
  const stats = { running, maxRunning };
  if (reset) maxRunning = running;
  return stats;
}

let code: Promise<string> | null = null;

/**
 * The reader thread's code: the contacts module's reader program and this folder's side of the thread
 * (reader-thread.ts) bundled into one script on first use. The server runs its TypeScript through a
 * loader that a worker thread would have to start again for itself (≈ 30 MB of memory per thread); the
 * bundle needs none, and parses in a few milliseconds.
 */
function readerCode(): Promise<string> {
  code ??= import('esbuild')
    .then(({ build }) =>
      build({
        stdin: {
          contents: [
            `import { serveReader } from ${JSON.stringify(fileURLToPath(READER_PROGRAM))};`,
            "import { startReaderThread } from './reader-thread';",
            'startReaderThread(serveReader);',
          ].join('\n'),
          resolveDir: fileURLToPath(new URL('.', import.meta.url)),
          sourcefile: 'reader-entry.ts',
          loader: 'ts',
        },
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
 * Folders of readers are named after the process: a test (or an operator) can tell its own leftovers
 * from another process's, and there should never be any once a read is over.
 */
const TEMP_PREFIX = `smsgate-xlsx-${process.pid}-`;

/**
 * A private temp folder for one read of a workbook: the reader thread's `os.tmpdir()`, and where a
 * stored file without a local path is copied to. The caller removes it (with everything in it) in
 * `finally`, whether the read ended, broke off or the thread died.
 */
export async function readerFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), TEMP_PREFIX));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Why a reader thread failed, in the words of an import's error. */
function threadFailure(failure: Error): string {
  return (failure as Error & { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
    ? 'the file needs more memory than an import may use'
    : failure.message;
}

/** A reader thread and its messages, taken one at a time. */
class ReaderThread {
  private readonly worker: Worker;
  private readonly messages: FromReader[] = [];
  private failure: Error | null = null;
  private exited = false;
  private wake: (() => void) | null = null;

  constructor(script: string, start: ReaderStart, tempDir: string | null) {
    this.worker = new Worker(script, {
      eval: true,
      workerData: start,
      execArgv: [],
      resourceLimits: READER_LIMITS,
      // Anything the reader's libraries spool goes to the private folder, removed after the read.
      ...(tempDir ? { env: { TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir } } : {}),
    });
    const notify = () => {
      this.wake?.();
      this.wake = null;
    };
    this.worker.on('message', (message: FromReader) => {
      this.messages.push(message);
      notify();
    });
    this.worker.on('error', (error) => {
      this.failure = error;
      notify();
    });
    this.worker.on('exit', () => {
      this.exited = true;
      notify();
    });
  }

  /** The next message; an Error when the thread failed or stopped without one. */
  async next(): Promise<FromReader | Error> {
    for (;;) {
      const message = this.messages.shift();
      if (message) return message;
      if (this.failure) return this.failure;
      if (this.exited) return new Error('the reader stopped');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  ack(): void {
    this.worker.postMessage({ t: 'ack' } satisfies ToReader);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Reading an import on a worker thread with a heap of its own: parsing, cell checks and number
 * normalisation (most of an import's CPU time besides the database) run on another core while this
 * thread writes the batch before, and a file that needs more memory than READER_LIMITS fails its
 * import instead of the server. Yields what `readBatches` yields, in the same order; stopping early
 * ends the thread. `tempDir`: the read's private folder (workbooks).
 */
export async function* readBatchesInThread(
  start: Extract<ReaderStart, { job: 'batches' }>,
  tempDir: string | null = null,
): AsyncGenerator<BatchEvent> {
  let script: string;
  try {
    script = await readerCode();
  } catch {
    // No bundler at hand (esbuild's binary missing, an install without scripts): read on this thread,
    // where the workbook limits still bound what is inflated and kept.
    return yield* readerEvents(start, readerSources);
  }
  const release = await readerSlot();
  let thread: ReaderThread;
  try {
    thread = new ReaderThread(script, start, tempDir);
  } catch (error) {
    release();
    throw error;
  }
  try {
    for (;;) {
      const message = await thread.next();
      if (message instanceof Error) {
        yield { type: 'failed', message: `The file could not be read: ${threadFailure(message)}.` };
        return;
      }
      if (message.t !== 'event') continue;
      const event = JSON.parse(message.json) as BatchEvent;
      yield event;
      if (event.type !== 'batch') return;
      // The batch is written: the reader may read one further.
      thread.ack();
    }
  } finally {
    await thread.stop();
    release();
  }
}

/**
 * The first `count` rows of a workbook after its zip-bomb checks (inspectWorkbook), worked out on a
 * reader thread: a workbook built to exhaust memory only exhausts the thread's, and answers
 * `archive_too_large` like any other workbook past the limits.
 */
export async function inspectWorkbookInThread(
  path: string,
  limits: XlsxLimits,
  count: number,
  tempDir: string,
): Promise<SourceRow[]> {
  let script: string;
  try {
    script = await readerCode();
  } catch {
    return inspectWorkbook(path, limits, count);
  }
  if (running >= MAX_READER_THREADS && waitingPreviews >= MAX_WAITING_PREVIEWS) {
    throw new AppError(
      'rate_limited',
      'Too many workbooks are being read right now: try again in a few seconds.',
    );
  }
  waitingPreviews++;
  let release: () => void;
  try {
    release = await readerSlot();
  } finally {
    waitingPreviews--;
  }
  let thread: ReaderThread;
  try {
    thread = new ReaderThread(script, { job: 'inspect-xlsx', path, limits, count }, tempDir);
  } catch (error) {
    release();
    throw error;
  }
  try {
    const message = await thread.next();
    if (message instanceof Error) {
      if ((message as Error & { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new AppError(
          'archive_too_large',
          'The workbook needs more memory to read than an import may use: save it as CSV and upload that.',
        );
      }
      throw new AppError('unsupported_import_file', `The XLSX file could not be read: ${message.message}`);
    }
    if (message.t === 'refused') throw new AppError(message.code, message.message);
    if (message.t !== 'rows')
      throw new AppError('unsupported_import_file', 'The XLSX file could not be read.');
    return message.rows;
  } finally {
    await thread.stop();
    release();
  }
}
