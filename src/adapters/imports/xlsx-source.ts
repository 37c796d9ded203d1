/**
 * XLSX files of contact imports, read by their central directory and streamed with exceljs's reader,
 * every byte inflated counted against the import's limits (zip bombs, huge shared strings).
 */
import type { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { AppError } from '../../kernel/errors';
import type { SourceRow, XlsxLimits } from '../../modules/contacts';
import { InflateBudget, measureEntry, openEntry, type ZipEntry, zipDirectory } from './zip';

/** Longest cell text kept; longer text is cut (a cell is at most 32,767 characters in Excel anyway). */
const MAX_CELL = 32_767;

/** A date cell as the ISO date (custom `date` fields take YYYY-MM-DD); with a time only when it has one. */
function dateText(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** A cell value as text: numbers without exponent or grouping, dates as ISO, formulas by their result. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.length > MAX_CELL ? value.slice(0, MAX_CELL) : value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    // Phone numbers stored as numbers (37121234567) must not come out as 3.7121234567e10.
    return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(0) : String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : dateText(value);
  if (typeof value === 'object') {
    const v = value as {
      richText?: Array<{ text?: string }>;
      text?: unknown;
      result?: unknown;
      formula?: unknown;
      error?: unknown;
    };
    if (Array.isArray(v.richText)) return cellText(v.richText.map((p) => p.text ?? '').join(''));
    if ('result' in v || 'formula' in v) return cellText(v.result);
    if ('error' in v) return '';
    if ('text' in v) return cellText(v.text);
  }
  return '';
}

/** Entries larger than this must not compress better than {@link MAX_RATIO}: real workbooks never do. */
const RATIO_FLOOR_BYTES = 16 * 1024 * 1024;
const MAX_RATIO = 200;

/**
 * Refuses a ZIP that is not an Excel workbook, or one that declares it would expand beyond
 * `maxUncompressed` bytes in total or has an entry compressed implausibly well (a zip bomb). Declared
 * sizes can lie: this is only the first filter, and the reader counts what really inflates (zip.ts).
 */
export function checkWorkbookEntries(entries: readonly ZipEntry[], maxUncompressed: number): void {
  if (!entries.some((e) => e.name === 'xl/workbook.xml')) {
    throw new AppError(
      'unsupported_import_file',
      'The file is a ZIP archive but not an Excel workbook (no xl/workbook.xml): upload an .xlsx or CSV file.',
    );
  }
  let total = 0;
  for (const e of entries) {
    total += e.uncompressed;
    if (e.uncompressed > RATIO_FLOOR_BYTES && e.uncompressed > MAX_RATIO * Math.max(1, e.compressed)) {
      throw new AppError(
        'archive_too_large',
        `The workbook entry ${e.name} would expand ${Math.round(e.uncompressed / Math.max(1, e.compressed))}-fold: refused as a possible zip bomb.`,
      );
    }
  }
  if (total > maxUncompressed) {
    throw new AppError(
      'archive_too_large',
      `The workbook would expand to ${Math.round(total / 2 ** 20)} MiB, more than the limit of ${Math.round(maxUncompressed / 2 ** 20)} MiB.`,
    );
  }
}

/** Workbook parts besides sheets and shared strings (relations, workbook, styles) are small in real files. */
const MAX_PART_BYTES = 16 * 1024 * 1024;

const SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;

/** The parts of exceljs's streaming reader used here (its own entry loop is replaced, see xlsxRows). */
interface WorkbookReaderParts {
  sharedStrings?: unknown[];
  model?: { sheets?: Array<{ rId?: string }> };
  workbookRels?: Array<{ Id?: string; Target?: string }>;
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(
    iterator: AsyncIterable<unknown>,
    sheetNo: string,
  ): Iterable<{ eventType: string; value: AsyncIterable<ExcelJS.Row> }>;
}

function tooManyStrings(limits: XlsxLimits): AppError {
  return new AppError(
    'archive_too_large',
    `The workbook has more shared text than an import may hold (${limits.maxSharedStrings.toLocaleString('en')} strings or ${Math.round(limits.maxSharedStringBytes / 2 ** 20)} MiB): save it as CSV and upload that.`,
  );
}

/** The first worksheet in the workbook's own order (its rels), else the first in the archive. */
function firstSheet(reader: WorkbookReaderParts, entries: readonly ZipEntry[]): ZipEntry | undefined {
  const rId = reader.model?.sheets?.[0]?.rId;
  const target = reader.workbookRels?.find((rel) => rel.Id === rId)?.Target;
  if (target) {
    const name = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
    const found = entries.find((e) => e.name === name && SHEET.test(e.name));
    if (found) return found;
  }
  return entries.find((e) => SHEET.test(e.name));
}

/** A workbook with everything but its sheet read: what is left is to stream the sheet's rows. */
interface OpenWorkbook {
  path: string;
  reader: WorkbookReaderParts;
  budget: InflateBudget;
  sheet: ZipEntry | undefined;
}

/**
 * Reads a workbook's relations, workbook part, styles and shared strings, whatever order the file
 * stores them in (the archive is read by its central directory, not front to back). A sheet stored
 * before its shared strings, as exceljs itself writes workbooks, thus never needs a temp file, and
 * parts an import does not use are never inflated. Every byte inflated is counted against `limits`
 * (declared sizes are not trusted), and the shared strings, held in memory, are capped by count and
 * size: past any limit the read stops with `archive_too_large`. With `measureFirst` (the check before
 * a workbook is accepted) the declared sizes are checked and the parts to read inflated and counted
 * before any of them is parsed.
 */
async function openWorkbook(path: string, limits: XlsxLimits, measureFirst = false): Promise<OpenWorkbook> {
  const { entries } = await zipDirectory(path);
  if (measureFirst) checkWorkbookEntries(entries, limits.maxInflatedBytes);
  const budget = new InflateBudget(limits.maxInflatedBytes);
  // Loaded on first use: the library takes ≈ 28 MB of memory that a server without workbook
  // imports never needs.
  const { default: excel } = await import('exceljs');
  const reader = new excel.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'ignore',
  }) as unknown as WorkbookReaderParts;
  const entry = (name: string) => entries.find((e) => e.name === name);
  const part = (e: ZipEntry) =>
    openEntry(path, e, budget, {
      limit: MAX_PART_BYTES,
      refusal: () => new AppError('archive_too_large', `The workbook part ${e.name} is implausibly large.`),
    });

  const rels = entry('xl/_rels/workbook.xml.rels');
  if (rels) await reader._parseRels(await part(rels));
  const book = entry('xl/workbook.xml');
  if (book) await reader._parseWorkbook(await part(book));
  const sheet = firstSheet(reader, entries);
  const styles = entry('xl/styles.xml');
  const strings = entry('xl/sharedStrings.xml');
  if (measureFirst) {
    // Inflating without parsing is quick (zlib, off this thread's JavaScript): a bomb is found in a
    // fraction of the time parsing its XML up to the limit would take.
    const budgetLeft = new InflateBudget(limits.maxInflatedBytes);
    budgetLeft.used = budget.used;
    for (const e of [styles, strings, sheet]) if (e) await measureEntry(path, e, budgetLeft);
  }
  if (styles) await reader._parseStyles(await part(styles));
  if (strings) {
    const stream = await openEntry(path, strings, budget, {
      limit: limits.maxSharedStringBytes,
      refusal: () => tooManyStrings(limits),
    });
    // The count is checked as the text arrives: a chunk's worth of strings at most past the cap.
    stream.on('data', () => {
      if ((reader.sharedStrings?.length ?? 0) > limits.maxSharedStrings)
        stream.destroy(tooManyStrings(limits));
    });
    for await (const _ of reader._parseSharedStrings(stream)) {
      // Cached by the reader (sharedStrings: 'cache'); nothing is emitted.
    }
  }
  return { path, reader, budget, sheet };
}

async function* sheetRows(book: OpenWorkbook): AsyncGenerator<SourceRow> {
  if (!book.sheet) return;
  const stream = await openEntry(book.path, book.sheet, book.budget);
  try {
    const sheetNo = SHEET.exec(book.sheet.name)![1]!;
    for (const { value: sheet } of book.reader._parseWorksheet(stream, sheetNo)) {
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        // values is 1-based and sparse.
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
        while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
        if (cells.length === 0) continue;
        yield { row: row.number, cells };
      }
    }
  } finally {
    stream.destroy();
  }
}

/**
 * The rows of the first worksheet of the XLSX file at `path`, streamed (never the whole workbook in
 * memory), within `limits` (see openWorkbook). `row` is the worksheet row number; empty rows are skipped.
 */
export async function* xlsxRows(path: string, limits: XlsxLimits): AsyncGenerator<SourceRow> {
  yield* sheetRows(await openWorkbook(path, limits));
}

/**
 * What an import needs to know before accepting a workbook: its first `count` non-empty rows (header
 * included), after the zip-bomb checks: the declared sizes (a first filter), then every part an import
 * reads inflated for real and counted, stopping at the limit, the whole sheet included.
 */
export async function inspectWorkbook(path: string, limits: XlsxLimits, count: number): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of sheetRows(await openWorkbook(path, limits, true))) {
    out.push(row);
    if (out.length >= count) break;
  }
  return out;
}
