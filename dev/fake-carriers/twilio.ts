import { createHmac } from 'node:crypto';
import { analyzeText } from '../../src/modules/codec';
import {
  type Answer,
  basicAuth,
  callBack,
  type FakeServer,
  HTML_PAGE,
  hex,
  mediaType,
  startFakeServer,
} from './base';

/**
 * A fake of Twilio's Messages API (docs/design/http-carriers.md §1): `POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json`, Basic auth with the Account SID and auth token, form
 * parameters in PascalCase, answers and errors in Twilio's shapes (`{code, message, more_info, status}`),
 * and status callbacks / inbound messages posted form-encoded with `X-Twilio-Signature`.
 */

export const TWILIO_TEST_ACCOUNT = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'fake-twilio-auth-token-0001',
};

export interface TwilioSent {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  validityPeriod: string | null;
}

export interface FakeTwilio extends FakeServer {
  accountSid: string;
  authToken: string;
  /** Changes the token the fake accepts (as when the operator rotates it in the console). */
  rotateToken(token: string): void;
  /** Messages accepted, in order. */
  sent: TwilioSent[];
  /**
   * Posts a status callback for an accepted message to its StatusCallback, as Twilio does. `signature`:
   * `good` (default), `bad` (signed with another token) or `none`.
   */
  statusCallback(
    sid: string,
    status: string,
    options?: { errorCode?: string; signature?: 'good' | 'bad' | 'none'; url?: string },
  ): Promise<{ status: number; body: string; contentType: string | null; params: Record<string, string> }>;
  /** Posts an inbound message to `url` as Twilio's "a message comes in" webhook does. */
  inbound(
    url: string,
    message: { from: string; to: string; body: string },
    options?: { signature?: 'good' | 'bad' | 'none' },
  ): Promise<{ status: number; body: string; contentType: string | null; params: Record<string, string> }>;
}

/** Twilio's signature, written here on its own (not the adapter's) so tests compare two implementations. */
export function signTwilio(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf-8')).digest('base64');
}

const E164 = /^\+[1-9]\d{6,14}$/;
const ALPHANUMERIC = /^[A-Za-z0-9 ]{1,11}$/;

function error(status: number, code: number, message: string, headers?: Record<string, string>): Answer {
  return {
    status,
    headers,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
}

export async function startFakeTwilio(
  options: {
    port?: number;
    slowMs?: number;
    accountSid?: string;
    authToken?: string;
    /** After each accepted message, post `sent` and then `delivered` (`undelivered` for …0410) this much later. */
    autoReceiptMs?: number;
  } = {},
): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? TWILIO_TEST_ACCOUNT.accountSid;
  let authToken = options.authToken ?? TWILIO_TEST_ACCOUNT.authToken;
  const sent: TwilioSent[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => Promise<unknown>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run().catch(() => undefined);
    }, ms);
    timers.add(timer);
  };
  const server = await startFakeServer({
    port: options.port,
    control(name, body) {
      if (name === 'status')
        return fake
          .statusCallback(String(body.sid), String(body.status ?? 'delivered'), {
            errorCode: body.errorCode === undefined ? undefined : String(body.errorCode),
            signature: body.signature as 'good' | 'bad' | 'none' | undefined,
          })
          .then((r) => ({ status: 200, body: { answered: r.status, params: r.params } }));
      if (name === 'inbound')
        return fake
          .inbound(
            String(body.url),
            { from: String(body.from), to: String(body.to), body: String(body.text ?? '') },
            { signature: body.signature as 'good' | 'bad' | 'none' | undefined },
          )
          .then((r) => ({ status: 200, body: { answered: r.status, params: r.params } }));
      return null;
    },
    handle({ request, behaviour }) {
      const path = request.url.split('?')[0]!;
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
      if (!match) return error(404, 20404, 'The requested resource was not found');
      if (request.method !== 'POST') return error(405, 20004, 'Method not allowed');
      const auth = basicAuth(request.headers);
      if (!auth || auth.user !== accountSid || auth.password !== authToken)
        return error(401, 20003, 'Authenticate');
      if (match[1] !== accountSid) return error(403, 20003, 'The URL names another account');
      // Twilio reads form parameters only: a JSON body arrives as no parameters at all.
      const form =
        mediaType(request.headers) === 'application/x-www-form-urlencoded'
          ? new URLSearchParams(request.body)
          : new URLSearchParams();
      const to = form.get('To');
      if (!to) return error(400, 21604, "A 'To' phone number is required.");
      const from = form.get('From');
      const service = form.get('MessagingServiceSid');
      if (!from && !service) return error(400, 21603, "A 'From' phone number is required.");
      if (from && !E164.test(from) && !ALPHANUMERIC.test(from))
        return error(
          400,
          21212,
          `The 'From' number ${from} is not a valid phone number or alphanumeric sender.`,
        );
      const body = form.get('Body');
      if (!body) return error(400, 21602, 'Message body is required.');
      if (body.length > 1600)
        return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      const validity = form.get('ValidityPeriod');
      if (validity !== null && !(/^\d+$/.test(validity) && +validity >= 1 && +validity <= 36_000))
        return error(400, 21624, 'Invalid validity period value');
      if (!E164.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      const how = behaviour(to);
      if (how === 'bad_number')
        return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (how === 'refused') return error(400, 21610, 'Attempt to send to unsubscribed recipient');
      if (how === 'throttle') return error(429, 20429, 'Too Many Requests', { 'retry-after': '7' });
      if (how === 'server_error') return error(500, 20500, 'Internal Server Error');
      if (how === 'html') return { status: 200, headers: { 'content-type': 'text/html' }, body: HTML_PAGE };
      if (how === 'empty') return { status: 200, body: '' };
      const sid = `SM${hex(16)}`;
      const statusCallback = form.get('StatusCallback');
      sent.push({
        sid,
        to,
        from,
        messagingServiceSid: service,
        body,
        statusCallback,
        validityPeriod: validity,
      });
      if (options.autoReceiptMs !== undefined && statusCallback) {
        const final = to.endsWith('0410') ? 'undelivered' : 'delivered';
        later(options.autoReceiptMs / 2, () => fake.statusCallback(sid, 'sent'));
        later(options.autoReceiptMs, () =>
          fake.statusCallback(sid, final, final === 'undelivered' ? { errorCode: '30003' } : {}),
        );
      }
      const now = new Date().toUTCString().replace('GMT', '+0000');
      return {
        status: 201,
        delayMs: how === 'slow' ? (options.slowMs ?? 15_000) : 0,
        body: {
          account_sid: accountSid,
          api_version: '2010-04-01',
          body,
          date_created: now,
          date_sent: null,
          date_updated: now,
          direction: 'outbound-api',
          error_code: null,
          error_message: null,
          from: service ? null : from,
          messaging_service_sid: service,
          // A string, and "0" while a Messaging Service has not picked the sender yet.
          num_media: '0',
          num_segments: service ? '0' : String(analyzeText(body).segments),
          price: null,
          price_unit: 'USD',
          sid,
          status: service ? 'accepted' : 'queued',
          subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
          to,
          uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
        },
      };
    },
  });

  async function post(
    url: string,
    params: Record<string, string>,
    signature: 'good' | 'bad' | 'none' = 'good',
  ) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (signature !== 'none')
      headers['x-twilio-signature'] = signTwilio(
        signature === 'good' ? authToken : `${authToken}x`,
        url,
        params,
      );
    const answer = await callBack(url, { headers, body: new URLSearchParams(params).toString() });
    return { ...answer, params };
  }

  const fake: FakeTwilio = {
    ...server,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
    accountSid,
    get authToken() {
      return authToken;
    },
    rotateToken(token) {
      authToken = token;
    },
    sent,
    statusCallback(sid, status, opts = {}) {
      const message = sent.find((m) => m.sid === sid);
      const url = opts.url ?? message?.statusCallback;
      if (!message || !url) throw new Error(`no message ${sid} with a StatusCallback`);
      const params: Record<string, string> = {
        SmsSid: sid,
        SmsStatus: status,
        MessageStatus: status,
        To: message.to,
        MessageSid: sid,
        AccountSid: accountSid,
        From: message.from ?? '+15005550006',
        ApiVersion: '2010-04-01',
      };
      if (opts.errorCode) params.ErrorCode = opts.errorCode;
      if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
      return post(url, params, opts.signature);
    },
    inbound(url, message, opts = {}) {
      const sid = `SM${hex(16)}`;
      return post(
        url,
        {
          ToCountry: 'LV',
          SmsMessageSid: sid,
          NumMedia: '0',
          SmsSid: sid,
          SmsStatus: 'received',
          Body: message.body,
          To: message.to,
          NumSegments: '1',
          MessageSid: sid,
          AccountSid: accountSid,
          From: message.from,
          ApiVersion: '2010-04-01',
        },
        opts.signature,
      );
    },
  };
  return fake;
}
