import { createPrivateKey, createPublicKey, type KeyObject, randomUUID, sign } from 'node:crypto';
import { analyzeText } from '../../src/modules/codec';
import { type Answer, callBack, type FakeServer, HTML_PAGE, mediaType, startFakeServer } from './base';

/**
 * A fake of Telnyx's Messaging API v2 (docs/design/http-carriers.md §5): `POST /v2/messages` with
 * `Authorization: Bearer <key>` and JSON `{from, to, text, messaging_profile_id, webhook_url}`; errors as
 * `{errors: [{code, title, detail, source: {pointer}}]}`; events (`message.sent`, `message.finalized`,
 * `message.received`) posted as JSON and signed with Ed25519 over `timestamp|body` with a fixed test
 * key pair (its public key, base64, goes into the route's config and survives restarts).
 *
 * Besides the shared number endings (base.ts): `…0410` gets a `delivery_failed` event.
 */

export const TELNYX_TEST_ACCOUNT = { apiKey: 'KEYfaketelnyx0000000000000000001' };

type Signature = 'good' | 'bad' | 'none' | 'stale';

export interface TelnyxSent {
  id: string;
  from: string;
  to: string;
  text: string;
  webhookUrl: string | null;
  messagingProfileId: string | null;
  parts: number;
}

export interface FakeTelnyx extends FakeServer {
  apiKey: string;
  /** The webhook public key, base64 of the raw 32 bytes (as Mission Control shows it). */
  publicKey: string;
  sent: TelnyxSent[];
  /** Posts a `message.sent`/`message.finalized` event for a message to its webhook URL. */
  event(
    id: string,
    status: string,
    options?: { signature?: Signature; errorCode?: string; url?: string },
  ): Promise<{ status: number; body: string; headers: Record<string, string>; payload: string }>;
  /** Posts a `message.received` event to `url`. */
  inbound(
    url: string,
    message: { from: string; to: string; text: string },
    options?: { signature?: Signature },
  ): Promise<{ status: number; body: string; headers: Record<string, string>; payload: string }>;
}

function error(
  status: number,
  code: string,
  title: string,
  detail: string,
  pointer?: string,
  headers?: Record<string, string>,
): Answer {
  return {
    status,
    headers,
    body: {
      errors: [
        {
          code,
          title,
          detail,
          ...(pointer ? { source: { pointer } } : {}),
          meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` },
        },
      ],
    },
  };
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** An Ed25519 key pair from a 32-byte seed (PKCS#8 DER: a fixed prefix, then the seed). */
function keyPair(seed: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.from(seed, 'utf8').subarray(0, 32),
  ]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startFakeTelnyx(
  options: {
    port?: number;
    slowMs?: number;
    apiKey?: string;
    autoReceiptMs?: number;
    /** 32 characters: the seed of the fake's Ed25519 signing key. */
    keySeed?: string;
  } = {},
): Promise<FakeTelnyx> {
  const apiKey = options.apiKey ?? TELNYX_TEST_ACCOUNT.apiKey;
  // Fixed test keys, so the public key in a route's config stays right across restarts of the fake.
  const keys = keyPair(options.keySeed ?? 'fake-telnyx-webhook-signing-key1');
  const other = keyPair('some-other-key-that-telnyx-lacks');
  const publicKey = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer)
    .subarray(12)
    .toString('base64');
  const sent: TelnyxSent[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const record = (m: TelnyxSent, status: string, direction: 'outbound' | 'inbound', errorCode?: string) => ({
    record_type: 'message',
    direction,
    id: m.id,
    type: 'SMS',
    messaging_profile_id: m.messagingProfileId,
    from: { phone_number: m.from, carrier: 'Telnyx', line_type: 'Wireless' },
    to: [{ phone_number: m.to, status, carrier: 'LMT', line_type: 'Wireless' }],
    text: m.text,
    encoding: analyzeText(m.text).encoding,
    parts: m.parts,
    cost: { amount: '0.0040', currency: 'USD' },
    webhook_url: m.webhookUrl,
    errors: errorCode
      ? [{ code: errorCode, title: 'Delivery failed', detail: 'The carrier did not deliver it.' }]
      : [],
  });

  const server = await startFakeServer({
    port: options.port,
    control(name, body) {
      if (name === 'status')
        return fake
          .event(String(body.id), String(body.status ?? 'delivered'), {
            signature: body.signature as Signature | undefined,
          })
          .then((r) => ({ status: 200, body: { answered: r.status } }));
      if (name === 'inbound')
        return fake
          .inbound(String(body.url), {
            from: String(body.from),
            to: String(body.to),
            text: String(body.text ?? ''),
          })
          .then((r) => ({ status: 200, body: { answered: r.status } }));
      return null;
    },
    handle({ request, behaviour }) {
      if (request.url.split('?')[0] !== '/v2/messages')
        return error(404, '10005', 'Resource not found', 'No such path.');
      if (request.method !== 'POST') return error(405, '10015', 'Bad Request', 'Method not allowed.');
      if (request.headers.authorization !== `Bearer ${apiKey}`)
        return error(401, '10009', 'Authentication failed', 'The API key is missing or wrong.');
      if (mediaType(request.headers) !== 'application/json')
        return error(400, '10015', 'Bad Request', 'The request body must be JSON.');
      let body: unknown;
      try {
        body = JSON.parse(request.body);
      } catch {
        return error(400, '10015', 'Bad Request', 'The request body is not valid JSON.');
      }
      if (!isObject(body)) return error(400, '10015', 'Bad Request', 'The request body must be an object.');
      const { from, to, text } = body;
      if (typeof to !== 'string' || to === '')
        return error(400, '10004', 'Missing required parameter', "The 'to' parameter is required.", '/to');
      if (typeof from !== 'string' || from === '')
        return error(
          400,
          '10004',
          'Missing required parameter',
          "The 'from' parameter is required.",
          '/from',
        );
      if (typeof text !== 'string' || text === '')
        return error(
          400,
          '10004',
          'Missing required parameter',
          "The 'text' parameter is required.",
          '/text',
        );
      if (!E164.test(to))
        return error(400, '10016', 'Phone number must be in +E.164 format', `'${to}' is not +E.164.`, '/to');
      const profile = typeof body.messaging_profile_id === 'string' ? body.messaging_profile_id : null;
      if (!E164.test(from) && !(profile && /^[A-Za-z0-9 ]{1,11}$/.test(from)))
        return error(
          400,
          '10002',
          'Invalid phone number',
          'An alphanumeric sender needs a messaging_profile_id.',
          '/from',
        );
      const webhookUrl = typeof body.webhook_url === 'string' ? body.webhook_url : null;
      if (webhookUrl !== null && !URL.canParse(webhookUrl))
        return error(400, '10003', 'Invalid URL', 'webhook_url is not a URL.', '/webhook_url');
      const how = behaviour(to);
      if (how === 'bad_number')
        return error(400, '10002', 'Invalid phone number', `'${to}' is not a valid number.`, '/to');
      if (how === 'refused')
        return error(400, '40300', 'Blocked due to STOP message', 'The recipient opted out.', '/to');
      if (how === 'throttle')
        return error(429, '10011', 'Too many requests', 'Slow down.', undefined, { 'retry-after': '7' });
      if (how === 'server_error')
        return error(500, '10007', 'Unexpected error', 'An unexpected error occurred.');
      if (how === 'html') return { status: 200, headers: { 'content-type': 'text/html' }, body: HTML_PAGE };
      if (how === 'empty') return { status: 200, body: '' };
      const message: TelnyxSent = {
        id: randomUUID(),
        from,
        to,
        text,
        webhookUrl,
        messagingProfileId: profile,
        parts: analyzeText(text).segments,
      };
      sent.push(message);
      if (options.autoReceiptMs !== undefined && webhookUrl) {
        const final = to.endsWith('0410') ? 'delivery_failed' : 'delivered';
        const timer = setTimeout(async () => {
          timers.delete(timer);
          await fake.event(message.id, 'sent').catch(() => undefined);
          await fake
            .event(message.id, final, final === 'delivered' ? {} : { errorCode: '40002' })
            .catch(() => undefined);
        }, options.autoReceiptMs);
        timers.add(timer);
      }
      return {
        status: 200,
        delayMs: how === 'slow' ? (options.slowMs ?? 15_000) : 0,
        body: { data: record(message, 'queued', 'outbound') },
      };
    },
  });

  async function post(url: string, event: object, signature: Signature) {
    const payload = JSON.stringify(event);
    const timestamp = String(Math.floor(Date.now() / 1000) - (signature === 'stale' ? 600 : 0));
    const key: KeyObject = signature === 'bad' ? other.privateKey : keys.privateKey;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== 'none') {
      headers['telnyx-timestamp'] = timestamp;
      headers['telnyx-signature-ed25519'] = sign(null, Buffer.from(`${timestamp}|${payload}`), key).toString(
        'base64',
      );
    }
    const answer = await callBack(url, { headers, body: payload });
    return { ...answer, headers, payload };
  }

  const envelope = (eventType: string, payload: object, url: string) => ({
    data: {
      event_type: eventType,
      id: randomUUID(),
      occurred_at: new Date().toISOString(),
      payload,
      record_type: 'event',
    },
    meta: { attempt: 1, delivered_to: url },
  });

  const fake: FakeTelnyx = {
    ...server,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
    apiKey,
    publicKey,
    sent,
    event(id, status, opts = {}) {
      const message = sent.find((m) => m.id === id);
      const url = opts.url ?? message?.webhookUrl;
      if (!message || !url) throw new Error(`no message ${id} with a webhook_url`);
      const type = ['queued', 'sending', 'sent'].includes(status) ? 'message.sent' : 'message.finalized';
      return post(
        url,
        envelope(type, record(message, status, 'outbound', opts.errorCode), url),
        opts.signature ?? 'good',
      );
    },
    inbound(url, m, opts = {}) {
      const message: TelnyxSent = {
        id: randomUUID(),
        from: m.from,
        to: m.to,
        text: m.text,
        webhookUrl: url,
        messagingProfileId: null,
        parts: analyzeText(m.text).segments,
      };
      return post(
        url,
        envelope('message.received', record(message, 'delivered', 'inbound'), url),
        opts.signature ?? 'good',
      );
    },
  };
  return fake;
}
