import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of webhook signing secrets (Standard Webhooks). */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/**
 * The `webhook-signature` value for one message (Standard Webhooks): `v1,` + base64 of
 * HMAC-SHA256(key, `${id}.${timestamp}.${body}`), where the key is the base64-decoded part of the
 * secret after `whsec_`. `timestamp` is in Unix seconds.
 */
export function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  const mac = createHmac('sha256', keyOf(secret));
  mac.update(`${id}.${timestamp}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies a received webhook: `webhook-id`, `webhook-timestamp` and `webhook-signature` headers against
 * the raw body. The timestamp must be within `toleranceSeconds` of `nowMs` (replay protection); the
 * signature header may list several space-separated signatures (during a secret rotation), one valid
 * `v1` signature is enough. Comparison is constant-time.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: HeaderBag,
  body: string | Uint8Array,
  toleranceSeconds: number,
  nowMs: number,
): boolean {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, id, seconds, body));
  return signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
