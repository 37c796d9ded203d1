/**
 * What imports need from outside the module to read a stored file: the reading itself (files on disk,
 * workbooks) and the reader threads, each with a heap of its own, that run the row checks. Implemented in
 * src/adapters/imports, given by main.ts.
 */
import type { SourceRow } from './csv-source';
import type { BatchEvent, ReadPlan } from './row-batches';

/** What reading a workbook may cost: everything is counted as it is really inflated. */
export interface XlsxLimits {
  /** Bytes all the entries read may inflate to, together. */
  maxInflatedBytes: number;
  /** Shared strings a workbook may have (the reader keeps them all in memory). */
  maxSharedStrings: number;
  /** Bytes the shared strings part may inflate to. */
  maxSharedStringBytes: number;
}

/** How to read a stored import file in batches. */
export type BatchRead =
  | { format: 'csv'; delimiter: string; plan: ReadPlan }
  | { format: 'xlsx'; limits: XlsxLimits; plan: ReadPlan };

/** A read under way on a reader thread. */
export interface ThreadRead {
  /** What `readBatches` yields for the file, in the same order; stopping early ends the thread. */
  events: AsyncGenerator<BatchEvent>;
  /** Ends the read (and its thread) if it is still going, and removes what it kept on disk. */
  close(): Promise<void>;
}

/**
 * The file a reader thread runs (reader-program.ts), for the thread's bundler. Worked out here, not in
 * that file: it is bundled into the thread as CommonJS, where `import.meta.url` is empty.
 */
export const READER_PROGRAM = new URL('./reader-program.ts', import.meta.url).href;

export interface ImportFileReader {
  /**
   * The first `count` rows of the stored workbook `key` after its zip-bomb checks, worked out on a reader
   * thread: a workbook built to exhaust memory only exhausts the thread's, and answers `archive_too_large`
   * like any other workbook past `limits`. Null when the file is no longer stored.
   */
  inspectWorkbook(key: string, limits: XlsxLimits, count: number): Promise<SourceRow[] | null>;
  /**
   * Reads the stored file `key` from the start on a reader thread: parsing, cell checks and number
   * normalisation run on another core while the caller writes the batch before, and a file that needs
   * more memory than a reader may use fails its import instead of the server. Null when it cannot: a
   * workbook no longer stored, or a CSV file the store keeps on no local disk (the caller then reads it
   * on its own thread).
   */
  readBatches(key: string, read: BatchRead): Promise<ThreadRead | null>;
}
