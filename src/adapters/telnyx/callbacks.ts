import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { CallbackVerdict, DeliveryReport, InboundSms, RouteCallback } from '../../modules/dispatch';
import {
  badCallback,
  e164,
  header,
  inboundText,
  jsonBody,
  optionalString,
  requiredString,
} from '../http-carrier/callbacks';
import type { TelnyxConfig } from './config';

/**
 * Telnyx's webhooks (docs/design/http-carriers.md §5): JSON events signed with Ed25519 over
 * `timestamp|raw body`, checked with the account's public key; older than 5 minutes is a replay.
 */

const TOLERANCE_S = 300;
/** A raw 32-byte Ed25519 key becomes a KeyObject once wrapped as SPKI DER. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map<string, KeyObject>();

function publicKey(base64: string): KeyObject {
  let key = keys.get(base64);
  if (!key) {
    key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, Buffer.from(base64, 'base64')]),
      format: 'der',
      type: 'spki',
    });
    if (keys.size > 100) keys.clear();
    keys.set(base64, key);
  }
  return key;
}

export function verifyTelnyxCallback(callback: RouteCallback, config: TelnyxConfig): CallbackVerdict {
  const signature = header(callback, 'telnyx-signature-ed25519');
  const timestamp = header(callback, 'telnyx-timestamp');
  if (!signature || !timestamp)
    return { ok: false, reason: 'no telnyx-signature-ed25519 or telnyx-timestamp header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'telnyx-timestamp is not a number' };
  if (Math.abs(callback.receivedAt / 1000 - Number(timestamp)) > TOLERANCE_S)
    return { ok: false, reason: 'telnyx-timestamp is more than 5 minutes off' };
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64) return { ok: false, reason: 'the signature is not 64 bytes' };
  const signed = Buffer.from(`${timestamp}|${callback.body}`, 'utf8');
  // Ed25519 verification compares no secret: its time does not depend on how close a forgery is.
  return verify(null, signed, publicKey(config.publicKey), bytes)
    ? { ok: true }
    : { ok: false, reason: 'the Ed25519 signature does not match' };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function event(callback: RouteCallback): { type: string; payload: Json } {
  const body = jsonBody(callback);
  const data = isObject(body) && isObject(body.data) ? body.data : null;
  if (!data) throw badCallback('no data object');
  const type = requiredString(data.event_type, 'data.event_type', 64);
  if (!isObject(data.payload)) throw badCallback('no data.payload object');
  return { type, payload: data.payload };
}

const STATUS: Record<string, DeliveryReport['status'] | null> = {
  queued: null,
  sending: null,
  sent: null,
  delivered: 'delivered',
  delivery_failed: 'undelivered',
  sending_failed: 'rejected',
  expired: 'expired',
  delivery_unconfirmed: 'unknown',
};

export function parseTelnyxReceipt(callback: RouteCallback): DeliveryReport[] {
  const { type, payload } = event(callback);
  if (type !== 'message.sent' && type !== 'message.finalized') return [];
  const ref = requiredString(payload.id, 'data.payload.id', 100);
  const to = Array.isArray(payload.to) ? payload.to.find(isObject) : undefined;
  const raw = requiredString(to?.status, 'data.payload.to[0].status', 64);
  const status = Object.hasOwn(STATUS, raw) ? STATUS[raw]! : 'unknown';
  if (status === null) return [];
  const error = Array.isArray(payload.errors) ? payload.errors.find(isObject) : undefined;
  return [
    {
      routeId: callback.routeId,
      carrierRef: ref,
      status,
      errorCode: status === 'delivered' ? null : optionalString(error?.code, 16),
      raw: callback.body.slice(0, 4000),
      at: callback.receivedAt,
    },
  ];
}

export function parseTelnyxInbound(callback: RouteCallback): InboundSms[] {
  const { type, payload } = event(callback);
  if (type !== 'message.received') return [];
  const from = isObject(payload.from) ? payload.from.phone_number : undefined;
  const to = Array.isArray(payload.to) ? payload.to.find(isObject)?.phone_number : undefined;
  return [
    {
      routeId: callback.routeId,
      from: e164(requiredString(from, 'data.payload.from.phone_number', 32)),
      to: e164(requiredString(to, 'data.payload.to[0].phone_number', 32)),
      text: inboundText(payload.text),
      at: callback.receivedAt,
    },
  ];
}
