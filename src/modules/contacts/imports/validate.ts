// The phone module itself, not messaging's index: this file runs on the import reader's thread, which
// should not load the whole messaging module (and the database layer behind it).
import { tryNormalizePhone } from '../../phone';
import { unguardCsvCell } from '../csv-safety';
import { type FieldType, type FieldValue, MAX_TEXT_FIELD } from '../fields';
import { customFieldOf, type ImportMapping } from './mapping';

/**
 * One problem of an import row; `row` is the line in the file (1 = the header). An error refuses the row;
 * a warning (`level: 'warning'`) says what was left out of a row that was imported.
 */
export interface ImportRowError {
  row: number;
  column: string | null;
  message: string;
  level?: 'warning' | undefined;
  /** The refused row's cells as read from the file; on the first error of the row only. */
  cells?: string[] | undefined;
}

/** A row that passed every check, ready to be written. */
export interface ValidRow {
  row: number;
  phone: string;
  /** The number as a number, a compact key for the in-file duplicate check. */
  phoneKey: number;
  country: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  address: string | null;
  tags: string[];
  /** Group names (the export's `groups` column); the writer resolves them to the account's groups. */
  groups: string[];
  fields: Record<string, FieldValue>;
  /** What was left out of the row (an invalid e-mail); null when nothing was. */
  warnings: ImportRowError[] | null;
}

/** Where each target is read from, resolved once per import against the header row. */
export interface CompiledMapping {
  headers: string[];
  phone: number;
  firstName: number;
  lastName: number;
  email: number;
  country: number;
  address: number;
  tags: number;
  groups: number;
  fields: Array<{ index: number; key: string; type: FieldType }>;
}

const MAX_NAME = 100;
const MAX_ADDRESS = 500;
const MAX_TAG = 50;
const MAX_TAGS = 50;
const MAX_GROUP_NAME = 100;
const MAX_GROUPS = 50;
const EMAIL = /^[^\s@"<>(),;:]+@[^\s@"<>(),;:]+\.[^\s@"<>(),;:]+$/;
const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DOTTED_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const NUMBER = /^[+-]?(\d+|\d{1,3}([ ,.'\u00a0\u202f]\d{3})+)?([.,]\d+)?$/;
const TRUE = new Set(['true', 'yes', 'y', '1', 'x', 'ja', 'oui', 'si', 'jā', 'да']);
const FALSE = new Set(['false', 'no', 'n', '0', 'nein', 'non', 'nē', 'нет']);

/**
 * Resolves the mapping against the file's header row. Headers are compared as written (trimmed); the
 * mapping was checked against them when the import was created.
 */
export function compileMapping(
  headers: string[],
  mapping: ImportMapping,
  definitions: ReadonlyMap<string, FieldType>,
): CompiledMapping {
  const compiled: CompiledMapping = {
    headers,
    phone: -1,
    firstName: -1,
    lastName: -1,
    email: -1,
    country: -1,
    address: -1,
    tags: -1,
    groups: -1,
    fields: [],
  };
  for (const [header, target] of Object.entries(mapping)) {
    const index = headers.indexOf(header);
    if (index === -1) continue;
    const key = customFieldOf(target);
    if (key) {
      const type = definitions.get(key);
      if (type) compiled.fields.push({ index, key, type });
    } else {
      compiled[target as Exclude<keyof CompiledMapping, 'headers' | 'fields'>] = index;
    }
  }
  return compiled;
}

/** `2024-05-17`, `2024-5-7` and `17.05.2024` as an ISO date, or null. */
export function parseDate(text: string): string | null {
  let y: number;
  let m: number;
  let d: number;
  const iso = ISO_DATE.exec(text) ?? /^(\d{4})-(\d{2})-(\d{2})T[\d:.]+Z?$/.exec(text);
  const dotted = iso ? null : DOTTED_DATE.exec(text);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (dotted) [y, m, d] = [Number(dotted[3]), Number(dotted[2]), Number(dotted[1])];
  else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** `1234`, `-3.5`, `1 234,5`, `1,234.5` as a number, or null. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const lastDot = t.lastIndexOf('.');
  const lastComma = t.lastIndexOf(',');
  const decimalAt = Math.max(lastDot, lastComma);
  let normalized = t;
  // The last separator followed by other than exactly three digits is the decimal mark.
  if (decimalAt !== -1 && (t.length - decimalAt - 1 !== 3 || (lastDot !== -1 && lastComma !== -1))) {
    normalized = `${t.slice(0, decimalAt).replace(/[^\d+-]/g, '')}.${t.slice(decimalAt + 1)}`;
  } else {
    normalized = t.replace(/[^\d+-]/g, '');
  }
  const n = Number(normalized);
  return Number.isFinite(n) ? n : null;
}

function fieldValue(type: FieldType, text: string): { value: FieldValue } | { error: string } {
  switch (type) {
    case 'text':
      return text.length > MAX_TEXT_FIELD
        ? { error: `must be at most ${MAX_TEXT_FIELD} characters` }
        : { value: text };
    case 'number': {
      const n = parseNumber(text);
      return n === null ? { error: 'must be a number' } : { value: n };
    }
    case 'date': {
      const d = parseDate(text);
      return d === null ? { error: 'must be a date (YYYY-MM-DD or DD.MM.YYYY)' } : { value: d };
    }
    case 'boolean': {
      const v = text.toLowerCase();
      if (TRUE.has(v)) return { value: true };
      if (FALSE.has(v)) return { value: false };
      return { error: 'must be true or false (yes/no, 1/0)' };
    }
  }
}

/** A cell, trimmed, without the `'` our own CSV export puts before formula characters (`'+3712…`). */
function cellAt(cells: readonly string[], index: number): string {
  if (index === -1) return '';
  const v = cells[index];
  return v === undefined ? '' : unguardCsvCell(v).trim();
}

function textCell(
  cells: readonly string[],
  index: number,
  max: number,
  what: string,
  row: number,
  m: CompiledMapping,
  errors: ImportRowError[],
): string | null {
  const v = cellAt(cells, index);
  if (v === '') return null;
  if (v.length > max) {
    errors.push({
      row,
      column: m.headers[index] ?? null,
      message: `${what} is longer than ${max} characters`,
    });
    return null;
  }
  return v;
}

/**
 * Checks and normalises one data row. Returns the row ready to write, or every problem found in it
 * (a row with any problem is not imported). Pure apart from the phone-number cache. Written without
 * per-row closures: it runs a million times per import.
 */
export function validateRow(
  row: number,
  cells: readonly string[],
  m: CompiledMapping,
  defaultCountry: string | null,
): ValidRow | ImportRowError[] {
  const headerCount = m.headers.length;
  if (cells.length > headerCount) {
    for (let i = headerCount; i < cells.length; i++) {
      if (cells[i]!.trim() !== '') {
        return [
          {
            row,
            column: null,
            message: `the row has ${cells.length} cells but the header has ${headerCount} columns (a delimiter inside an unquoted value?)`,
          },
        ];
      }
    }
  }
  const errors: ImportRowError[] = [];
  const rawPhone = cellAt(cells, m.phone);
  let phone = '';
  let phoneCountry: string | null = null;
  if (rawPhone === '') {
    errors.push({ row, column: m.headers[m.phone] ?? null, message: 'phone number is empty' });
  } else {
    const result = tryNormalizePhone(rawPhone, defaultCountry, { cache: false });
    if (result.ok) {
      phone = result.e164;
      phoneCountry = result.country;
    } else errors.push({ row, column: m.headers[m.phone] ?? null, message: result.reason });
  }
  const firstName = textCell(cells, m.firstName, MAX_NAME, 'first name', row, m, errors);
  const lastName = textCell(cells, m.lastName, MAX_NAME, 'last name', row, m, errors);
  const address = textCell(cells, m.address, MAX_ADDRESS, 'address', row, m, errors);
  let email: string | null = cellAt(cells, m.email) || null;
  // A bad e-mail alone does not cost the contact its number: the row is imported without the e-mail and
  // the report warns. With any other problem the row is refused and the e-mail is one of its errors.
  let emailProblem: ImportRowError | null = null;
  let emailAt = 0;
  if (email !== null && (email.length > 254 || !EMAIL.test(email))) {
    emailProblem = { row, column: m.headers[m.email] ?? null, message: 'not a valid e-mail address' };
    emailAt = errors.length;
    email = null;
  }
  let country: string | null = cellAt(cells, m.country).toUpperCase() || null;
  if (country !== null && !/^[A-Z]{2}$/.test(country)) {
    errors.push({
      row,
      column: m.headers[m.country] ?? null,
      message: 'country must be an ISO 3166-1 alpha-2 code such as LV',
    });
    country = null;
  }
  const tags: string[] = [];
  const rawTags = cellAt(cells, m.tags);
  if (rawTags !== '') {
    for (const t of rawTags.split(/[,;|]/)) {
      const tag = t.trim();
      if (tag === '' || tags.includes(tag)) continue;
      if (tag.length > MAX_TAG) {
        errors.push({
          row,
          column: m.headers[m.tags] ?? null,
          message: `a tag is longer than ${MAX_TAG} characters`,
        });
      } else tags.push(tag);
    }
    if (tags.length > MAX_TAGS) {
      errors.push({ row, column: m.headers[m.tags] ?? null, message: `more than ${MAX_TAGS} tags` });
    }
  }
  const groups: string[] = [];
  const rawGroups = cellAt(cells, m.groups);
  if (rawGroups !== '') {
    // Only `;` separates: group names may hold commas ("Regulars, Riga").
    for (const g of rawGroups.split(';')) {
      const name = g.trim();
      if (name === '' || groups.includes(name)) continue;
      if (name.length > MAX_GROUP_NAME) {
        errors.push({
          row,
          column: m.headers[m.groups] ?? null,
          message: `a group name is longer than ${MAX_GROUP_NAME} characters`,
        });
      } else groups.push(name);
    }
    if (groups.length > MAX_GROUPS) {
      errors.push({ row, column: m.headers[m.groups] ?? null, message: `more than ${MAX_GROUPS} groups` });
    }
  }
  const fields: Record<string, FieldValue> = {};
  for (const f of m.fields) {
    const v = cellAt(cells, f.index);
    if (v === '') continue;
    const result = fieldValue(f.type, v);
    if ('error' in result) {
      errors.push({
        row,
        column: m.headers[f.index] ?? null,
        message: `${result.error} (field type ${f.type})`,
      });
    } else fields[f.key] = result.value;
  }
  if (errors.length > 0) {
    if (emailProblem) errors.splice(emailAt, 0, emailProblem);
    return errors;
  }
  return {
    row,
    phone,
    phoneKey: Number(phone.slice(1)),
    country: country ?? phoneCountry,
    firstName,
    lastName,
    email,
    address,
    tags,
    groups,
    fields,
    warnings: emailProblem
      ? [{ ...emailProblem, message: 'not a valid e-mail address: imported without it', level: 'warning' }]
      : null,
  };
}
