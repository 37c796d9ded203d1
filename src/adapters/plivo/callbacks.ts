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
import type { PlivoConfig } from './config';

/**
 * Plivo's callbacks (docs/design/http-carriers.md §4): form POSTs (or GETs) signed with
 * `X-Plivo-Signature-V3` = base64 HMAC-SHA256, keyed with the auth token, of the URL with its sorted
 * query, then (for a POST) the sorted body parameters, then "." and `X-Plivo-Signature-V3-Nonce`.
 */

const byKeyThenValue = ([a, x]: [string, string], [b, y]: [string, string]) =>
  a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0;

/** The string Plivo signs (V3) before the nonce. */
export function plivoV3Base(method: 'GET' | 'POST', url: string, bodyPairs: Array<[string, string]>): string {
  const queryAt = url.indexOf('?');
  const base = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = [...new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1))].sort(byKeyThenValue);
  const queryString = query.map(([k, v]) => `${k}=${v}`).join('&');
  if (method === 'GET') return queryString ? `${base}?${queryString}` : base;
  if (bodyPairs.length === 0) return queryString ? `${base}?${queryString}` : base;
  // With a body, "?" always comes, and "." after a non-empty query.
  const params = [...bodyPairs]
    .sort(byKeyThenValue)
    .map(([k, v]) => k + v)
    .join('');
  return `${base}?${queryString}${queryString ? '.' : ''}${params}`;
}

export function plivoV3Signature(authToken: string, base: string, nonce: string): string {
  return createHmac('sha256', authToken).update(`${base}.${nonce}`, 'utf8').digest('base64');
}

export function verifyPlivoCallback(callback: RouteCallback, config: PlivoConfig): CallbackVerdict {
  const v3 = header(callback, 'x-plivo-signature-v3');
  const v3Nonce = header(callback, 'x-plivo-signature-v3-nonce');
  if (v3 && v3Nonce) {
    let pairs: Array<[string, string]>;
    try {
      pairs = callback.method === 'POST' ? formPairs(callback) : [];
    } catch {
      return { ok: false, reason: 'unreadable body' };
    }
    const expected = plivoV3Signature(
      config.authToken,
      plivoV3Base(callback.method, callback.url, pairs),
      v3Nonce,
    );
    // Several signatures, comma-separated, while Plivo rotates the token: any one will do.
    const any = v3.split(',').some((s) => safeEqual(s.trim(), expected));
    return any ? { ok: true } : { ok: false, reason: 'X-Plivo-Signature-V3 does not match' };
  }
  const v2 = header(callback, 'x-plivo-signature-v2');
  const v2Nonce = header(callback, 'x-plivo-signature-v2-nonce');
  if (v2 && v2Nonce && config.acceptV2Signatures) {
    const base = callback.url.split('?')[0]!;
    const expected = createHmac('sha256', config.authToken)
      .update(base + v2Nonce, 'utf8')
      .digest('base64');
    return safeEqual(v2, expected)
      ? { ok: true }
      : { ok: false, reason: 'X-Plivo-Signature-V2 does not match' };
  }
  return { ok: false, reason: 'no X-Plivo-Signature-V3 and nonce' };
}

const STATUS: Record<string, DeliveryReport['status'] | null> = {
  queued: null,
  sent: null,
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'rejected',
  rejected: 'rejected',
};
/** ErrorCode 420: the message expired before delivery. */
const EXPIRED = '420';

export function parsePlivoReceipt(callback: RouteCallback): DeliveryReport[] {
  const p = formParams(callback);
  const ref = requiredString(p.MessageUUID, 'MessageUUID', 100);
  const raw = requiredString(p.Status, 'Status', 32).toLowerCase();
  let status = Object.hasOwn(STATUS, raw) ? STATUS[raw]! : 'unknown';
  if (status === null) return [];
  const errorCode = optionalString(p.ErrorCode, 16);
  if (status === 'undelivered' && errorCode === EXPIRED) status = 'expired';
  return [
    {
      routeId: callback.routeId,
      carrierRef: ref,
      status,
      errorCode: status === 'delivered' || errorCode === '000' ? null : errorCode,
      raw: callback.body.slice(0, 4000) || callback.url.slice(0, 4000),
      at: callback.receivedAt,
    },
  ];
}

export function parsePlivoInbound(callback: RouteCallback): InboundSms[] {
  const p = formParams(callback);
  if (p.Text === undefined) throw badCallback('Text is missing');
  return [
    {
      routeId: callback.routeId,
      from: e164(requiredString(p.From, 'From', 32)),
      to: e164(requiredString(p.To, 'To', 32)),
      text: inboundText(p.Text),
      at: callback.receivedAt,
    },
  ];
}
