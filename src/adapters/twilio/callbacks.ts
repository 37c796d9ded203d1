import { createHmac } from 'node:crypto';
import type { CallbackVerdict, DeliveryReport, InboundSms, RouteCallback } from '../../modules/dispatch';
import {
  badCallback,
  e164,
  formPairs,
  formParams,
  header,
  inboundText,
  optionalString,
  requiredString,
  safeEqual,
} from '../http-carrier/callbacks';
import type { TwilioConfig } from './config';

/**
 * Twilio's callbacks (docs/design/http-carriers.md §1): form-encoded POSTs (GET when the number is so
 * configured) signed with `X-Twilio-Signature`.
 */

/**
 * The signature Twilio sends: base64 HMAC-SHA1, keyed with the auth token, of the URL it called followed by
 * every POST parameter as name and value, sorted by name (and a repeated name's values sorted).
 */
export function twilioSignature(authToken: string, url: string, pairs: Array<[string, string]>): string {
  const sorted = [...pairs].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const hmac = createHmac('sha1', authToken).update(url, 'utf8');
  for (const [name, value] of sorted) hmac.update(name + value, 'utf8');
  return hmac.digest('base64');
}

/**
 * The URL with and without the scheme's default port: Twilio's own libraries accept both, as the port
 * it signs with is not consistent between its services.
 */
function urlForms(url: string): string[] {
  const m = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(url);
  if (!m) return [url];
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  const port = scheme.toLowerCase() === 'https' ? '443' : '80';
  const host = authority.replace(/:\d+$/, '');
  const forms = [url];
  if (authority === host) forms.push(`${scheme}://${host}:${port}${rest}`);
  else if (authority === `${host}:${port}`) forms.push(`${scheme}://${host}${rest}`);
  return forms;
}

export function verifyTwilioCallback(callback: RouteCallback, config: TwilioConfig): CallbackVerdict {
  const signature = header(callback, 'x-twilio-signature');
  if (!signature) return { ok: false, reason: 'no X-Twilio-Signature header' };
  let pairs: Array<[string, string]>;
  try {
    // A GET carries its parameters in the URL, which is signed as it is.
    pairs = callback.method === 'POST' ? formPairs(callback) : [];
  } catch {
    return { ok: false, reason: 'unreadable body' };
  }
  for (const url of urlForms(callback.url))
    if (safeEqual(twilioSignature(config.authToken, url, pairs), signature)) return { ok: true };
  return { ok: false, reason: 'X-Twilio-Signature does not match' };
}

const FINAL: Record<string, DeliveryReport['status']> = {
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'rejected',
  canceled: 'rejected',
};
/** Statuses on the way: no report (the final one follows). */
const INTERMEDIATE = new Set(['accepted', 'scheduled', 'queued', 'sending', 'sent', 'receiving', 'received']);

export function parseTwilioReceipt(callback: RouteCallback): DeliveryReport[] {
  const p = formParams(callback);
  const sid = requiredString(p.MessageSid ?? p.SmsSid, 'MessageSid', 64);
  const status = requiredString(p.MessageStatus ?? p.SmsStatus, 'MessageStatus', 32).toLowerCase();
  if (INTERMEDIATE.has(status)) return [];
  const mapped = FINAL[status] ?? 'unknown';
  return [
    {
      routeId: callback.routeId,
      carrierRef: sid,
      status: mapped,
      errorCode: mapped === 'delivered' ? null : optionalString(p.ErrorCode, 16),
      raw: callback.body.slice(0, 4000),
      at: callback.receivedAt,
    },
  ];
}

export function parseTwilioInbound(callback: RouteCallback): InboundSms[] {
  const p = formParams(callback);
  if (p.Body === undefined) throw badCallback('Body is missing');
  return [
    {
      routeId: callback.routeId,
      from: e164(requiredString(p.From, 'From', 32)),
      to: e164(requiredString(p.To, 'To', 32)),
      text: inboundText(p.Body),
      at: callback.receivedAt,
    },
  ];
}
