import {
  type CountryCode,
  isSupportedCountry,
  ParseError,
  type PhoneNumber,
  type PhoneNumberType,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import { AppError } from '../../kernel/errors';

/** Number types that can receive an SMS. A valid number whose type the metadata cannot tell is accepted too. */
export const SMS_CAPABLE_TYPES = [
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
] as const satisfies readonly PhoneNumberType[];

export type SmsCapableType = (typeof SMS_CAPABLE_TYPES)[number];

/** A recipient in canonical form. */
export interface NormalizedPhone {
  /** E.164: `+`, country calling code, national number; digits only (e.g. `+37121234567`). */
  e164: string;
  /** ISO 3166-1 alpha-2 code of the number's country (e.g. `LV`; `GG` / `IM` / `JE` for the Crown dependencies). */
  country: string;
  /** libphonenumber's number type; absent when the metadata cannot tell it for a valid number. */
  type?: SmsCapableType;
}

export type PhoneResult = ({ ok: true } & NormalizedPhone) | { ok: false; reason: string };

/** Longest input considered at all: E.164 has at most 15 digits, so 32 leaves room for any punctuation. */
export const MAX_PHONE_INPUT_LENGTH = 32;

/** Entries of the LRU of results by (default country, input). Bulk sends and retries repeat the same strings. */
const CACHE_MAX = 50_000;

const REJECTED_TYPES: Partial<Record<PhoneNumberType, string>> = {
  FIXED_LINE: 'is a landline (fixed-line) number and cannot receive SMS',
  PREMIUM_RATE: 'is a premium-rate number and cannot receive SMS',
  TOLL_FREE: 'is a toll-free number and cannot receive SMS',
  SHARED_COST: 'is a shared-cost number and cannot receive SMS',
  VOICEMAIL: 'is a voicemail access number and cannot receive SMS',
};

const SMS_CAPABLE = new Set<string>(SMS_CAPABLE_TYPES);

// Separators people and spreadsheets put in numbers: white space (incl. NBSP), ASCII and Unicode dashes, dots,
// parentheses and slashes. Everything else except digits and a leading `+` is refused.
const SEPARATORS = /[\s().\-/\u2010-\u2015\u2212]/g;
const COMPACT = /^\+?\d+$/;
const LETTER = /\p{L}/u;
const E164 = /^\+[1-9]\d{1,14}$/;

// Two generations instead of a strict LRU: evicting from the front of one big Map gets slow once many
// entries were deleted there, while dropping a whole generation is free. A hit in the old generation is
// copied into the young one, so entries in use survive the rotation.
let young = new Map<string, PhoneResult>();
let old = new Map<string, PhoneResult>();

function fail(reason: string): PhoneResult {
  return Object.freeze({ ok: false, reason });
}

function shown(input: string): string {
  return input.length > 20 ? `${input.slice(0, 20)}…` : input;
}

function parseError(label: string, code: string, international: boolean): string {
  switch (code) {
    case 'TOO_SHORT':
      return `${label} is too short`;
    case 'TOO_LONG':
      return `${label} is too long`;
    case 'INVALID_COUNTRY':
      return international
        ? `${label} starts with an unknown country calling code`
        : `${label} is not in international format: start it with + and the country code, or set a default country`;
    default:
      return `${label} is not a phone number`;
  }
}

/** One interpretation of `text` (compact: `+digits` or `digits`), with `country` for national numbers. */
function interpret(label: string, text: string, country: CountryCode | undefined): PhoneResult {
  const international = text.startsWith('+');
  let parsed: PhoneNumber;
  try {
    parsed = parsePhoneNumberWithError(text, international ? undefined : country);
  } catch (error) {
    if (error instanceof ParseError) return fail(parseError(label, error.message, international));
    throw error;
  }
  if (parsed.ext) return fail(`${label} has an extension`);

  // With the max metadata `isValid()` is `getType() !== undefined`, so asking for the type first saves a pass.
  const type = parsed.getType();
  if (type === undefined && !parsed.isValid()) {
    const length = validatePhoneNumberLength(text, international ? undefined : country);
    const where = parsed.country ? ` for ${parsed.country}` : '';
    switch (length) {
      case 'TOO_SHORT':
        return fail(`${label} is too short${where}`);
      case 'TOO_LONG':
        return fail(`${label} is too long${where}`);
      case 'INVALID_LENGTH':
        return fail(`${label} has an invalid length${where}`);
      default:
        return fail(`${label} is not a valid, assignable number${where}`);
    }
  }
  if (!parsed.country) {
    return fail(
      parsed.isNonGeographic()
        ? `${label} is a non-geographic number (+${parsed.countryCallingCode}) and has no country`
        : `${label} does not belong to a known country`,
    );
  }
  if (type !== undefined && !SMS_CAPABLE.has(type)) {
    return fail(
      `${label} ${REJECTED_TYPES[type] ?? `is a ${type.toLowerCase()} number and cannot receive SMS`}`,
    );
  }
  const result: { ok: true } & NormalizedPhone = { ok: true, e164: parsed.number, country: parsed.country };
  if (type !== undefined) result.type = type as SmsCapableType;
  return Object.freeze(result);
}

function compute(input: string, defaultCountry: CountryCode | undefined): PhoneResult {
  const trimmed = input.trim();
  if (trimmed === '') return fail('phone number is empty');
  if (trimmed.length > MAX_PHONE_INPUT_LENGTH) {
    return fail(`${shown(trimmed)} is longer than ${MAX_PHONE_INPUT_LENGTH} characters`);
  }
  const compact = trimmed.replace(SEPARATORS, '');
  if (compact === '' || compact === '+') return fail(`${trimmed} has no digits`);
  if (!COMPACT.test(compact)) {
    if (LETTER.test(compact)) return fail(`${trimmed} contains letters`);
    if (compact.lastIndexOf('+') > 0) return fail(`${trimmed} has a + that is not at the start`);
    return fail(`${trimmed} contains characters other than digits, +, spaces, dashes, dots and parentheses`);
  }

  if (compact.startsWith('00')) {
    // An international call prefix. The default country's own prefix (00, 011, 0011, …) is tried first so
    // that e.g. `0011 371 …` from Australia works; `00` is then read as `+`, the prefix of most of the world.
    if (defaultCountry) {
      const viaDefault = interpret(trimmed, compact, defaultCountry);
      if (viaDefault.ok) return viaDefault;
    }
    return interpret(trimmed, `+${compact.slice(2)}`, undefined);
  }
  return interpret(trimmed, compact, defaultCountry);
}

function toCountryCode(country: string | null | undefined): CountryCode | undefined {
  if (!country) return undefined;
  const upper = country.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

/**
 * Like {@link normalizePhone} but never throws: `{ ok: false, reason }` for a number that is refused. Meant for
 * bulk paths (uploads, campaigns) that report per recipient. Results are cached in a bounded LRU unless
 * `cache: false` (inputs seen once, such as the rows of an import).
 */
export function tryNormalizePhone(
  input: string,
  defaultCountry?: string | null,
  options: { cache?: boolean } = {},
): PhoneResult {
  if (typeof input !== 'string') return fail('phone number must be a string');
  const country = toCountryCode(defaultCountry);
  // Over-long input is refused without parsing and would only push useful entries out of the cache; a
  // file import sees each number once, so caching its numbers would only cost memory.
  if (input.length > MAX_PHONE_INPUT_LENGTH * 4 || options.cache === false) return compute(input, country);

  const key = `${country ?? ''}:${input}`;
  const hit = young.get(key);
  if (hit !== undefined) return hit;
  const result = old.get(key) ?? compute(input, country);
  if (young.size >= CACHE_MAX / 2) {
    old = young;
    young = new Map();
  }
  young.set(key, result);
  return result;
}

/**
 * Parses a recipient as typed by a person or found in a file and returns it in E.164 with its country.
 *
 * Accepts international format (`+371 2123 4567`), the `00` international prefix (and the default country's
 * own prefix, e.g. `011` for US), and national format (`2123 4567`, `(415) 555-0123`) when `defaultCountry`
 * (ISO alpha-2, case-insensitive; an unknown code is ignored) is given. Spaces, dashes, dots, slashes and
 * parentheses are ignored. Throws `AppError('invalid_phone_number')` whose detail says what is wrong for empty,
 * over-long (> 32 characters), lettered, invalid or unassigned numbers, non-geographic numbers, and numbers
 * that cannot receive SMS (landline, premium-rate, toll-free, shared-cost, voicemail).
 */
export function normalizePhone(input: string, defaultCountry?: string | null): NormalizedPhone {
  const result = tryNormalizePhone(input, defaultCountry);
  if (!result.ok) throw new AppError('invalid_phone_number', result.reason);
  const normalized: NormalizedPhone = { e164: result.e164, country: result.country };
  if (result.type !== undefined) normalized.type = result.type;
  return normalized;
}

/**
 * The ISO alpha-2 country of a number already in E.164 (any type, e.g. a stored landline), or `null` when the
 * string is not E.164 or no single country can be attributed (non-geographic or unassigned in a shared code).
 */
export function countryOfE164(e164: string): string | null {
  if (typeof e164 !== 'string' || !E164.test(e164)) return null;
  try {
    return parsePhoneNumberWithError(e164).country ?? null;
  } catch {
    return null;
  }
}

/**
 * The national significant number of an E.164 number (`+37121234567` → `21234567`): the digits every written
 * form of the number contains, whatever prefix or spacing was used. `null` when the string is not E.164.
 */
export function nationalNumberOfE164(e164: string): string | null {
  if (typeof e164 !== 'string' || !E164.test(e164)) return null;
  try {
    return String(parsePhoneNumberWithError(e164).nationalNumber);
  } catch {
    return null;
  }
}

/** Empties the normalisation cache (for tests and benchmarks). */
export function clearPhoneCache(): void {
  young = new Map();
  old = new Map();
}
