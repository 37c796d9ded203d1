import { createHash, createHmac } from 'node:crypto';
import type { CallbackVerdict, DeliveryReport, InboundSms, RouteCallback } from '../../modules/dispatch';
import {
  badCallback,
  e164,
  formPairs,
  header,
  inboundText,
  jsonBody,
  optionalString,
  requiredString,
  safeEqual,
} from '../http-carrier/callbacks';
import type { VonageConfig } from './config';

/**
 * Vonage's delivery receipts and inbound messages (docs/design/http-carriers.md §2): GET with a query, POST
 * form or POST JSON (the account's "webhook format"), optionally signed (`sig`, `timestamp`, `nonce`).
 */

/** A signed webhook older (or newer) than this is refused as a replay. */
const MAX_SKEW_MS = 5 * 60_000;

/** The callback's parameters as Vonage sent them, whichever of the three formats. */
export function vonageParams(callback: RouteCallback): Record<string, string> {
  const contentType = String(header(callback, 'content-type') ?? '').toLowerCase();
  const out: Record<string, string> = {};
  if (callback.method === 'POST' && contentType.startsWith('application/json')) {
    const json = jsonBody(callback);
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw badCallback('the body is not an object');
    const entries = Object.entries(json);
    if (entries.length > 200) throw badCallback('too many parameters');
    for (const [k, v] of entries)
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    return out;
  }
  for (const [k, v] of formPairs(callback)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/** Vonage's signature of a set of parameters (as its SDK computes it), in lower-case hex. */
export function vonageSignature(
  params: Record<string, string>,
  secret: string,
  method: VonageConfig['signatureMethod'],
): string {
  let signed = '';
  for (const key of Object.keys(params).sort()) {
    if (key === 'sig') continue;
    signed += `&${key}=${params[key]!.replace(/[&=]/g, '_')}`;
  }
  if (method === 'md5hash')
    return createHash('md5')
      .update(signed + secret)
      .digest('hex');
  return createHmac(method, secret).update(signed).digest('hex');
}

export function verifyVonageCallback(callback: RouteCallback, config: VonageConfig): CallbackVerdict {
  const token = callback.query.token;
  if (!token) return { ok: false, reason: 'no token in the callback URL' };
  if (!safeEqual(token, config.callbackToken))
    return { ok: false, reason: 'wrong token in the callback URL' };
  if (!config.signatureSecret) return { ok: true };
  let params: Record<string, string>;
  try {
    params = vonageParams(callback);
  } catch {
    return { ok: false, reason: 'unreadable body' };
  }
  const sig = params.sig;
  if (!sig) return { ok: false, reason: 'no sig parameter (signed webhooks are required)' };
  const timestamp = Number(params.timestamp);
  if (!Number.isFinite(timestamp) || Math.abs(callback.receivedAt - timestamp * 1000) > MAX_SKEW_MS)
    return { ok: false, reason: 'timestamp missing or more than 5 minutes off' };
  // On a GET the route's own token shares the query with Vonage's parameters: signed with or without it.
  const { token: _token, ...withoutToken } = params;
  for (const candidate of [params, withoutToken])
    if (
      safeEqual(vonageSignature(candidate, config.signatureSecret, config.signatureMethod), sig.toLowerCase())
    )
      return { ok: true };
  return { ok: false, reason: 'sig does not match' };
}

const STATUS: Record<string, DeliveryReport['status'] | null> = {
  accepted: null,
  buffered: null,
  delivered: 'delivered',
  expired: 'expired',
  failed: 'undelivered',
  rejected: 'rejected',
  unknown: 'unknown',
};

export function parseVonageReceipt(callback: RouteCallback): DeliveryReport[] {
  const p = vonageParams(callback);
  const ref = requiredString(p.messageId, 'messageId', 100);
  const raw = requiredString(p.status, 'status', 32).toLowerCase();
  const status = Object.hasOwn(STATUS, raw) ? STATUS[raw]! : 'unknown';
  if (status === null) return [];
  const err = optionalString(p['err-code'], 16);
  return [
    {
      routeId: callback.routeId,
      carrierRef: ref,
      status,
      errorCode: status === 'delivered' || err === '0' ? null : err,
      raw: JSON.stringify(p).slice(0, 4000),
      at: callback.receivedAt,
    },
  ];
}

/**
 * Parts of long inbound messages waiting for the rest, in this process: Vonage sends each part alone
 * (`concat-ref`, `concat-total`, `concat-part`). Bounded in number and age.
 */
const MAX_GROUPS = 5000;
const GROUP_TTL_MS = 24 * 3_600_000;
const groups = new Map<string, { at: number; total: number; parts: Map<number, string> }>();

export function parseVonageInbound(callback: RouteCallback): InboundSms[] {
  const p = vonageParams(callback);
  const from = e164(requiredString(p.msisdn, 'msisdn', 32));
  const to = e164(requiredString(p.to, 'to', 32));
  const text = inboundText(p.text);
  if (p.concat !== 'true') return [{ routeId: callback.routeId, from, to, text, at: callback.receivedAt }];
  const total = Number(p['concat-total']);
  const part = Number(p['concat-part']);
  const ref = requiredString(p['concat-ref'], 'concat-ref', 32);
  if (
    !Number.isInteger(total) ||
    total < 1 ||
    total > 255 ||
    !Number.isInteger(part) ||
    part < 1 ||
    part > total
  )
    throw badCallback('concat-total or concat-part out of range');
  for (const [key, group] of groups) if (callback.receivedAt - group.at > GROUP_TTL_MS) groups.delete(key);
  const key = `${callback.routeId}\u0000${from}\u0000${to}\u0000${ref}`;
  let group = groups.get(key);
  if (!group) {
    if (groups.size >= MAX_GROUPS) groups.delete(groups.keys().next().value!);
    group = { at: callback.receivedAt, total, parts: new Map() };
    groups.set(key, group);
  }
  group.parts.set(part, text);
  if (group.parts.size < group.total) return [];
  groups.delete(key);
  const whole = Array.from({ length: group.total }, (_, i) => group.parts.get(i + 1) ?? '').join('');
  return [{ routeId: callback.routeId, from, to, text: whole, at: callback.receivedAt }];
}
