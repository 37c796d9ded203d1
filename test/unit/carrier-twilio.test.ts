import { createServer } from 'node:net';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTwilio, startFakeTwilio } from '../../dev/fake-carriers/twilio';
import { twilioSignature } from '../../src/adapters/twilio/callbacks';
import { type TwilioConfig, twilioConfigSchema } from '../../src/adapters/twilio/config';
import { twilioRouteType } from '../../src/adapters/twilio/route-type';
import { AppError } from '../../src/kernel/errors';
import type { RouteCallback, SmsRoute } from '../../src/modules/dispatch';
import {
  type CallbackCatcher,
  outbound,
  routeError,
  startCallbackCatcher,
  vendorDeps,
} from '../helpers/carrier-harness';

/** The twilio route type against the fake Twilio over real HTTP, and its callbacks against the SDK. */
describe('twilio route type', () => {
  let fake: FakeTwilio;
  let config: TwilioConfig;
  let catcher: CallbackCatcher;
  const routes: SmsRoute[] = [];
  const route = (overrides: Partial<TwilioConfig> = {}, id = 'rte_twilio') => {
    const r = twilioRouteType.create({ ...config, ...overrides }, vendorDeps(id, catcher.base));
    routes.push(r);
    return r;
  };

  beforeAll(async () => {
    fake = await startFakeTwilio({ slowMs: 3000 });
    config = twilioConfigSchema.parse({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      baseUrl: fake.url,
      timeoutMs: 1000,
    });
    catcher = await startCallbackCatcher(twilioRouteType as never, config);
  });
  afterAll(async () => {
    for (const r of routes) await r.stop();
    await fake?.close();
    await catcher?.close();
  });

  it('sends the form Twilio documents and returns its message sid', async () => {
    const r = route();
    const result = await r.send(outbound({ to: '+37120000001', from: 'Acme', text: 'Kods: 1234 — ok' }));
    expect(result.carrierRef).toMatch(/^SM[0-9a-f]{32}$/);
    expect(result.partRefs).toEqual([result.carrierRef]);
    const request = fake.requests.at(-1)!;
    expect(request.url).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
    );
    expect(fake.sent.at(-1)).toMatchObject({
      sid: result.carrierRef,
      to: '+37120000001',
      from: 'Acme',
      body: 'Kods: 1234 — ok',
      statusCallback: `${catcher.base}/hooks/routes/rte_twilio/status`,
      validityPeriod: null,
    });
    expect(r.health()).toMatchObject({
      connectedBinds: 1,
      sentLastMinute: 1,
      errorsLastMinute: 0,
      lastError: null,
    });
  });

  it('sends through a Messaging Service without From, and passes the validity in seconds (at most 36,000)', async () => {
    const r = route({ messagingServiceSid: `MG${'ab'.repeat(16)}` });
    await r.send(outbound({ validUntil: Date.now() + 600_000 }));
    const sent = fake.sent.at(-1)!;
    expect(sent).toMatchObject({ from: null, messagingServiceSid: `MG${'ab'.repeat(16)}` });
    expect(Number(sent.validityPeriod)).toBeGreaterThanOrEqual(599);
    expect(Number(sent.validityPeriod)).toBeLessThanOrEqual(600);
    await r.send(outbound({ validUntil: Date.now() + 86_400_000 }));
    expect(fake.sent.at(-1)!.validityPeriod).toBe('36000');
    const fixed = route({ from: '+37126000000' });
    await fixed.send(outbound({ from: 'Acme' }));
    expect(fake.sent.at(-1)!.from).toBe('+37126000000');
  });

  it.each([
    ['+37120000400', 'invalid_destination', '21211', false],
    ['+37120000403', 'rejected_by_carrier', '21610', false],
    ['+37120000500', 'carrier_error', '20500', true],
  ] as const)('maps the answer for %s to %s (Twilio %s)', async (to, code, carrierCode, retryable) => {
    const r = route();
    const error = await routeError(r.send(outbound({ to })));
    expect(error).toMatchObject({ code, carrierCode, retryable });
    expect(error.message).toContain(`Twilio ${carrierCode}`);
    expect(r.health()).toMatchObject({ connectedBinds: 1, errorsLastMinute: 1 });
    expect(r.health().lastError).toContain(code);
  });

  it('passes 429 on as throttled with the Retry-After', async () => {
    const error = await routeError(route().send(outbound({ to: '+37120000429' })));
    expect(error).toMatchObject({
      code: 'throttled',
      carrierCode: '20429',
      retryable: true,
      retryAfterMs: 7000,
    });
  });

  it('refuses a bad sender as invalid_sender', async () => {
    const error = await routeError(route().send(outbound({ from: 'Not-a-sender!' })));
    expect(error).toMatchObject({ code: 'invalid_sender', carrierCode: '21212', retryable: false });
  });

  it('treats an HTML or empty 200 as a carrier error, saying what came', async () => {
    const html = await routeError(route().send(outbound({ to: '+37120000200' })));
    expect(html).toMatchObject({ code: 'carrier_error', retryable: true });
    expect(html.message).toContain('without JSON');
    expect(html.message).toContain('<!DOCTYPE html>');
    const empty = await routeError(route().send(outbound({ to: '+37120000204' })));
    expect(empty).toMatchObject({ code: 'carrier_error' });
    expect(empty.message).toContain('(empty)');
  });

  it('times out a slow answer', async () => {
    const r = route({ timeoutMs: 500 });
    const error = await routeError(r.send(outbound({ to: '+37120000408' })));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('goes unhealthy on wrong credentials and recovers on the next accepted send', async () => {
    const r = route();
    const token = fake.authToken;
    fake.rotateToken('rotated-in-the-console-0');
    try {
      const error = await routeError(r.send(outbound()));
      expect(error).toMatchObject({ code: 'auth_failed', carrierCode: '20003', retryable: true });
      expect(r.health()).toMatchObject({ connectedBinds: 0, errorsLastMinute: 1 });
    } finally {
      fake.rotateToken(token);
    }
    await r.send(outbound());
    expect(r.health()).toMatchObject({ connectedBinds: 1, sentLastMinute: 1 });
  });

  it('is unreachable when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = route({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await routeError(r.send(outbound()));
    expect(error).toMatchObject({ code: 'unreachable', retryable: true });
    expect(r.health().connectedBinds).toBe(0);
  });

  it('honours the throughput per second', async () => {
    const r = route({ throughput: 4 });
    const before = fake.requests.length;
    const started = performance.now();
    await Promise.all(Array.from({ length: 9 }, () => r.send(outbound())));
    const elapsed = performance.now() - started;
    expect(fake.requests.length - before).toBe(9);
    // 9 starts at 4/s: the 5th waits for the 1st to be a second old, the 9th for the 5th.
    expect(elapsed).toBeGreaterThanOrEqual(1900);
  });

  it('does not send when the dispatcher withdraws the job', async () => {
    const before = fake.requests.length;
    const controller = new AbortController();
    controller.abort();
    const error = await routeError(route().send(outbound({ signal: controller.signal })));
    expect(error.code).toBe('unreachable');
    expect(fake.requests.length).toBe(before);
  });

  describe('callbacks', () => {
    it('signs like the official SDK and matches the documented test vector', () => {
      const params = {
        CallSid: 'CA1234567890ABCDE',
        Caller: '+14158675309',
        Digits: '1234',
        From: '+14158675309',
        To: '+18005551212',
      };
      const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
      expect(twilioSignature('12345', url, Object.entries(params))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
      const odd = { Body: 'Ž ü 😀 & = +', MessageSid: 'SMx', A: '', a: 'lower' };
      expect(twilioSignature('tok', url, Object.entries(odd))).toBe(
        twilio.getExpectedTwilioSignature('tok', url, odd),
      );
    });

    it('accepts a correctly signed status callback (as the SDK does), answers TwiML, and reads it', async () => {
      const r = route();
      const { carrierRef } = await r.send(outbound());
      const answer = await fake.statusCallback(carrierRef, 'delivered');
      expect(answer.status).toBe(200);
      expect(answer.contentType).toBe('text/xml');
      expect(answer.body).toContain('<Response></Response>');
      const { callback, verdict } = catcher.received.at(-1)!;
      expect(verdict).toEqual({ ok: true });
      const sdkSays = twilio.validateRequest(
        fake.authToken,
        String(callback.headers['x-twilio-signature']),
        callback.url,
        Object.fromEntries(new URLSearchParams(callback.body)),
      );
      expect(sdkSays).toBe(true);
      expect(twilioRouteType.parseReceipt!(callback, config)).toEqual([
        {
          routeId: 'rte_twilio',
          carrierRef,
          status: 'delivered',
          errorCode: null,
          raw: callback.body,
          at: callback.receivedAt,
        },
      ]);
    });

    it('gets the receipts the fake posts by itself (as run by hand), sent then delivered or undelivered', async () => {
      const auto = await startFakeTwilio({ autoReceiptMs: 60, authToken: config.authToken });
      try {
        const r = route({ baseUrl: auto.url });
        const before = catcher.received.length;
        const ok = await r.send(outbound({ to: '+37120000001' }));
        const bad = await r.send(outbound({ to: '+37120000410' }));
        await expect.poll(() => catcher.received.length - before).toBe(4);
        const reports = catcher.received
          .slice(before)
          .filter((c) => c.verdict.ok)
          .flatMap((c) => twilioRouteType.parseReceipt!(c.callback, config));
        expect(reports.map((x) => [x.carrierRef, x.status, x.errorCode]).sort()).toEqual(
          [
            [ok.carrierRef, 'delivered', null],
            [bad.carrierRef, 'undelivered', '30003'],
          ].sort(),
        );
        // Control calls do the same on request.
        const res = await fetch(`${auto.url}/_fake/status`, {
          method: 'POST',
          body: JSON.stringify({
            sid: ok.carrierRef,
            status: 'failed',
            errorCode: '30008',
            signature: 'bad',
          }),
        });
        expect(await res.json()).toMatchObject({ answered: 401, params: { MessageStatus: 'failed' } });
      } finally {
        await auto.close();
      }
    });

    it('refuses wrongly signed, unsigned and altered callbacks with 401', async () => {
      const { carrierRef } = await route().send(outbound());
      expect((await fake.statusCallback(carrierRef, 'delivered', { signature: 'bad' })).status).toBe(401);
      expect(catcher.received.at(-1)!.verdict.reason).toContain('does not match');
      expect((await fake.statusCallback(carrierRef, 'delivered', { signature: 'none' })).status).toBe(401);
      expect(catcher.received.at(-1)!.verdict.reason).toContain('no X-Twilio-Signature');
      await fake.statusCallback(carrierRef, 'undelivered', { errorCode: '30003' });
      const good = catcher.received.at(-1)!.callback;
      const altered = { ...good, body: good.body.replace('undelivered', 'delivered') };
      expect(twilioRouteType.verifyCallback!(altered, config).ok).toBe(false);
      const otherUrl = { ...good, url: good.url.replace('/status', '/inbound') };
      expect(twilioRouteType.verifyCallback!(otherUrl, config).ok).toBe(false);
    });

    it('accepts the URL signed with or without the default port', () => {
      const body = 'MessageSid=SM1&MessageStatus=sent';
      const params = Object.fromEntries(new URLSearchParams(body));
      const cb = (url: string, signedUrl: string): RouteCallback => ({
        routeId: 'r',
        kind: 'status',
        method: 'POST',
        url,
        query: {},
        headers: {
          'x-twilio-signature': twilio.getExpectedTwilioSignature(config.authToken, signedUrl, params),
        },
        body,
        receivedAt: 0,
      });
      const v = (c: RouteCallback) => twilioRouteType.verifyCallback!(c, config).ok;
      expect(
        v(cb('https://sms.example/hooks/routes/r/status', 'https://sms.example:443/hooks/routes/r/status')),
      ).toBe(true);
      expect(
        v(cb('https://sms.example:443/hooks/routes/r/status', 'https://sms.example/hooks/routes/r/status')),
      ).toBe(true);
      expect(
        v(cb('https://sms.example/hooks/routes/r/status', 'https://sms.example:8443/hooks/routes/r/status')),
      ).toBe(false);
    });

    it('verifies and reads an inbound message Twilio sent by GET (parameters in the signed URL)', () => {
      const url = `https://sms.example/hooks/routes/r/inbound?From=%2B37129000001&To=%2B37126000000&Body=Sveiki&MessageSid=SM1`;
      const callback: RouteCallback = {
        routeId: 'r',
        kind: 'inbound',
        method: 'GET',
        url,
        query: {},
        headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(config.authToken, url, {}) },
        body: '',
        receivedAt: 1,
      };
      expect(twilioRouteType.verifyCallback!(callback, config)).toEqual({ ok: true });
      expect(
        twilioRouteType.verifyCallback!({ ...callback, url: url.replace('Sveiki', 'Sveikii') }, config).ok,
      ).toBe(false);
      expect(twilioRouteType.parseInbound!(callback, config)).toEqual([
        { routeId: 'r', from: '+37129000001', to: '+37126000000', text: 'Sveiki', at: 1 },
      ]);
    });

    const receipt = (body: Record<string, string>) =>
      twilioRouteType.parseReceipt!(
        {
          routeId: 'r',
          kind: 'status',
          method: 'POST',
          url: 'https://x/hooks/routes/r/status',
          query: {},
          headers: {},
          body: new URLSearchParams(body).toString(),
          receivedAt: 5,
        },
        config,
      );

    it.each([
      ['delivered', 'delivered', null],
      ['read', 'delivered', null],
      ['undelivered', 'undelivered', '30003'],
      ['failed', 'rejected', '30008'],
      ['canceled', 'rejected', '30008'],
      ['something_new', 'unknown', '30008'],
    ] as const)('maps MessageStatus %s to %s', (twilioStatus, status, errorCode) => {
      const [report] = receipt({
        MessageSid: 'SMabc',
        MessageStatus: twilioStatus,
        ErrorCode: errorCode ?? '30008',
      });
      expect(report).toMatchObject({ carrierRef: 'SMabc', status, errorCode, at: 5 });
    });

    it.each(['accepted', 'scheduled', 'queued', 'sending', 'sent'])('reports nothing for %s', (s) => {
      expect(receipt({ MessageSid: 'SMabc', MessageStatus: s })).toEqual([]);
    });

    it('reads a duplicate the same way, ignores unknown fields, refuses what lacks the sid or status or is too big', () => {
      const body = { MessageSid: 'SMabc', MessageStatus: 'delivered', SomethingNew: 'x' };
      expect(receipt(body)).toEqual(receipt(body));
      expect(() => receipt({ MessageStatus: 'delivered' })).toThrow(AppError);
      expect(() => receipt({ MessageSid: 'SMabc' })).toThrow(/MessageStatus is missing/);
      expect(() =>
        receipt({ MessageSid: 'SMabc', MessageStatus: 'delivered', Pad: 'x'.repeat(300_000) }),
      ).toThrow(/too large/);
      const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`P${i}`, '1']));
      expect(() => receipt({ MessageSid: 'SMabc', MessageStatus: 'delivered', ...many })).toThrow(/too many/);
    });

    it('reads an inbound message, verified, with E.164 addresses', async () => {
      const url = catcher.url('rte_twilio', 'inbound');
      const answer = await fake.inbound(url, {
        from: '+37129000001',
        to: '+37126000000',
        body: 'Sveiki! 😀',
      });
      expect(answer.status).toBe(200);
      const { callback, verdict } = catcher.received.at(-1)!;
      expect(verdict.ok).toBe(true);
      expect(twilioRouteType.parseInbound!(callback, config)).toEqual([
        {
          routeId: 'rte_twilio',
          from: '+37129000001',
          to: '+37126000000',
          text: 'Sveiki! 😀',
          at: callback.receivedAt,
        },
      ]);
      expect(
        (await fake.inbound(url, { from: '+1', to: '+2', body: 'x' }, { signature: 'bad' })).status,
      ).toBe(401);
      expect(() =>
        twilioRouteType.parseInbound!({ ...callback, body: 'From=%2B371&To=%2B372' }, config),
      ).toThrow(/Body is missing/);
    });
  });
});
