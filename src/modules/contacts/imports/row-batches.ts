import { AppError, isAppError } from '../../../kernel/errors';
import type { FieldType } from '../fields';
import type { SourceRow } from './csv-source';
import type { ImportMapping } from './mapping';
import { PhoneRows } from './phone-rows';
import { compileMapping, type ImportRowError, type ValidRow, validateRow } from './validate';

/** Problems recorded per row at most (a row with 500 bad cells needs no 500 lines of report). */
const MAX_ERRORS_PER_ROW = 10;
/** Rows read between turns of the event loop (≈ 25 ms of work), so an import does not stall the API. */
const YIELD_EVERY = 1000;

/** Rows checked and ready to be written in one transaction; `records` counts every data row read. */
export interface RowBatch {
  rows: ValidRow[];
  errors: ImportRowError[];
  records: number;
  failed: number;
}

/**
 * What reading an import file yields, in order: batches, then exactly one ending. `too_many` and
 * `failed` end the file early; the batches before them are still to be written.
 */
export type BatchEvent =
  | { type: 'batch'; batch: RowBatch }
  | { type: 'end'; total: number }
  | { type: 'too_many'; lastRow: number }
  | { type: 'failed'; message: string };

/** Everything checking needs besides the rows: plain data, so that it can cross to a worker thread. */
export interface ReadPlan {
  mapping: ImportMapping;
  definitions: Array<[string, FieldType]>;
  defaultCountry: string | null;
  /** Data rows already written by an earlier run: read again (for the duplicate check), not yielded. */
  checkpoint: number;
  maxRows: number;
  batchSize: number;
  /** Data rows the file is expected to have (its line count), to size the duplicate table once. */
  expectedRows: number | null;
}

/** Headers as used in mappings: trimmed; blanks named by position; repeats numbered. */
export function headerNames(cells: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  cells.forEach((cell, i) => {
    let name = cell.replace(/^\uFEFF/, '').trim() || `Column ${i + 1}`;
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    if (n > 0) name = `${name} (${n + 1})`;
    out.push(name);
  });
  return out;
}

const emptyBatch = (): RowBatch => ({ rows: [], errors: [], records: 0, failed: 0 });

const emailKey = (row: ValidRow) => (row.email === null ? '' : row.email.toLowerCase());

/**
 * The batch's rows ordered by e-mail address. E-mail addresses are the one indexed column whose order
 * has nothing to do with the file's: inserted in file order, every row lands on another page of that
 * index; in e-mail order, neighbours share pages and the batch writes ≈ 10 % faster. Rows are
 * independent of each other, so their order within a batch changes nothing else.
 */
function inIndexOrder(batch: RowBatch): RowBatch {
  const keyed = batch.rows.map((row) => ({ key: emailKey(row), row }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  batch.rows = keyed.map((k) => k.row);
  return batch;
}

/**
 * Turns the rows of an import file, read from the start, into batches of checked rows and per-row
 * errors: every cell validated, numbers normalised, a number seen on an earlier row reported as a
 * duplicate of it. Pure computation, no database: for big CSV files it runs on a worker thread
 * (reader-program.ts) while the caller writes the previous batch.
 */
export async function* readBatches(
  rows: AsyncIterable<SourceRow>,
  plan: ReadPlan,
): AsyncGenerator<BatchEvent> {
  const definitions = new Map(plan.definitions);
  /** Phone number (as a number) → the row it was first seen on. */
  const seen = new PhoneRows(Math.min(plan.expectedRows ?? 0, plan.maxRows) || undefined);
  let compiled: ReturnType<typeof compileMapping> | null = null;
  let records = 0;
  let batch = emptyBatch();
  try {
    for await (const item of rows) {
      if (!compiled) {
        if ('error' in item)
          throw new AppError('unsupported_import_file', `The header row is unreadable: ${item.error}`);
        compiled = compileMapping(headerNames(item.cells), plan.mapping, definitions);
        continue;
      }
      records++;
      // Parsing and checking buffered rows never leaves the microtask queue: on the server's own thread,
      // let requests in now and then.
      if (records % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (records > plan.maxRows) {
        if (batch.records > 0) yield { type: 'batch', batch: inIndexOrder(batch) };
        yield { type: 'too_many', lastRow: item.row - 1 };
        return;
      }
      const replay = records <= plan.checkpoint;
      const result =
        'error' in item
          ? [{ row: item.row, column: null, message: item.error }]
          : validateRow(item.row, item.cells, compiled, plan.defaultCountry);
      if (!Array.isArray(result)) {
        const first = seen.get(result.phoneKey);
        if (first !== undefined) {
          if (!replay) {
            batch.errors.push({
              row: item.row,
              column: compiled.headers[compiled.phone] ?? null,
              message: `duplicate of row ${first} (same phone number ${result.phone})`,
              cells: 'cells' in item ? item.cells : undefined,
            });
            batch.failed++;
            batch.records++;
          }
        } else {
          seen.set(result.phoneKey, item.row);
          if (!replay) {
            batch.rows.push(result);
            if (result.warnings) batch.errors.push(...result.warnings);
            batch.records++;
          }
        }
      } else if (!replay) {
        const problems = result.slice(0, MAX_ERRORS_PER_ROW);
        // The error report gives the refused row back as it was read, for fixing and importing again.
        if ('cells' in item) problems[0] = { ...problems[0]!, cells: item.cells };
        batch.errors.push(...problems);
        batch.failed++;
        batch.records++;
      }
      if (batch.records >= plan.batchSize) {
        yield { type: 'batch', batch: inIndexOrder(batch) };
        batch = emptyBatch();
      }
    }
  } catch (error) {
    // The file broke off (a runaway row, a damaged sheet): the rows read before it are still written.
    if (batch.records > 0) yield { type: 'batch', batch: inIndexOrder(batch) };
    const message = isAppError(error)
      ? error.message
      : `The file could not be read: ${(error as Error).message}`;
    yield { type: 'failed', message };
    return;
  }
  if (batch.records > 0) yield { type: 'batch', batch: inIndexOrder(batch) };
  yield { type: 'end', total: records };
}
