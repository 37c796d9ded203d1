/**
 * CSV cells are opened by spreadsheets, which run a cell starting with `=`, `+`, `-` or `@` (and, in some,
 * after a leading tab or carriage return) as a formula: a contact named `=HYPERLINK(…)` would run in the
 * client's spreadsheet ("CSV injection"). Such cells get a leading `'`, the OWASP-recommended fix, which
 * spreadsheets show as text.
 *
 * Phone numbers in E.164 start with `+`, so they are neutralised too and come out as `'+37121234567`:
 * otherwise a spreadsheet reads them as a number (dropping the `+`) or as a formula. Programs reading the
 * export should strip one leading `'` from a cell whose next character is one of those above; the JSON
 * export carries the values unchanged.
 */
const DANGEROUS_FIRST = new Set(['=', '+', '-', '@', '\t', '\r']);

/** The cell with a leading `'` when a spreadsheet would read it as a formula. */
export function neutralizeCsvCell(value: string): string {
  return value.length > 0 && DANGEROUS_FIRST.has(value[0]!) ? `'${value}` : value;
}

/**
 * The cell as it was before {@link neutralizeCsvCell}: one leading `'` dropped when one of the guarded
 * characters follows it, so that an import reads back what an export wrote. Any other `'` is kept.
 */
export function unguardCsvCell(value: string): string {
  return value.length > 1 && value.charCodeAt(0) === 39 && DANGEROUS_FIRST.has(value[1]!)
    ? value.slice(1)
    : value;
}

/** One cell, neutralised, then quoted when it holds a delimiter, a quote or a line break (RFC 4180). */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = neutralizeCsvCell(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record with its CRLF line ending. */
export function csvRow(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
