import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlivo, startFakePlivo } from '../../dev/fake-carriers/plivo';
import { plivoV3Base, plivoV3Signature } from '../../src/adapters/plivo/callbacks';
import { type PlivoConfig, plivoConfigSchema } from '../../src/adapters/plivo/config';
import { plivoRouteType } from '../../src/adapters/plivo/route-type';
import { AppError } from '../../src/kernel/errors';
import type { RouteCallback, SmsRoute } from '../../src/modules/dispatch';
import {
  type CallbackCatcher,
  outbound,
  routeError,
  startCallbackCatcher,
  vendorDeps,
} from '../helpers/carrier-harness';

/** The plivo route type against the fake Plivo over real HTTP, and its V3-signed callbacks. */
describe('plivo route type', () => {
  let fake: FakePlivo;
  let config: PlivoConfig;
  let catcher: CallbackCatcher;
  const routes: SmsRoute[] = [];
  const route = (overrides: Partial<PlivoConfig> = {}) => {
    const r = plivoRouteType.create({ ...config, ...overrides }, vendorDeps('rte_plivo', catcher.base));
    routes.push(r);
    return r;
  };

  beforeAll(async () => {
    fake = await startFakePlivo({ slowMs: 3000 });
    config = plivoConfigSchema.parse({
      authId: fake.authId,
      authToken: fake.authToken,
      baseUrl: fake.url,
      timeoutMs: 1000,
    });
    catcher = await startCallbackCatcher(plivoRouteType as never, config);
  });
  afterAll(async () => {
    for (const r of routes) await r.stop();
    await fake?.close();
    await catcher?.close();
  });

  it('sends the JSON Plivo documents, Basic auth, and returns the message uuid', async () => {
    const r = route();
    const result = await r.send(outbound({ to: '+37120000001', from: 'Acme', text: 'Sveiki' }));
    const request = fake.requests.at(-1)!;
    expect(request.url).toBe(`/v1/Account/${fake.authId}/Message/`);
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.authId}:${fake.authToken}`).toString('base64')}`,
    );
    expect(JSON.parse(request.body)).toEqual({
      src: 'Acme',
      dst: '37120000001',
      text: 'Sveiki',
      type: 'sms',
      url: `${catcher.base}/hooks/routes/rte_plivo/status`,
      method: 'POST',
    });
    expect(result).toEqual({ carrierRef: fake.sent.at(-1)!.uuid, partRefs: [fake.sent.at(-1)!.uuid] });
    expect(r.health()).toMatchObject({ connectedBinds: 1, sentLastMinute: 1 });
    await route({ powerpackUuid: 'pp-1' }).send(outbound());
    expect(fake.sent.at(-1)).toMatchObject({ src: null, powerpackUuid: 'pp-1' });
  });

  it('maps 400 sentences by the field they name, and 401, 429, 500', async () => {
    expect(await routeError(route().send(outbound({ to: '+37120000400' })))).toMatchObject({
      code: 'invalid_destination',
      carrierCode: '400',
      retryable: false,
    });
    expect(await routeError(route().send(outbound({ from: 'Not a sender!' })))).toMatchObject({
      code: 'invalid_sender',
      carrierCode: '400',
    });
    const wrong = route({ authToken: 'wrong-token-000000000' });
    expect(await routeError(wrong.send(outbound()))).toMatchObject({
      code: 'auth_failed',
      carrierCode: '401',
    });
    expect(wrong.health().connectedBinds).toBe(0);
    expect(await routeError(route().send(outbound({ to: '+37120000429' })))).toMatchObject({
      code: 'throttled',
      retryAfterMs: 7000,
    });
    const server = await routeError(route().send(outbound({ to: '+37120000500' })));
    expect(server).toMatchObject({ code: 'carrier_error', carrierCode: '500' });
    expect(server.message).toContain('internal server error');
  });

  it('treats HTML, an empty body and a slow answer as retryable', async () => {
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

  describe('callbacks', () => {
    it('builds the V3 string as Plivo does: "?" always before a body, "." after a query, nonce last', () => {
      const pairs: Array<[string, string]> = [
        ['To', '371'],
        ['From', 'Acme'],
      ];
      expect(plivoV3Base('POST', 'https://a.b/h', pairs)).toBe('https://a.b/h?FromAcmeTo371');
      expect(plivoV3Base('POST', 'https://a.b/h?z=1&a=2', pairs)).toBe('https://a.b/h?a=2&z=1.FromAcmeTo371');
      expect(plivoV3Base('GET', 'https://a.b/h?z=1&a=2', [])).toBe('https://a.b/h?a=2&z=1');
      expect(plivoV3Base('POST', 'https://a.b/h', [])).toBe('https://a.b/h');
      expect(plivoV3Signature('tok', 'https://a.b/h?FromAcme', '123')).toBe(
        createHmac('sha256', 'tok').update('https://a.b/h?FromAcme.123').digest('base64'),
      );
    });

    it('accepts a V3-signed status callback and reads it; refuses wrong or missing signatures', async () => {
      const { carrierRef } = await route().send(outbound());
      expect((await fake.statusCallback(carrierRef, 'delivered')).status).toBe(200);
      const { callback, verdict } = catcher.received.at(-1)!;
      expect(verdict).toEqual({ ok: true });
      expect(plivoRouteType.parseReceipt!(callback, config)).toEqual([
        {
          routeId: 'rte_plivo',
          carrierRef,
          status: 'delivered',
          errorCode: null,
          raw: callback.body,
          at: callback.receivedAt,
        },
      ]);
      expect((await fake.statusCallback(carrierRef, 'delivered', { signature: 'bad' })).status).toBe(401);
      expect((await fake.statusCallback(carrierRef, 'delivered', { signature: 'none' })).status).toBe(401);
      const altered = { ...callback, body: callback.body.replace('delivered', 'undelivered') };
      expect(plivoRouteType.verifyCallback!(altered, config).ok).toBe(false);
      // Several signatures while the token rotates: any one matching is enough.
      const rotated = {
        ...callback,
        headers: {
          ...callback.headers,
          'x-plivo-signature-v3': `bm90LWl0, ${String(callback.headers['x-plivo-signature-v3'])}`,
        },
      };
      expect(plivoRouteType.verifyCallback!(rotated, config).ok).toBe(true);
    });

    it('accepts V2 (URL and nonce only) just when the route allows it', async () => {
      const { carrierRef } = await route().send(outbound());
      await fake.statusCallback(carrierRef, 'delivered');
      const { callback } = catcher.received.at(-1)!;
      const { 'x-plivo-signature-v3': _v3, 'x-plivo-signature-v3-nonce': _n, ...v2Only } = callback.headers;
      const v2 = { ...callback, headers: v2Only };
      expect(plivoRouteType.verifyCallback!(v2, config).ok).toBe(false);
      expect(plivoRouteType.verifyCallback!(v2, { ...config, acceptV2Signatures: true }).ok).toBe(true);
    });

    const cb = (params: Record<string, string>): RouteCallback => ({
      routeId: 'r',
      kind: 'status',
      method: 'POST',
      url: 'https://x/hooks/routes/r/status',
      query: {},
      headers: {},
      body: new URLSearchParams(params).toString(),
      receivedAt: 2,
    });

    it.each([
      ['delivered', undefined, 'delivered', null],
      ['undelivered', '20', 'undelivered', '20'],
      ['undelivered', '420', 'expired', '420'],
      ['failed', '30', 'rejected', '30'],
      ['rejected', '50', 'rejected', '50'],
      ['novel', '900', 'unknown', '900'],
    ] as const)('maps Status %s (ErrorCode %s) to %s', (plivo, code, status, errorCode) => {
      const params: Record<string, string> = { MessageUUID: 'U1', Status: plivo };
      if (code) params.ErrorCode = code;
      expect(plivoRouteType.parseReceipt!(cb(params), config)).toMatchObject([
        { carrierRef: 'U1', status, errorCode },
      ]);
    });

    it('reports nothing for queued and sent; refuses malformed and oversized callbacks', () => {
      expect(plivoRouteType.parseReceipt!(cb({ MessageUUID: 'U1', Status: 'queued' }), config)).toEqual([]);
      expect(
        plivoRouteType.parseReceipt!(cb({ MessageUUID: 'U1', Status: 'sent', Sequence: '2' }), config),
      ).toEqual([]);
      expect(() => plivoRouteType.parseReceipt!(cb({ Status: 'delivered' }), config)).toThrow(AppError);
      expect(() =>
        plivoRouteType.parseReceipt!(cb({ MessageUUID: 'U', Status: 'x', P: 'x'.repeat(300_000) }), config),
      ).toThrow(/too large/);
    });

    it('reads an inbound message, verified, with E.164 addresses', async () => {
      const url = catcher.url('rte_plivo', 'inbound');
      expect(
        (await fake.inbound(url, { from: '+37129000001', to: '+37126000000', text: 'Jā, paldies' })).status,
      ).toBe(200);
      const { callback, verdict } = catcher.received.at(-1)!;
      expect(verdict.ok).toBe(true);
      expect(plivoRouteType.parseInbound!(callback, config)).toEqual([
        {
          routeId: 'rte_plivo',
          from: '+37129000001',
          to: '+37126000000',
          text: 'Jā, paldies',
          at: callback.receivedAt,
        },
      ]);
      expect((await fake.inbound(url, { from: '1', to: '2', text: 'x' }, { signature: 'bad' })).status).toBe(
        401,
      );
      expect(() => plivoRouteType.parseInbound!(cb({ From: '1', To: '2' }), config)).toThrow(
        /Text is missing/,
      );
    });

    it('gets the receipts the fake posts by itself, sent then final', async () => {
      const auto = await startFakePlivo({ autoReceiptMs: 40 });
      try {
        const r = route({ baseUrl: auto.url });
        const before = catcher.received.length;
        const ok = await r.send(outbound());
        const refused = await r.send(outbound({ to: '+37120000403' }));
        await expect.poll(() => catcher.received.length - before).toBe(4);
        const reports = catcher.received
          .slice(before)
          .flatMap((c) => plivoRouteType.parseReceipt!(c.callback, config));
        expect(reports.map((x) => [x.carrierRef, x.status, x.errorCode]).sort()).toEqual(
          [
            [ok.carrierRef, 'delivered', null],
            [refused.carrierRef, 'rejected', '30'],
          ].sort(),
        );
      } finally {
        await auto.close();
      }
    });
  });
});
