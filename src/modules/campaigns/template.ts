/**
 * Message templates: `{{first_name}}`, custom fields (`{{plan}}` or `{{fields.plan}}`) and fallbacks
 * (`{{first_name|there}}`). Parsing, validation and rendering are pure functions so the preview, the cost
 * calculation and the fan-out all produce the very same texts.
 */

/** Placeholders every contact has; custom field keys are added per account. */
export const BUILTIN_PLACEHOLDERS = ['first_name', 'last_name', 'phone', 'email', 'country'] as const;

export interface TemplatePart {
  /** Literal text, or a placeholder with its key and optional fallback. */
  kind: 'text' | 'field';
  text: string;
  key: string;
  fallback: string | null;
  /** Offset of a placeholder in the source (error positions); not meaningful for text parts. */
  position: number;
}

export interface TemplateError {
  /** Character offset (0-based) of the problem in the template. */
  position: number;
  message: string;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Distinct placeholder keys, in order of first use. */
  keys: string[];
  errors: TemplateError[];
}

const KEY = /^(?:fields\.)?[a-z][a-z0-9_]{0,62}$/;
const MAX_FALLBACK = 200;

/** Splits a template into literal text and placeholders; syntax problems are collected, never thrown. */
export function parseTemplate(source: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: TemplateError[] = [];
  const keys: string[] = [];
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open === -1) {
      literal += source.slice(i);
      break;
    }
    literal += source.slice(i, open);
    const close = source.indexOf('}}', open + 2);
    const nextOpen = source.indexOf('{{', open + 2);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      errors.push({ position: open, message: 'unclosed placeholder: "{{" without "}}"' });
      literal += '{{';
      i = open + 2;
      continue;
    }
    const inner = source.slice(open + 2, close);
    const bar = inner.indexOf('|');
    const key = (bar === -1 ? inner : inner.slice(0, bar)).trim();
    const fallback = bar === -1 ? null : inner.slice(bar + 1).trim();
    if (key === '') errors.push({ position: open, message: 'empty placeholder' });
    else if (!KEY.test(key))
      errors.push({ position: open, message: `"${key.slice(0, 40)}" is not a valid placeholder name` });
    else if (fallback !== null && fallback.length > MAX_FALLBACK)
      errors.push({ position: open, message: `fallback is longer than ${MAX_FALLBACK} characters` });
    else {
      if (literal) parts.push({ kind: 'text', text: literal, key: '', fallback: null, position: open });
      literal = '';
      const canonical = key.startsWith('fields.') ? key.slice('fields.'.length) : key;
      parts.push({ kind: 'field', text: '', key: canonical, fallback, position: open });
      if (!keys.includes(canonical)) keys.push(canonical);
    }
    i = close + 2;
  }
  if (literal) parts.push({ kind: 'text', text: literal, key: '', fallback: null, position: source.length });
  return { parts, keys, errors };
}

/**
 * Parses and checks a template against the placeholders the account knows (built-ins + custom field keys):
 * syntax errors and unknown names are reported with their positions.
 */
export function validateTemplate(source: string, knownFields: Iterable<string>): ParsedTemplate {
  const parsed = parseTemplate(source);
  const known = new Set<string>([...BUILTIN_PLACEHOLDERS, ...knownFields]);
  const errors = [...parsed.errors];
  for (const part of parsed.parts) {
    if (part.kind === 'field' && !known.has(part.key))
      errors.push({ position: part.position, message: `unknown placeholder "${part.key}"` });
  }
  errors.sort((a, b) => a.position - b.position);
  return { ...parsed, errors };
}

/** Values a contact gives its placeholders: null or empty strings fall back. */
export type TemplateValues = Record<string, string | number | boolean | null | undefined>;

/** Renders a parsed template: a missing or empty value becomes the fallback, or nothing. */
export function renderTemplate(template: Pick<ParsedTemplate, 'parts'>, values: TemplateValues): string {
  let out = '';
  for (const part of template.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = values[part.key];
    const text = value === null || value === undefined ? '' : String(value).trim();
    out += text === '' ? (part.fallback ?? '') : text;
  }
  return out;
}

/** True when the template has no placeholders: every recipient gets the same text. */
export function isStatic(template: Pick<ParsedTemplate, 'parts'>): boolean {
  return template.parts.every((p) => p.kind === 'text');
}

/** A contact row's placeholder values: built-ins and its custom fields (built-ins win on a name clash). */
export function contactValues(contact: {
  phone: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  country: string | null;
  fields: string | Record<string, unknown> | null;
}): TemplateValues {
  let fields: Record<string, unknown> = {};
  if (typeof contact.fields === 'string') {
    if (contact.fields !== '{}' && contact.fields !== '') {
      try {
        fields = JSON.parse(contact.fields) as Record<string, unknown>;
      } catch {
        fields = {};
      }
    }
  } else if (contact.fields) fields = contact.fields;
  const values: TemplateValues = {
    first_name: contact.first_name,
    last_name: contact.last_name,
    phone: contact.phone,
    email: contact.email,
    country: contact.country,
  };
  for (const key of Object.keys(fields)) {
    if (!(key in values)) values[key] = fields[key] as TemplateValues[string];
  }
  return values;
}
