import { createHash, createHmac } from 'node:crypto';
import { analyzeText } from '../../src/modules/codec';
import { type Answer, callBack, type FakeServer, HTML_PAGE, hex, mediaType, startFakeServer } from './base';

/**
 * A fake of Vonage's SMS API (docs/design/http-carriers.md §2): `POST /sms/json`, form-encoded, with
 * `api_key` and `api_secret` in the body; always HTTP 200 with one entry per part, each with its own
 * `status` and `message-id`; delivery receipts per part and inbound messages in the account's webhook
 * format (GET query, POST form or POST JSON), signed with `sig` when a signature secret is set.
 *
 * Besides the shared number endings (base.ts): `…0401` answers status 1 (throttled) in the body, `…0410`
 * gets a `failed` receipt. `…0400` is status 6 (invalid message: unknown prefix), `…0403` status 29
 * (destination not whitelisted), `…0500` status 5 (internal error).
 */

export const VONAGE_TEST_ACCOUNT = {
  apiKey: 'fakekey1',
  apiSecret: 'fake-secret-1',
  signatureSecret: 'fake-signature-secret-1',
};

export type VonageFormat = 'GET' | 'POST' | 'POST-JSON';
export type VonageSigning = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';
type Signature = 'good' | 'bad' | 'none';

export interface VonageSent {
  to: string;
  from: string;
  text: string;
  type: string;
  callback: string | null;
  clientRef: string | null;
  ttl: string | null;
  parts: string[];
}

export interface FakeVonage extends FakeServer {
  apiKey: string;
  apiSecret: string;
  signatureSecret: string;
  sent: VonageSent[];
  /** Posts a receipt for one part (by its message-id) to the message's callback. */
  receipt(
    messageId: string,
    status: string,
    options?: { errCode?: string; signature?: Signature; format?: VonageFormat; url?: string },
  ): Promise<{ status: number; body: string }>;
  /** Sends an inbound message to `url`: in parts of `partLength` characters when given (as Vonage does). */
  inbound(
    url: string,
    message: { from: string; to: string; text: string },
    options?: { signature?: Signature; format?: VonageFormat; partLength?: number },
  ): Promise<Array<{ status: number; body: string }>>;
}

/** Vonage's webhook signature, written here on its own (not the adapter's). */
function sign(params: Record<string, string>, secret: string, method: VonageSigning): string {
  const query = Object.keys(params)
    .sort()
    .map((k) => `&${k}=${params[k]!.replace(/&/g, '_').replace(/=/g, '_')}`)
    .join('');
  const hash =
    method === 'md5hash'
      ? createHash('md5').update(`${query}${secret}`, 'utf8').digest('hex')
      : createHmac(method, secret).update(query, 'utf8').digest('hex');
  // Vonage's documented example signatures are upper-case hex.
  return hash.toUpperCase();
}

const part = (status: string, errorText: string): Answer => ({
  status: 200,
  body: { 'message-count': '1', messages: [{ status, 'error-text': errorText }] },
});

export async function startFakeVonage(
  options: {
    port?: number;
    slowMs?: number;
    apiKey?: string;
    apiSecret?: string;
    /** The webhook format set on the account (default POST form). */
    format?: VonageFormat;
    signatureSecret?: string;
    signatureMethod?: VonageSigning;
    /** Sign webhooks (off by default, as on a new Vonage account). */
    signed?: boolean;
    autoReceiptMs?: number;
  } = {},
): Promise<FakeVonage> {
  const apiKey = options.apiKey ?? VONAGE_TEST_ACCOUNT.apiKey;
  const apiSecret = options.apiSecret ?? VONAGE_TEST_ACCOUNT.apiSecret;
  const signatureSecret = options.signatureSecret ?? VONAGE_TEST_ACCOUNT.signatureSecret;
  const sent: VonageSent[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = await startFakeServer({
    port: options.port,
    control(name, body) {
      if (name === 'status')
        return fake
          .receipt(String(body.messageId), String(body.status ?? 'delivered'), {
            errCode: body.errCode === undefined ? undefined : String(body.errCode),
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
          .then((r) => ({ status: 200, body: { answered: r.map((x) => x.status) } }));
      return null;
    },
    handle({ request, behaviour }) {
      if (request.url.split('?')[0] !== '/sms/json') return { status: 404, body: { error: 'not found' } };
      if (request.method !== 'POST') return { status: 405, body: { error: 'method not allowed' } };
      const form =
        mediaType(request.headers) === 'application/x-www-form-urlencoded'
          ? new URLSearchParams(request.body)
          : new URLSearchParams();
      const key = form.get('api_key');
      const secret = form.get('api_secret');
      if (!key) return part('2', 'Missing api_key');
      if (!secret) return part('2', 'Missing api_secret');
      if (key !== apiKey || secret !== apiSecret) return part('4', 'Bad Credentials');
      const from = form.get('from');
      const to = form.get('to');
      const text = form.get('text');
      if (!from) return part('2', 'Missing from param');
      if (!to) return part('2', 'Missing to param');
      if (!text) return part('2', 'Missing text param');
      if (!/^\d{7,15}$/.test(to)) return part('3', 'Invalid to address');
      const type = form.get('type') ?? 'text';
      if (!['text', 'unicode', 'binary'].includes(type)) return part('3', 'Invalid type');
      const callback = form.get('callback');
      if (callback !== null && !URL.canParse(callback)) return part('23', 'Invalid Callback Url');
      const clientRef = form.get('client-ref');
      if (clientRef !== null && clientRef.length > 40) return part('3', 'client-ref over 40 characters');
      const ttl = form.get('ttl');
      if (ttl !== null && !(/^\d+$/.test(ttl) && +ttl >= 20_000 && +ttl <= 604_800_000))
        return part('3', 'Invalid ttl');
      if (!/^[A-Za-z0-9 ]{1,11}$/.test(from) && !/^\d{1,15}$/.test(from))
        return part('15', 'Illegal Sender Address - rejected');
      const how = behaviour(to);
      if (how === 'bad_number') return part('6', 'Invalid Message');
      if (how === 'refused') return part('29', 'Non White-listed Destination - rejected');
      if (how === 'server_error') return part('5', 'Internal Error');
      if (to.endsWith('0401')) return part('1', 'Throughput Rate Exceeded - please wait [ 30 ] and retry');
      if (how === 'throttle')
        return { status: 429, headers: { 'retry-after': '7' }, body: { error: 'Too Many Requests' } };
      if (how === 'html') return { status: 200, headers: { 'content-type': 'text/html' }, body: HTML_PAGE };
      if (how === 'empty') return { status: 200, body: '' };
      // type=text with non-GSM characters is accepted and arrives mangled: recorded as sent.
      const count = analyzeText(text).segments;
      const parts = Array.from({ length: count }, () => `${hex(8).toUpperCase()}`);
      sent.push({ to, from, text, type, callback, clientRef, ttl, parts });
      if (options.autoReceiptMs !== undefined && callback)
        for (const id of parts) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            fake
              .receipt(
                id,
                to.endsWith('0410') ? 'failed' : 'delivered',
                to.endsWith('0410') ? { errCode: '2' } : {},
              )
              .catch(() => undefined);
          }, options.autoReceiptMs);
          timers.add(timer);
        }
      return {
        status: 200,
        delayMs: how === 'slow' ? (options.slowMs ?? 15_000) : 0,
        body: {
          'message-count': String(count),
          messages: parts.map((id) => ({
            to,
            'message-id': id,
            status: '0',
            'remaining-balance': '3.14159265',
            'message-price': '0.03330000',
            network: '24701',
            ...(clientRef ? { 'client-ref': clientRef } : {}),
          })),
        },
      };
    },
  });

  async function deliver(
    url: string,
    params: Record<string, string>,
    signature: Signature,
    format: VonageFormat,
  ) {
    const all = { ...params };
    if (options.signed && signature !== 'none') {
      all.timestamp = String(Math.floor(Date.now() / 1000));
      all.nonce = hex(8);
      all.sig = sign(
        all,
        signature === 'good' ? signatureSecret : `${signatureSecret}x`,
        options.signatureMethod ?? 'md5hash',
      );
    } else if (!options.signed && signature === 'bad') {
      const target = new URL(url);
      target.searchParams.set('token', 'not-the-token');
      url = target.toString();
    }
    if (format === 'GET') {
      const target = new URL(url);
      for (const [k, v] of Object.entries(all)) target.searchParams.set(k, v);
      return callBack(target.toString(), { method: 'GET' });
    }
    if (format === 'POST-JSON')
      return callBack(url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(all) });
    return callBack(url, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(all).toString(),
    });
  }

  const timestamp = () => new Date().toISOString().slice(0, 19).replace('T', ' ');
  const fake: FakeVonage = {
    ...server,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
    apiKey,
    apiSecret,
    signatureSecret,
    sent,
    receipt(messageId, status, opts = {}) {
      const message = sent.find((m) => m.parts.includes(messageId));
      const url = opts.url ?? message?.callback;
      if (!message || !url) throw new Error(`no message part ${messageId} with a callback`);
      const params: Record<string, string> = {
        msisdn: message.to,
        to: message.from,
        'network-code': '24701',
        messageId,
        price: '0.03330000',
        status,
        scts: timestamp().replace(/\D/g, '').slice(2, 12),
        'err-code': opts.errCode ?? '0',
        'api-key': apiKey,
        'message-timestamp': timestamp(),
      };
      if (message.clientRef) params['client-ref'] = message.clientRef;
      return deliver(url, params, opts.signature ?? 'good', opts.format ?? options.format ?? 'POST');
    },
    async inbound(url, message, opts = {}) {
      const type = analyzeText(message.text).encoding === 'UCS-2' ? 'unicode' : 'text';
      const chunks =
        opts.partLength && message.text.length > opts.partLength
          ? (message.text.match(new RegExp(`[\\s\\S]{1,${opts.partLength}}`, 'g')) ?? [])
          : [message.text];
      const ref = String(Math.floor(Math.random() * 255));
      const answers: Array<{ status: number; body: string }> = [];
      for (const [i, text] of chunks.entries()) {
        const params: Record<string, string> = {
          msisdn: message.from.replace(/^\+/, ''),
          to: message.to.replace(/^\+/, ''),
          messageId: hex(8).toUpperCase(),
          text,
          type,
          keyword: text.split(/\s/)[0]!.toUpperCase(),
          'api-key': apiKey,
          'message-timestamp': timestamp(),
        };
        if (chunks.length > 1)
          Object.assign(params, {
            concat: 'true',
            'concat-ref': ref,
            'concat-total': String(chunks.length),
            'concat-part': String(i + 1),
          });
        answers.push(
          await deliver(url, params, opts.signature ?? 'good', opts.format ?? options.format ?? 'POST'),
        );
      }
      return answers;
    },
  };
  return fake;
}
