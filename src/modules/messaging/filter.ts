import { type CountryCode, getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js/max';
import { dayNumberOf, isTimeZone, startOfDay } from '../../kernel/calendar';
import { AppError } from '../../kernel/errors';
import type { MessageStatus } from '../../storage/schema';
import { tryNormalizePhone } from '../phone';

/** The filters of `GET /v1/messages` and its CSV export, as the query string gives them. */
export interface MessageQuery {
  status?: readonly MessageStatus[] | undefined;
  /** A recipient: a whole number (exact match) or its beginning (prefix match). */
  to?: string | undefined;
  /** The sender (`from` in the API). */
  sender?: string | undefined;
  /** An ISO instant, or a date (`YYYY-MM-DD`: from the start of that day in `timezone`). */
  createdAfter?: string | undefined;
  /** An ISO instant, or a date (`YYYY-MM-DD`: before the start of that day in `timezone`). */
  createdBefore?: string | undefined;
  campaignId?: string | undefined;
  /** IANA zone for dates without a time; UTC when absent. */
  timezone?: string | undefined;
}

/** The same filters resolved: numbers in E.164, times in ms. */
export interface MessageFilter {
  statuses?: readonly MessageStatus[];
  to?: { exact: string } | { prefix: string };
  sender?: string;
  createdAfter?: number;
  createdBefore?: number;
  campaignId?: string;
}

/**
 * An id is made a moment after its row's `created_at` is read from the clock (later still when the clock
 * stepped back), so the id range a time range maps to reaches this far past its end; `created_at` then
 * decides exactly.
 */
export const ID_SLACK_MS = 3_600_000;

const SEPARATORS = /[\s().\-/\u2010-\u2015\u2212]/g;
const DIGITS = /^\+?\d+$/;

function queryError(field: string, message: string, code: 'validation_failed' | 'invalid_phone_number') {
  return new AppError(code, `${field}: ${message}.`, {
    errors: [{ path: `/querystring/${field}`, message }],
  });
}

/**
 * A number search: a whole number, written as a send takes it (international, `00…`, or national with
 * the account's default country), matches exactly; anything shorter that is only digits matches as the
 * beginning of numbers (`+3712` → every number starting so; national digits get the default country's
 * calling code, without the trunk `0`).
 */
export function numberSearch(input: string, defaultCountry: string | null): MessageFilter['to'] {
  const whole = tryNormalizePhone(input, defaultCountry);
  if (whole.ok) return { exact: whole.e164 };
  const compact = input.trim().replace(SEPARATORS, '');
  if (!DIGITS.test(compact)) {
    throw queryError('to', 'use digits only, optionally starting with +', 'invalid_phone_number');
  }
  let prefix: string;
  if (compact.startsWith('+')) prefix = compact;
  else if (compact.startsWith('00')) prefix = `+${compact.slice(2)}`;
  else {
    const country = defaultCountry?.toUpperCase();
    prefix =
      country && isSupportedCountry(country)
        ? `+${getCountryCallingCode(country as CountryCode)}${compact.replace(/^0/, '')}`
        : `+${compact}`;
  }
  if (prefix.length < 2 || prefix.length > 16) {
    throw queryError('to', 'a number has 1 to 15 digits after the +', 'invalid_phone_number');
  }
  return { prefix };
}

function instant(field: string, value: string, zone: string): number {
  const day = dayNumberOf(value);
  if (day !== null) return startOfDay(zone, day);
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw queryError(field, 'not a date (YYYY-MM-DD) or an ISO date-time', 'validation_failed');
  return ms;
}

/** Resolves the query's filters; a bad value is an AppError naming its query field. */
export function resolveMessageQuery(q: MessageQuery, defaultCountry: string | null): MessageFilter {
  const zone = q.timezone ?? 'UTC';
  if (!isTimeZone(zone)) {
    throw new AppError('invalid_timezone', `"${zone.slice(0, 64)}" is not a known time zone.`, {
      errors: [{ path: '/querystring/timezone', message: 'not an IANA time zone name (e.g. Europe/Riga)' }],
    });
  }
  const f: MessageFilter = {};
  if (q.status && q.status.length > 0) f.statuses = [...new Set(q.status)];
  if (q.to !== undefined) f.to = numberSearch(q.to, defaultCountry);
  if (q.sender !== undefined) f.sender = q.sender;
  if (q.campaignId !== undefined) f.campaignId = q.campaignId;
  if (q.createdAfter !== undefined) f.createdAfter = instant('createdAfter', q.createdAfter, zone);
  if (q.createdBefore !== undefined) f.createdBefore = instant('createdBefore', q.createdBefore, zone);
  if (f.createdAfter !== undefined && f.createdBefore !== undefined && f.createdBefore < f.createdAfter) {
    throw queryError('createdBefore', 'is earlier than createdAfter', 'validation_failed');
  }
  return f;
}
