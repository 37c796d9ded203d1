import { createHmac, randomUUID } from 'node:crypto';
import { analyzeText } from '../../src/modules/codec';
import {
  type Answer,
  basicAuth,
  callBack,
  type FakeServer,
  HTML_PAGE,
  mediaType,
  startFakeServer,
} from './base';

/**
 * A fake of Plivo's Message API (docs/design/http-carriers.md §4): `POST /v1/Account/{auth_id}/Message/`
 * with Basic auth (Auth ID, Auth Token) and JSON `{src | powerpack_uuid, dst, text, type, url, method}`;
 * `202 {api_id, message, message_uuid: [...]}`; errors `{api_id, error: "<sentence>"}`; status callbacks and
 * inbound messages form-encoded, signed with `X-Plivo-Signature-V3` (and V2) and their nonces.
 *
 * Besides the shared number endings (base.ts): `…0410` gets an `undelivered` callback, `…0403` is accepted
 * and then `failed` (Plivo refuses such messages after queueing them).
 */

export const PLIVO_TEST_ACCOUNT = { authId: 'MAFAKEPLIVO000000001', authToken: 'fake-plivo-auth-token-0001' };

type Signature = 'good' | 'bad' | 'none';

export interface PlivoSent {
  uuid: string;
  src: string | null;
  powerpackUuid: string | null;
  dst: string;
  text: string;
  url: string | null;
  method: string;
  units: number;
}

export interface FakePlivo extends FakeServer {
  authId: string;
  authToken: string;
  sent: PlivoSent[];
  statusCallback(
    uuid: string,
    status: string,
    options?: { errorCode?: string; signature?: Signature; url?: string },
  ): Promise<{ status: number; body: string }>;
  inbound(
    url: string,
    message: { from: string; to: string; text: string },
    options?: { signature?: Signature },
  ): Promise<{ status: number; body: string }>;
}

/** Plivo's V3 signing, written here from Plivo's description (not the adapter's code). */
function signV3(token: string, url: string, params: Record<string, string>, nonce: string): string {
  const [path, query = ''] = url.split('?') as [string, string?];
  const q = Array.from(new URLSearchParams(query))
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const body = Object.keys(params)
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  const base =
    Object.keys(params).length === 0 ? (q ? `${path}?${q}` : path) : `${path}?${q}${q ? '.' : ''}${body}`;
  return createHmac('sha256', token).update(`${base}.${nonce}`).digest('base64');
}

const err = (status: number, error: string, headers?: Record<string, string>): Answer => ({
  status,
  headers,
  body: { api_id: randomUUID(), error },
});
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startFakePlivo(
  options: {
    port?: number;
    slowMs?: number;
    authId?: string;
    authToken?: string;
    autoReceiptMs?: number;
  } = {},
): Promise<FakePlivo> {
  const authId = options.authId ?? PLIVO_TEST_ACCOUNT.authId;
  const authToken = options.authToken ?? PLIVO_TEST_ACCOUNT.authToken;
  const sent: PlivoSent[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let sequence = 0;

  const server = await startFakeServer({
    port: options.port,
    control(name, body) {
      if (name === 'status')
        return fake
          .statusCallback(String(body.uuid), String(body.status ?? 'delivered'), {
            errorCode: body.errorCode === undefined ? undefined : String(body.errorCode),
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
      const path = request.url.split('?')[0]!;
      const match = /^\/v1\/Account\/([^/]+)\/Message\/$/.exec(path);
      if (!match) return err(404, 'not found');
      if (request.method !== 'POST') return err(405, 'method not allowed');
      const auth = basicAuth(request.headers);
      if (!auth || auth.user !== authId || auth.password !== authToken || match[1] !== authId)
        return err(401, 'authentication failed');
      if (mediaType(request.headers) !== 'application/json')
        return err(400, 'content type must be application/json');
      let body: unknown;
      try {
        body = JSON.parse(request.body);
      } catch {
        return err(400, 'invalid json data');
      }
      if (!isObject(body)) return err(400, 'invalid json data');
      const src = typeof body.src === 'string' ? body.src : null;
      const powerpack = typeof body.powerpack_uuid === 'string' ? body.powerpack_uuid : null;
      if (!src && !powerpack) return err(400, 'src parameter not present');
      if (src && powerpack) return err(400, 'both src and powerpack_uuid cannot be specified');
      if (src && !/^\+?\d{3,15}$/.test(src) && !/^[A-Za-z0-9]{1,11}$/.test(src))
        return err(400, 'invalid src parameter');
      const dst = body.dst;
      if (typeof dst !== 'string' || dst === '') return err(400, 'dst parameter not present');
      const text = body.text;
      if (typeof text !== 'string' || text === '') return err(400, 'text parameter not present');
      if (text.length > 1600) return err(400, 'text exceeds the 1600 character limit');
      const url = typeof body.url === 'string' ? body.url : null;
      if (url !== null && !URL.canParse(url)) return err(400, 'invalid url parameter');
      const method = typeof body.method === 'string' ? body.method : 'POST';
      if (!['GET', 'POST'].includes(method)) return err(400, 'invalid method parameter');
      if (!/^\+?\d{7,15}$/.test(dst)) return err(400, 'invalid dst parameter');
      const how = behaviour(dst);
      if (how === 'bad_number') return err(400, 'invalid dst parameter: not a valid phone number');
      if (how === 'throttle') return err(429, 'too many requests', { 'retry-after': '7' });
      if (how === 'server_error') return err(500, 'internal server error');
      if (how === 'html') return { status: 200, headers: { 'content-type': 'text/html' }, body: HTML_PAGE };
      if (how === 'empty') return { status: 202, body: '' };
      const message: PlivoSent = {
        uuid: randomUUID(),
        src,
        powerpackUuid: powerpack,
        dst,
        text,
        url,
        method,
        units: analyzeText(text).segments,
      };
      sent.push(message);
      if (options.autoReceiptMs !== undefined && url) {
        const final = dst.endsWith('0410') ? 'undelivered' : how === 'refused' ? 'failed' : 'delivered';
        const timer = setTimeout(async () => {
          timers.delete(timer);
          await fake.statusCallback(message.uuid, 'sent').catch(() => undefined);
          await fake
            .statusCallback(
              message.uuid,
              final,
              final === 'delivered' ? {} : { errorCode: final === 'failed' ? '30' : '20' },
            )
            .catch(() => undefined);
        }, options.autoReceiptMs);
        timers.add(timer);
      }
      return {
        status: 202,
        delayMs: how === 'slow' ? (options.slowMs ?? 15_000) : 0,
        body: { api_id: randomUUID(), message: 'message(s) queued', message_uuid: [message.uuid] },
      };
    },
  });

  async function post(url: string, params: Record<string, string>, signature: Signature) {
    const nonce = String(Math.floor(Math.random() * 1e20));
    const token = signature === 'bad' ? `${authToken}x` : authToken;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (signature !== 'none') {
      headers['x-plivo-signature-v3'] = signV3(token, url, params, nonce);
      headers['x-plivo-signature-v3-nonce'] = nonce;
      headers['x-plivo-signature-v2'] = createHmac('sha256', token)
        .update(url.split('?')[0]! + nonce)
        .digest('base64');
      headers['x-plivo-signature-v2-nonce'] = nonce;
    }
    return callBack(url, { headers, body: new URLSearchParams(params).toString() });
  }

  const now = () => new Date().toISOString().slice(0, 19).replace('T', ' ');
  const fake: FakePlivo = {
    ...server,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
    authId,
    authToken,
    sent,
    statusCallback(uuid, status, opts = {}) {
      const message = sent.find((m) => m.uuid === uuid);
      const url = opts.url ?? message?.url;
      if (!message || !url) throw new Error(`no message ${uuid} with a url`);
      sequence++;
      const params: Record<string, string> = {
        From: message.src ?? '',
        MessageUUID: uuid,
        ParentMessageUUID: uuid,
        PartInfo: '1 of 1',
        To: message.dst,
        Type: 'sms',
        Status: status,
        Units: String(message.units),
        TotalRate: '0.0035',
        TotalAmount: (0.0035 * message.units).toFixed(4),
        MCC: '247',
        MNC: '01',
        Sequence: String(sequence),
        MessageTime: now(),
        QueuedTime: now(),
        SentTime: now(),
        DeliveryReportTime: now(),
      };
      if (opts.errorCode) params.ErrorCode = opts.errorCode;
      return post(url, params, opts.signature ?? 'good');
    },
    inbound(url, message, opts = {}) {
      return post(
        url,
        {
          From: message.from.replace(/^\+/, ''),
          To: message.to.replace(/^\+/, ''),
          Type: 'sms',
          Text: message.text,
          MessageUUID: randomUUID(),
          Units: String(analyzeText(message.text).segments),
          TotalRate: '0',
          TotalAmount: '0',
          MessageIntent: '',
          PowerpackUUID: '',
        },
        opts.signature ?? 'good',
      );
    },
  };
  return fake;
}
