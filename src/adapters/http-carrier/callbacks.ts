import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../kernel/errors';
import type { RouteCallback } from '../../modules/dispatch';

/**
 * Reading carriers' callbacks, bounded: a callback is public input, so its size and its number of fields
 * are capped before anything is parsed, and a payload missing what a report needs is refused with
 * `validation_failed` rather than half-read.
 */

/** Most bytes of a callback body read (vendors' reports are a few kB; Infobip batches up to 100). */
export const MAX_CALLBACK_BYTES = 256 * 1024;
/** Most form or query parameters read from one callback. */
export const MAX_CALLBACK_PARAMS = 200;

export function badCallback(detail: string): AppError {
  return new AppError('validation_failed', `Carrier callback: ${detail}`);
}

/** One header's first value (names in lower case). */
export function header(callback: RouteCallback, name: string): string | undefined {
  const value = callback.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The callback's parameters in arrival order, every value kept: the POST form body, or the query string of
 * a GET. Vendors sign all of them, repeated names included.
 */
export function formPairs(callback: RouteCallback): Array<[string, string]> {
  const source =
    callback.method === 'GET' ? callback.url.slice(callback.url.indexOf('?') + 1) : callback.body;
  if (callback.method === 'GET' && !callback.url.includes('?')) return [];
  if (source.length > MAX_CALLBACK_BYTES) throw badCallback('the body is too large');
  const pairs: Array<[string, string]> = [];
  for (const pair of new URLSearchParams(source)) {
    if (pairs.length >= MAX_CALLBACK_PARAMS) throw badCallback('too many parameters');
    pairs.push(pair);
  }
  return pairs;
}

/** The parameters as a record (the first value of each name). */
export function formParams(callback: RouteCallback): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of formPairs(callback)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/** The body as JSON, refused when too large or not JSON. */
export function jsonBody(callback: RouteCallback): unknown {
  if (callback.body.length > MAX_CALLBACK_BYTES) throw badCallback('the body is too large');
  try {
    return JSON.parse(callback.body);
  } catch {
    throw badCallback('the body is not JSON');
  }
}

/** Equality in time independent of where the strings differ (both are hashed to one length first). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** A carrier's address as the platform stores it: '+' before an international number, others as given. */
export function e164(address: string): string {
  const trimmed = address.trim();
  if (/^\+?\d{6,15}$/.test(trimmed)) return trimmed.startsWith('+') ? trimmed : `+${trimmed}`;
  if (/^00\d{6,15}$/.test(trimmed)) return `+${trimmed.slice(2)}`;
  return trimmed;
}

/** A required string field of a carrier's payload, bounded in length. */
export function requiredString(value: unknown, name: string, max = 200): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length === 0) throw badCallback(`${name} is missing`);
  if (value.length > max) throw badCallback(`${name} is too long`);
  return value;
}

/** An optional string (or number) field as a string, or null. */
export function optionalString(value: unknown, max = 200): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length === 0) return null;
  return value.slice(0, max);
}

/** The message text of an inbound callback (a long SMS is at most a few thousand characters). */
export function inboundText(value: unknown): string {
  if (typeof value !== 'string') throw badCallback('the message text is missing');
  if (value.length > 10_000) throw badCallback('the message text is too long');
  return value;
}
