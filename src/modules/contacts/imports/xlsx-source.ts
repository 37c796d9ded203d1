import type { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { SourceRow } from './csv-source';

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

/**
 * The rows of the first worksheet of an XLSX file, streamed with exceljs's WorkbookReader (never the whole
 * workbook in memory). `row` is the worksheet row number; empty rows are skipped.
 */
export async function* xlsxRows(stream: Readable): AsyncGenerator<SourceRow> {
  // Loaded on first use: the library takes ≈ 28 MB of memory that a server without workbook
  // imports never needs.
  const { default: excel } = await import('exceljs');
  const reader = new excel.stream.xlsx.WorkbookReader(stream, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'emit',
  });
  try {
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        // values is 1-based and sparse.
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
        while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
        if (cells.length === 0) continue;
        yield { row: row.number, cells };
      }
      break;
    }
  } finally {
    stream.destroy();
  }
}

/** The first `count` non-empty rows (header included) of the first worksheet, for previews. */
export async function xlsxHead(stream: Readable, count: number): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of xlsxRows(stream)) {
    out.push(row);
    if (out.length >= count) break;
  }
  return out;
}
