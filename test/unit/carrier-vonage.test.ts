import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeVonage, startFakeVonage } from '../../dev/fake-carriers/vonage';
import { vonageSignature } from '../../src/adapters/vonage/callbacks';
import { type VonageConfig, vonageConfigSchema } from '../../src/adapters/vonage/config';
import { vonageRouteType } from '../../src/adapters/vonage/route-type';
import { AppError } from '../../src/kernel/errors';
import type { RouteCallback, SmsRoute } from '../../src/modules/dispatch';
import {
  type CallbackCatcher,
  outbound,
  routeError,
  startCallbackCatcher,
  vendorDeps,
} from '../helpers/carrier-harness';

/** The vonage route type against the fake Vonage over real HTTP, and its (signed) webhooks. */
describe('vonage route type', () => {
  let fake: FakeVonage;
  let config: VonageConfig;
  let catcher: CallbackCatcher;
  const routes: SmsRoute[] = [];
  const route = (overrides: Partial<VonageConfig> = {}) => {
    const r = vonageRouteType.create({ ...config, ...overrides }, vendorDeps('rte_vonage', catcher.base));
    routes.push(r);
    return r;
  };

  beforeAll(async () => {
    fake = await startFakeVonage({ slowMs: 3000 });
    config = vonageConfigSchema.parse({
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      baseUrl: fake.url,
      timeoutMs: 1000,
    });
    catcher = await startCallbackCatcher(vonageRouteType as never, config);
  });
  afterAll(async () => {
    for (const r of routes) await r.stop();
    await fake?.close();
    await catcher?.close();
  });

  it('sends the form Vonage documents; each part has its own id', async () => {
    const r = route();
    const message = outbound({ to: '+37120000001', from: 'Acme', text: 'x'.repeat(200), segments: 2 });
    const result = await r.send(message);
    const sent = fake.sent.at(-1)!;
    expect(sent).toMatchObject({
      to: '37120000001',
      from: 'Acme',
      type: 'text',
      clientRef: message.messageId,
      callback: `${catcher.base}/hooks/routes/rte_vonage/status?token=${config.callbackToken}`,
      ttl: null,
    });
    expect(sent.parts).toHaveLength(2);
    expect(result).toEqual({ carrierRef: sent.parts[0], partRefs: sent.parts });
    const form = new URLSearchParams(fake.requests.at(-1)!.body);
    expect(form.get('api_key')).toBe(fake.apiKey);
    expect(form.get('api_secret')).toBe(fake.apiSecret);
    expect(form.get('status-report-req')).toBe('true');
    expect(r.health()).toMatchObject({ connectedBinds: 1, sentLastMinute: 1 });
  });

  it('asks for unicode when the text needs UCS-2, and passes the validity as ttl (ms, in range)', async () => {
    await route().send(outbound({ text: 'Привет', encoding: 'UCS-2', validUntil: Date.now() + 5000 }));
    expect(fake.sent.at(-1)).toMatchObject({ type: 'unicode', ttl: '20000' });
    await route().send(outbound({ validUntil: Date.now() + 3_600_000 }));
    expect(Number(fake.sent.at(-1)!.ttl)).toBeGreaterThan(3_599_000);
  });

  it.each([
    ['+37120000400', 'invalid_destination', '6', false],
    ['+37120000403', 'rejected_by_carrier', '29', false],
    ['+37120000500', 'carrier_error', '5', true],
    ['+37120000401', 'throttled', '1', true],
  ] as const)('maps the part status for %s (HTTP 200) to %s', async (to, code, carrierCode, retryable) => {
    const r = route();
    const error = await routeError(r.send(outbound({ to })));
    expect(error).toMatchObject({ code, carrierCode, retryable });
    expect(error.message).toContain(`Vonage status ${carrierCode}`);
    expect(r.health().connectedBinds).toBe(1);
  });

  it('refuses bad credentials (status 4) and a bad sender (status 15)', async () => {
    const wrong = route({ apiSecret: 'wrong-secret' });
    expect(await routeError(wrong.send(outbound()))).toMatchObject({ code: 'auth_failed', carrierCode: '4' });
    expect(wrong.health().connectedBinds).toBe(0);
    expect(await routeError(route().send(outbound({ from: 'Far-too-long-sender' })))).toMatchObject({
      code: 'invalid_sender',
      carrierCode: '15',
    });
  });

  it('handles HTTP 429 with Retry-After, HTML, an empty body and a slow answer', async () => {
    expect(await routeError(route().send(outbound({ to: '+37120000429' })))).toMatchObject({
      code: 'throttled',
      retryAfterMs: 7000,
    });
    expect((await routeError(route().send(outbound({ to: '+37120000200' })))).message).toContain(
      'without JSON',
    );
    expect(await routeError(route().send(outbound({ to: '+37120000204' })))).toMatchObject({
      code: 'carrier_error',
    });
    expect(await routeError(route({ timeoutMs: 500 }).send(outbound({ to: '+37120000408' })))).toMatchObject({
      code: 'timeout',
    });
  });

  it('fails a partly accepted message for good (its accepted parts are out already)', async () => {
    const { vonageAnswer } = await import('../../src/adapters/vonage/vonage-route');
    const body = JSON.stringify({
      'message-count': '2',
      messages: [
        { 'message-id': 'A1', status: '0' },
        { status: '1', 'error-text': 'Throttled' },
      ],
    });
    expect(() => vonageAnswer({ status: 200, headers: {}, body, truncated: false }, 0)).toThrow(
      expect.objectContaining({ code: 'rejected_by_carrier', carrierCode: '1' }),
    );
  });

  describe('callbacks', () => {
    it('reads a receipt per part, in each webhook format, behind the URL token', async () => {
      const r = route();
      const { partRefs } = await r.send(outbound({ text: 'y'.repeat(200), segments: 2 }));
      for (const format of ['POST', 'GET', 'POST-JSON'] as const) {
        const answer = await fake.receipt(partRefs[1]!, 'delivered', { format });
        expect(answer.status).toBe(204);
        const { callback, verdict } = catcher.received.at(-1)!;
        expect(callback.method).toBe(format === 'GET' ? 'GET' : 'POST');
        expect(verdict).toEqual({ ok: true });
        expect(vonageRouteType.parseReceipt!(callback, config)).toMatchObject([
          { carrierRef: partRefs[1], status: 'delivered', errorCode: null },
        ]);
      }
      expect((await fake.receipt(partRefs[0]!, 'delivered', { signature: 'bad' })).status).toBe(401);
      expect(catcher.received.at(-1)!.verdict.reason).toContain('wrong token');
    });

    it('checks signed webhooks when a signature secret is set (every method), and refuses stale ones', async () => {
      for (const method of ['md5hash', 'sha256', 'sha512'] as const) {
        const signedFake = await startFakeVonage({ signed: true, signatureMethod: method });
        const signedConfig = vonageConfigSchema.parse({
          ...config,
          baseUrl: signedFake.url,
          signatureSecret: signedFake.signatureSecret,
          signatureMethod: method,
        });
        const signedCatcher = await startCallbackCatcher(vonageRouteType as never, signedConfig);
        try {
          const r = vonageRouteType.create(signedConfig, vendorDeps('rte_vs', signedCatcher.base));
          routes.push(r);
          const { carrierRef } = await r.send(outbound());
          expect((await signedFake.receipt(carrierRef, 'delivered', { format: 'GET' })).status).toBe(204);
          expect((await signedFake.receipt(carrierRef, 'delivered', { format: 'POST-JSON' })).status).toBe(
            204,
          );
          expect((await signedFake.receipt(carrierRef, 'delivered', { signature: 'bad' })).status).toBe(401);
          expect(signedCatcher.received.at(-1)!.verdict.reason).toContain('sig does not match');
          expect((await signedFake.receipt(carrierRef, 'delivered', { signature: 'none' })).status).toBe(401);
          const good = signedCatcher.received[0]!.callback;
          const stale = { ...good, receivedAt: good.receivedAt + 6 * 60_000 };
          expect(vonageRouteType.verifyCallback!(stale, signedConfig)).toMatchObject({ ok: false });
        } finally {
          await signedFake.close();
          await signedCatcher.close();
        }
      }
    });

    it('computes the signature as the Vonage SDK does (sorted, & and = replaced, md5 of query + secret)', () => {
      // The signed string written out by hand from the SDK's rule: "&a=1_2&b=x_y", then the secret.
      const params = { b: 'x=y', a: '1&2', sig: 'ignored' };
      expect(vonageSignature(params, 'secret', 'md5hash')).toBe(
        createHash('md5').update('&a=1_2&b=x_ysecret').digest('hex'),
      );
      expect(vonageSignature(params, 'secret', 'sha256')).toBe(
        createHmac('sha256', 'secret').update('&a=1_2&b=x_y').digest('hex'),
      );
    });

    const cb = (params: Record<string, string>): RouteCallback => ({
      routeId: 'r',
      kind: 'status',
      method: 'POST',
      url: 'https://x/hooks/routes/r/status?token=t',
      query: { token: 't' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
      receivedAt: 3,
    });

    it.each([
      ['delivered', 'delivered', null],
      ['expired', 'expired', '1'],
      ['failed', 'undelivered', '2'],
      ['rejected', 'rejected', '6'],
      ['unknown', 'unknown', '1'],
      ['something-new', 'unknown', '99'],
    ] as const)('maps receipt status %s to %s', (vonage, status, err) => {
      const [report] = vonageRouteType.parseReceipt!(
        cb({ messageId: 'P1', status: vonage, 'err-code': err ?? '0' }),
        config,
      );
      expect(report).toMatchObject({ carrierRef: 'P1', status, errorCode: err });
    });

    it('reports nothing for accepted and buffered, refuses malformed and oversized receipts', () => {
      expect(vonageRouteType.parseReceipt!(cb({ messageId: 'P1', status: 'buffered' }), config)).toEqual([]);
      expect(vonageRouteType.parseReceipt!(cb({ messageId: 'P1', status: 'accepted' }), config)).toEqual([]);
      expect(() => vonageRouteType.parseReceipt!(cb({ status: 'delivered' }), config)).toThrow(AppError);
      const json = { ...cb({}), headers: { 'content-type': 'application/json' }, body: '[1,2]' };
      expect(() => vonageRouteType.parseReceipt!(json, config)).toThrow(/not an object/);
      expect(() => vonageRouteType.parseReceipt!({ ...json, body: '{' }, config)).toThrow(/not JSON/);
      expect(() =>
        vonageRouteType.parseReceipt!(cb({ messageId: 'P', status: 'x', pad: 'x'.repeat(300_000) }), config),
      ).toThrow(/too large/);
    });

    it('joins an inbound message sent in parts, whatever their order', async () => {
      const url = `${catcher.url('rte_vonage', 'inbound')}?token=${config.callbackToken}`;
      const text = 'Sveiki! Šī ir gara atbilde, kas pienāk trīs daļās no Vonage.';
      const answers = await fake.inbound(
        url,
        { from: '+37129000001', to: '+37126000000', text },
        { partLength: 25 },
      );
      expect(answers.map((a) => a.status)).toEqual([204, 204, 204]);
      const callbacks = catcher.received.slice(-3).map((c) => c.callback);
      expect(callbacks.every((c) => vonageRouteType.verifyCallback!(c, config).ok)).toBe(true);
      // The last two arrive first: nothing until the set is whole.
      expect(vonageRouteType.parseInbound!(callbacks[2]!, config)).toEqual([]);
      expect(vonageRouteType.parseInbound!(callbacks[1]!, config)).toEqual([]);
      expect(vonageRouteType.parseInbound!(callbacks[0]!, config)).toEqual([
        {
          routeId: 'rte_vonage',
          from: '+37129000001',
          to: '+37126000000',
          text,
          at: callbacks[0]!.receivedAt,
        },
      ]);
      const single = await fake.inbound(url, { from: '+37129000002', to: '+37126000000', text: 'Jā' });
      expect(single[0]!.status).toBe(204);
      expect(vonageRouteType.parseInbound!(catcher.received.at(-1)!.callback, config)).toMatchObject([
        { from: '+37129000002', text: 'Jā' },
      ]);
      expect(() =>
        vonageRouteType.parseInbound!(
          cb({
            msisdn: '371',
            to: '372',
            text: 'x',
            concat: 'true',
            'concat-ref': '1',
            'concat-total': '2',
            'concat-part': '3',
          }),
          config,
        ),
      ).toThrow(/out of range/);
    });
  });
});
