import type { CallbackVerdict, DeliveryReport, InboundSms, RouteCallback } from '../../modules/dispatch';
import {
  badCallback,
  e164,
  header,
  inboundText,
  jsonBody,
  requiredString,
  safeEqual,
} from '../http-carrier/callbacks';
import type { InfobipConfig } from './config';

/**
 * Infobip's webhooks (docs/design/http-carriers.md §3): JSON `{results: [...]}`, delivery reports batched
 * (up to 100 a request by default). Infobip signs no per-message webhook, so the route's secret token
 * rides in the URL, plus Basic credentials when the operator configured a BASIC security setting.
 */

/** Most entries read from one callback (Infobip's bucket is 100 by default, configurable). */
const MAX_RESULTS = 1000;

export function verifyInfobipCallback(callback: RouteCallback, config: InfobipConfig): CallbackVerdict {
  const token = callback.query.token;
  if (!token) return { ok: false, reason: 'no token in the callback URL' };
  if (!safeEqual(token, config.callbackToken))
    return { ok: false, reason: 'wrong token in the callback URL' };
  if (config.callbackUsername !== undefined) {
    const auth = header(callback, 'authorization') ?? '';
    const expected = `Basic ${Buffer.from(`${config.callbackUsername}:${config.callbackPassword ?? ''}`).toString('base64')}`;
    if (!safeEqual(auth, expected)) return { ok: false, reason: 'missing or wrong Basic credentials' };
  }
  return { ok: true };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function results(callback: RouteCallback): Json[] {
  const body = jsonBody(callback);
  if (!isObject(body) || !Array.isArray(body.results)) throw badCallback('no results array');
  if (body.results.length > MAX_RESULTS) throw badCallback('too many results');
  return body.results.map((r) => {
    if (!isObject(r)) throw badCallback('a result is not an object');
    return r;
  });
}

/** Status groups (ids from Infobip's status table). */
const GROUP: Record<number, DeliveryReport['status'] | null> = {
  1: null, // PENDING_*
  2: 'undelivered', // UNDELIVERABLE_*
  3: 'delivered', // DELIVERED_* (DELIVERED_TO_OPERATOR handled below)
  4: 'expired', // EXPIRED_*
  5: 'rejected', // REJECTED_*
};
const DELIVERED_TO_OPERATOR = 2;

export function parseInfobipReceipt(callback: RouteCallback, config: InfobipConfig): DeliveryReport[] {
  const seen = new Set<string>();
  const reports: DeliveryReport[] = [];
  for (const result of results(callback)) {
    const ref = requiredString(result.messageId, 'messageId', 200);
    if (!isObject(result.status)) throw badCallback('status is missing');
    const group = Number(result.status.groupId);
    const id = Number(result.status.id);
    const mapped = Object.hasOwn(GROUP, group) ? GROUP[group] : 'unknown';
    let status: DeliveryReport['status'] | null = mapped ?? null;
    if (group === 3 && id === DELIVERED_TO_OPERATOR && !config.operatorDeliveryIsFinal) status = null;
    if (status === null) continue;
    // A batch may repeat a report (Infobip retries whole buckets): one each is enough.
    const key = `${ref}\u0000${status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const error = isObject(result.error) ? result.error : null;
    const errorId =
      error && error.id !== undefined && Number(error.id) !== 0 ? String(error.id).slice(0, 32) : null;
    reports.push({
      routeId: callback.routeId,
      carrierRef: ref,
      status,
      errorCode:
        status === 'delivered' ? null : (errorId ?? (String(result.status.name ?? '').slice(0, 64) || null)),
      raw: JSON.stringify(result).slice(0, 4000),
      at: callback.receivedAt,
    });
  }
  return reports;
}

export function parseInfobipInbound(callback: RouteCallback): InboundSms[] {
  return results(callback).map((result) => ({
    routeId: callback.routeId,
    from: e164(requiredString(result.from, 'from', 32)),
    to: e164(requiredString(result.to, 'to', 32)),
    text: inboundText(result.text),
    at: callback.receivedAt,
  }));
}
