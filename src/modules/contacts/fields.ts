import { AppError, type FieldError } from '../../kernel/errors';
import type { ContactFieldsTable } from '../../storage/schema-contacts';

export const FIELD_TYPES = ['text', 'number', 'date', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export type FieldValue = string | number | boolean;

/** Keys of custom fields: snake_case, starting with a letter. */
export const FIELD_KEY = /^[a-z][a-z0-9_]{0,62}$/;
export const MAX_TEXT_FIELD = 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface FieldDefinitionView {
  key: string;
  label: string;
  type: FieldType;
  createdAt: string;
}

export function fieldView(row: ContactFieldsTable): FieldDefinitionView {
  return {
    key: row.key,
    label: row.label,
    type: row.type,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

function isDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function problemWith(type: FieldType, value: unknown): string | null {
  switch (type) {
    case 'text':
      if (typeof value !== 'string') return 'must be a string';
      return value.length > MAX_TEXT_FIELD ? `must be at most ${MAX_TEXT_FIELD} characters` : null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'date':
      return typeof value === 'string' && isDate(value) ? null : 'must be a date (YYYY-MM-DD)';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
  }
}

/**
 * Checks custom field values against the account's definitions and merges them into `current`: a `null`
 * value removes the field. Every unknown key and badly typed value is reported with its path.
 */
export function applyFieldValues(
  definitions: ReadonlyMap<string, FieldType>,
  current: Record<string, FieldValue>,
  input: Record<string, unknown>,
  path = '/body/fields',
): Record<string, FieldValue> {
  const errors: FieldError[] = [];
  const next = Object.assign({}, current);
  for (const [key, value] of Object.entries(input)) {
    const type = definitions.get(key);
    if (!type) {
      errors.push({
        path: `${path}/${key}`,
        message: 'no such custom field; define it with POST /v1/contact-fields',
      });
      continue;
    }
    if (value === null) {
      delete next[key];
      continue;
    }
    const problem = problemWith(type, value);
    if (problem) errors.push({ path: `${path}/${key}`, message: `${problem} (field type ${type})` });
    else next[key] = value as FieldValue;
  }
  if (errors.length > 0) {
    throw new AppError('validation_failed', 'Some custom fields are unknown or of the wrong type.', {
      errors,
    });
  }
  return next;
}
