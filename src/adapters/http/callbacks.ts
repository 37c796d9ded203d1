import { createHash, timingSafeEqual } from 'node:crypto';
import type { CallbackVerdict, RouteCallback } from '../../modules/dispatch';
import type { DeliveryReport, InboundSms } from '../../modules/route-port';
import type { HttpRouteConfig } from './config';
import { type FieldSource, parseField, scalarText, valueAt } from './paths';

/** Longest value a callback field may hold (a text of 10 parts and then some). */
const FIELD_MAX = 4_000;

/** Equal strings, compared in constant time (hashes first, so lengths leak nothing either). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function header(callback: RouteCallback, name: string): string {
  const value = callback.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * The route's secret token must be in the callback URL's query (`?token=…`); when the route sets a
 * callback user, HTTP Basic auth must match it too.
 */
export function verifyHttpCallback(callback: RouteCallback, config: HttpRouteConfig): CallbackVerdict {
  const token = callback.query.token;
  if (!token) return { ok: false, reason: 'no token in the callback URL' };
  if (!same(token, config.callbackToken)) return { ok: false, reason: 'wrong token' };
  if (config.callbackUsername !== undefined) {
    const auth = /^Basic\s+(\S+)$/i.exec(header(callback, 'authorization'));
    if (!auth) return { ok: false, reason: 'no Basic authorization' };
    const expected = `${config.callbackUsername}:${config.callbackPassword ?? ''}`;
    if (!same(Buffer.from(auth[1]!, 'base64').toString('utf8'), expected))
      return { ok: false, reason: 'wrong Basic credentials' };
  }
  return { ok: true };
}

/** Reads fields of one callback, parsing its body (form or JSON) once, on first need. */
function fieldReader(callback: RouteCallback) {
  let form: URLSearchParams | null = null;
  let json: { value: unknown } | null = null;
  return (spec: string | undefined): string | null => {
    if (spec === undefined) return null;
    const source = parseField(spec) as FieldSource;
    let value: string | null;
    if (source.from !== 'json') {
      if (source.from === 'query') value = callback.query[source.name] ?? null;
      else {
        form ??= new URLSearchParams(callback.body);
        value = form.get(source.name);
      }
    } else {
      if (!json) {
        try {
          json = { value: JSON.parse(callback.body) };
        } catch {
          throw new Error(`the callback body is not JSON (${spec} was asked for)`);
        }
      }
      value = scalarText(valueAt(json.value, source.path));
    }
    if (value !== null && value.length > FIELD_MAX) throw new Error(`${spec} is longer than ${FIELD_MAX}`);
    return value;
  };
}

/** The receipt in a delivery callback; none for an intermediate or unmapped status. Throws on a bad body. */
export function parseHttpReceipt(callback: RouteCallback, config: HttpRouteConfig): DeliveryReport[] {
  const mapping = config.dlr;
  if (!mapping) throw new Error('the route has no delivery report mapping');
  const read = fieldReader(callback);
  const ref = read(mapping.ref);
  if (!ref) throw new Error(`no reference in ${mapping.ref}`);
  const carrierStatus = read(mapping.status);
  if (carrierStatus === null) throw new Error(`no status in ${mapping.status}`);
  const status = Object.hasOwn(mapping.statusMap, carrierStatus) ? mapping.statusMap[carrierStatus] : null;
  if (!status) return [];
  let errorCode = read(mapping.errorCode);
  if (errorCode !== null && mapping.errorRegex)
    errorCode = new RegExp(mapping.errorRegex).exec(errorCode)?.[1] ?? null;
  const raw = callback.method === 'GET' ? callback.url.slice(callback.url.indexOf('?') + 1) : callback.body;
  return [
    {
      routeId: callback.routeId,
      carrierRef: ref,
      status,
      errorCode: errorCode || null,
      raw: raw.replace(/(^|&)token=[^&]*/, '$1token=***'),
      at: callback.receivedAt,
    },
  ];
}

/** The message in an inbound callback. Throws on a bad body. */
export function parseHttpInbound(callback: RouteCallback, config: HttpRouteConfig): InboundSms[] {
  const mapping = config.inbound;
  if (!mapping) throw new Error('the route has no inbound mapping');
  const read = fieldReader(callback);
  const from = read(mapping.from);
  const to = read(mapping.to) ?? mapping.toNumber ?? null;
  const text = read(mapping.text);
  if (!from) throw new Error(`no sender in ${mapping.from}`);
  if (!to) throw new Error('no recipient number (set inbound.to or inbound.toNumber)');
  if (text === null) throw new Error(`no text in ${mapping.text}`);
  const plus = (n: string) => (/^\d{6,15}$/.test(n) ? `+${n}` : n);
  return [{ routeId: callback.routeId, from: plus(from), to: plus(to), text, at: callback.receivedAt }];
}
