import { tryNormalizePhone } from '../phone';

/** Longest address kept as received (SMPP allows 21 characters; anything longer is not an address). */
const MAX_ADDRESS_LENGTH = 64;
const SEPARATORS = /[\s().\-/]/g;

/** PostgreSQL text cannot hold NUL, and carriers pad with it: drop it everywhere (both dialects alike). */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/** An address as received, cleaned only of NULs, surrounding space and excess length. */
export function rawAddress(address: string): string {
  return withoutNul(address).trim().slice(0, MAX_ADDRESS_LENGTH);
}

/**
 * The destination of an inbound message: the forms under which it may be in the numbers table (E.164,
 * whether or not the route wrote the leading '+' or an international 00 prefix), and the form to store.
 */
export function destinationOf(to: string): { candidates: string[]; stored: string; country: string | null } {
  const raw = rawAddress(to);
  const compact = raw.replace(SEPARATORS, '');
  const digits = compact.replace(/^(\+|00)/, '');
  const candidates = new Set<string>();
  let stored = raw;
  let country: string | null = null;
  if (/^\d{1,15}$/.test(digits)) {
    candidates.add(`+${digits}`);
    const normalized = tryNormalizePhone(`+${digits}`);
    if (normalized.ok) {
      candidates.add(normalized.e164);
      stored = normalized.e164;
      country = normalized.country;
    }
  }
  return { candidates: [...candidates], stored, country };
}

/**
 * The sender of an inbound message in E.164 when it is a valid number (national formats are read in the
 * destination's country, where a reply most likely comes from); otherwise as received, e.g. `BANK`.
 */
export function senderOf(from: string, destinationCountry: string | null): string {
  const raw = rawAddress(from);
  const normalized = tryNormalizePhone(raw, destinationCountry);
  if (normalized.ok) return normalized.e164;
  // International digits without the '+' (a route that lost the type of number): long enough not to be
  // a national number or a short code.
  if (/^\d{10,15}$/.test(raw)) {
    const international = tryNormalizePhone(`+${raw}`);
    if (international.ok) return international.e164;
  }
  return raw;
}
