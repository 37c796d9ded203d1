/**
 * The parameters of the Twilio-compatible API: bounded form parsing, HTTP Basic credentials, the form and
 * query schemas (for validation and OpenAPI), and Twilio's date and number parameters.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor, ApiKeys } from '../../modules/accounts';
import { accountSid, keySid } from '../../modules/twilio-compat';
import { TwilioError } from './twilio-errors';

export const FORM = 'application/x-www-form-urlencoded';
/** Twilio's limit on Body (error 21617). */
export const MAX_BODY = 1600;
/** Twilio takes at most 10 MediaUrl parameters. */
export const MAX_MEDIA = 10;
/** Form fields kept per request: Twilio's Messages take about thirty; more is not a real client. */
const MAX_FIELDS = 100;
export const MAX_PAGE_SIZE = 1000;
/** Twilio's ValidityPeriod range, in seconds. */
export const VALIDITY = { min: 1, max: 36_000 };

export type Form = Record<string, string | string[]>;

/** What the compatible plugin hands the route files it registers (numbers, services). */
export interface TwilioRouteHelpers {
  formOf(request: FastifyRequest): Form;
  /** Refuses (21609) a callback URL our webhooks would refuse; the URL as it will be used. */
  checkUrl(raw: string): Promise<string>;
  auth(permission: 'messages:read' | 'webhooks:manage'): {
    auth: 'client';
    permission: 'messages:read' | 'webhooks:manage';
    basicAuth: true;
  };
}

/** Parses a form body with bounded work: the body limit caps its size, MAX_FIELDS its field count. */
export function parseForm(body: string): Form {
  const form: Form = Object.create(null);
  let count = 0;
  for (const [name, value] of new URLSearchParams(body)) {
    if (++count > MAX_FIELDS)
      throw new TwilioError(400, 20001, `The form has more than ${MAX_FIELDS} fields.`);
    const seen = form[name];
    if (seen === undefined) form[name] = value;
    else form[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return form;
}

/** The user and password of an HTTP Basic header, or null. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Twilio's credentials: the password is one of our API keys (Twilio's auth token or API key secret), the
 * user the SID of that key's account (`AC…`) or of the key itself (`SK…`). Anything else is no actor.
 */
export function twilioBasicAuth(apiKeys: Pick<ApiKeys, 'actorFromKey'>) {
  return async (header: string, ip: string | null): Promise<Actor | null> => {
    const credentials = basicCredentials(header);
    if (!credentials) return null;
    const actor = await apiKeys.actorFromKey(credentials.password, ip);
    if (!actor || actor.kind === 'staff') return null;
    const matches = credentials.user === accountSid(actor.accountId) || credentials.user === keySid(actor.id);
    return matches ? actor : null;
  };
}

export const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
export const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const field = z.union([z.string(), z.array(z.string())]).optional();

export const accountParams = z.object({ AccountSid: z.string().max(64) });
export const messageParams = accountParams.extend({ Sid: z.string().max(64) });

/** The form of `POST Messages.json` (documented for OpenAPI; unknown parameters are ignored, as Twilio does). */
export const createForm = z.looseObject({
  To: field.describe('The recipient (E.164, or a national number read with the account’s default country)'),
  From: field.describe(
    'The sender: a number or an alphanumeric sender ID; the account’s default when absent',
  ),
  MessagingServiceSid: field.describe(
    'A Messaging Service (MG…): without From, the sender comes from its pool (sticky per recipient); its status callback applies when StatusCallback is absent',
  ),
  Body: field.describe(`The text, at most ${MAX_BODY} characters`),
  StatusCallback: field.describe(
    'URL that gets Twilio-shaped status callbacks, signed with X-Twilio-Signature',
  ),
  ValidityPeriod: field.describe('Seconds the message may wait to be delivered (1–36000)'),
  SendAt: field.describe('ISO 8601 time to send at (with ScheduleType=fixed)'),
  ScheduleType: field.describe('`fixed` with SendAt'),
  MediaUrl: field.describe('Up to 10 URLs, appended to the text as links (no MMS)'),
  SmartEncoded: field.describe('Accepted and ignored: encoding is chosen from the text'),
  ShortenUrls: field.describe('Accepted and ignored'),
});
export const updateForm = z.looseObject({
  Status: field.describe('`canceled` cancels a scheduled message'),
  Body: field.describe('Only the empty string: erases the text of a message that has been sent (redaction)'),
});
export const listQuery = z.looseObject({
  To: z.string().max(32).optional(),
  From: z.string().max(32).optional(),
  DateSent: z.string().max(40).optional(),
  'DateSent<': z.string().max(40).optional(),
  'DateSent>': z.string().max(40).optional(),
  PageSize: z.string().max(10).optional(),
  Page: z.string().max(10).optional(),
  PageToken: z.string().max(64).optional(),
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A DateSent value: a date (a whole day) or an ISO date-time. */
export function dateParam(name: string, value: string): { start: string; endExclusive: string } {
  if (DATE.test(value)) {
    const start = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(start.getTime()))
      return {
        start: value,
        endExclusive: new Date(start.getTime() + 86_400_000).toISOString().slice(0, 10),
      };
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    throw new TwilioError(400, 20001, `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time.`);
  return { start: at.toISOString(), endExclusive: new Date(at.getTime() + 1).toISOString() };
}

export function intParam(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new TwilioError(400, 20001, `${name} must be a whole number from ${min} to ${max}.`);
  return n;
}
