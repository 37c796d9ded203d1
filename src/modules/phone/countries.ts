import { type CountryCode, getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { AppError } from '../../kernel/errors';

/** A country numbers can be read in: its ISO 3166-1 alpha-2 code, English name and calling code. */
export interface Country {
  code: string;
  name: string;
  callingCode: string;
}

const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** The English name of a country code (the code itself when the runtime has no name for it). */
export function countryName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * Every country a phone number can belong to (the phone-number library's list), by English name. A default
 * country must be one of them, or numbers written without `+` could not be read in it.
 */
export const COUNTRIES: readonly Country[] = Object.freeze(
  getCountries()
    .map((code: CountryCode) => ({ code, name: countryName(code), callingCode: getCountryCallingCode(code) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en')),
);

const KNOWN = new Set(COUNTRIES.map((c) => c.code));

/**
 * A country as a client wrote it, upper-cased (`lv` → `LV`), or `invalid_country` naming `path` when it is not
 * an ISO 3166-1 alpha-2 code the platform knows.
 */
export function parseCountry(input: string, path: string): string {
  const code = input.trim().toUpperCase();
  if (KNOWN.has(code)) return code;
  const message = /^[A-Z]{2}$/.test(code)
    ? `${code} is not a country the platform knows`
    : 'must be a two-letter ISO 3166-1 country code, e.g. LV';
  throw new AppError('invalid_country', `${path} ${message}.`, { errors: [{ path, message }] });
}
