import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeInfobip, INFOBIP_STATUSES, startFakeInfobip } from '../../dev/fake-carriers/infobip';
import { type InfobipConfig, infobipConfigSchema } from '../../src/adapters/infobip/config';
import { infobipAnswer } from '../../src/adapters/infobip/infobip-route';
import { infobipRouteType } from '../../src/adapters/infobip/route-type';
import { AppError } from '../../src/kernel/errors';
import type { RouteCallback, SmsRoute } from '../../src/modules/dispatch';
import {
  type CallbackCatcher,
  outbound,
  routeError,
  startCallbackCatcher,
  vendorDeps,
} from '../helpers/carrier-harness';

/** The infobip route type against the fake Infobip over real HTTP, and its token-checked webhooks. */
describe('infobip route type', () => {
  let fake: FakeInfobip;
  let config: InfobipConfig;
  let catcher: CallbackCatcher;
  const routes: SmsRoute[] = [];
  const route = (overrides: Partial<InfobipConfig> = {}) => {
    const r = infobipRouteType.create({ ...config, ...overrides }, vendorDeps('rte_infobip', catcher.base));
    routes.push(r);
    return r;
  };

  beforeAll(async () => {
    fake = await startFakeInfobip({ slowMs: 3000 });
    config = infobipConfigSchema.parse({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 1000 });
    catcher = await startCallbackCatcher(infobipRouteType as never, config);
  });
  afterAll(async () => {
    for (const r of routes) await r.stop();
    await fake?.close();
    await catcher?.close();
  });

  it('generates a callback token when none is given, and keeps one that is', () => {
    const a = infobipConfigSchema.parse({ apiKey: fake.apiKey });
    const b = infobipConfigSchema.parse({ apiKey: fake.apiKey });
    expect(a.callbackToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.callbackToken).not.toBe(b.callbackToken);
    expect(
      infobipConfigSchema.parse({ apiKey: fake.apiKey, callbackToken: 'my-own-token-123456' }).callbackToken,
    ).toBe('my-own-token-123456');
    expect(infobipConfigSchema.safeParse({ apiKey: fake.apiKey, callbackToken: 'short' }).success).toBe(
      false,
    );
    expect(a.baseUrl).toBe('https://api.infobip.com');
  });

  it('sends the v3 JSON Infobip documents, our id as its message id, and the tokened report URL', async () => {
    const r = route();
    const message = outbound({
      to: '+37120000001',
      from: 'Acme',
      text: 'Ž'.repeat(80),
      validUntil: Date.now() + 3_600_000,
    });
    const result = await r.send(message);
    expect(result).toEqual({ carrierRef: message.messageId, partRefs: [message.messageId] });
    const request = fake.requests.at(-1)!;
    expect(request.headers.authorization).toBe(`App ${fake.apiKey}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      messages: [
        {
          sender: 'Acme',
          destinations: [{ to: '37120000001', messageId: message.messageId }],
          content: { text: 'Ž'.repeat(80) },
          options: { validityPeriod: { amount: 60, timeUnit: 'MINUTES' } },
          webhooks: {
            delivery: {
              url: `${catcher.base}/hooks/routes/rte_infobip/status?token=${config.callbackToken}`,
              intermediateReport: false,
            },
            contentType: 'application/json',
          },
        },
      ],
    });
    expect(fake.sent.at(-1)).toMatchObject({ messageId: message.messageId, smsCount: 2 });
    expect(r.health()).toMatchObject({ connectedBinds: 1, sentLastMinute: 1, errorsLastMinute: 0 });
  });

  it('caps the validity at 48 hours and sends a fixed sender when configured', async () => {
    await route({ sender: 'InfoSMS' }).send(outbound({ validUntil: Date.now() + 7 * 86_400_000 }));
    const body = JSON.parse(fake.requests.at(-1)!.body);
    expect(body.messages[0].options.validityPeriod).toEqual({ amount: 2880, timeUnit: 'MINUTES' });
    expect(body.messages[0].sender).toBe('InfoSMS');
    await route().send(outbound({ from: '+37126000000' }));
    expect(JSON.parse(fake.requests.at(-1)!.body).messages[0].sender).toBe('37126000000');
  });

  it.each([
    ['+37120000400', 'invalid_destination', 'REJECTED_DESTINATION', false],
    ['+37120000403', 'rejected_by_carrier', 'REJECTED_DESTINATION_BLOCKLISTED', false],
    ['+37120000402', 'auth_failed', 'REJECTED_NOT_ENOUGH_CREDITS', true],
  ] as const)(
    'maps a 200 whose status is rejected, for %s, to %s',
    async (to, code, carrierCode, retryable) => {
      const r = route();
      const error = await routeError(r.send(outbound({ to })));
      expect(error).toMatchObject({ code, carrierCode, retryable });
      expect(r.health().errorsLastMinute).toBe(1);
      // Out of credits is the account's problem: the route stops taking traffic until a send gets through.
      expect(r.health().connectedBinds).toBe(code === 'auth_failed' ? 0 : 1);
    },
  );

  it('treats a resend Infobip already has (duplicate message id) as sent', async () => {
    const r = route();
    const message = outbound();
    await r.send(message);
    const again = await r.send(message);
    expect(again.carrierRef).toBe(message.messageId);
    expect(fake.sent.filter((m) => m.messageId === message.messageId)).toHaveLength(1);
  });

  it('reads 400 violations: the field named decides the failure', async () => {
    const error = await routeError(route().send(outbound({ to: '+3712000000A' })));
    expect(error).toMatchObject({ code: 'invalid_destination', carrierCode: 'E400', retryable: false });
    expect(error.message).toContain('destinations[0].to');
  });

  it('maps 401, 429 (with Retry-After) and 500 from the older requestError shape', async () => {
    const wrong = route({ apiKey: 'wrong-key-00000000000000' });
    expect(await routeError(wrong.send(outbound()))).toMatchObject({
      code: 'auth_failed',
      carrierCode: 'UNAUTHORIZED',
    });
    expect(wrong.health().connectedBinds).toBe(0);
    expect(await routeError(route().send(outbound({ to: '+37120000429' })))).toMatchObject({
      code: 'throttled',
      carrierCode: 'TOO_MANY_REQUESTS',
      retryAfterMs: 7000,
      retryable: true,
    });
    expect(await routeError(route().send(outbound({ to: '+37120000500' })))).toMatchObject({
      code: 'carrier_error',
      carrierCode: 'GENERAL_ERROR',
    });
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

  it('reads the older answer shape (to, smsCount) too, and refuses one without a message id', () => {
    const answer = (body: unknown) =>
      infobipAnswer(
        { status: 200, headers: {}, body: JSON.stringify(body), truncated: false },
        outbound(),
        0,
      );
    expect(
      answer({
        messages: [{ to: '371', messageId: 'abc', smsCount: 3, status: INFOBIP_STATUSES.PENDING_ENROUTE }],
      }),
    ).toEqual({ carrierRef: 'abc', partRefs: ['abc'], smsCount: 3 });
    expect(() => answer({ messages: [{ status: INFOBIP_STATUSES.PENDING_ACCEPTED }] })).toThrow(
      /without a message id/,
    );
    expect(() => answer({ bulkId: 'x' })).toThrow(/without a message id/);
  });

  describe('callbacks', () => {
    it('accepts a report batch with the route token, and reads every report in it', async () => {
      const r = route();
      const a = outbound();
      const b = outbound({ to: '+37120000011' });
      const c = outbound({ to: '+37120000012' });
      for (const m of [a, b, c]) await r.send(m);
      const answer = await fake.deliveryReports([
        { messageId: a.messageId, status: 'DELIVERED_TO_HANDSET' },
        { messageId: b.messageId, status: 'UNDELIVERABLE_NOT_DELIVERED' },
        { messageId: c.messageId, status: 'DELIVERED_TO_OPERATOR' },
        { messageId: a.messageId, status: 'DELIVERED_TO_HANDSET' },
      ]);
      expect(answer.status).toBe(200);
      const { callback, verdict } = catcher.received.at(-1)!;
      expect(verdict).toEqual({ ok: true });
      const reports = infobipRouteType.parseReceipt!(callback, config);
      expect(reports.map((x) => [x.carrierRef, x.status, x.errorCode])).toEqual([
        [a.messageId, 'delivered', null],
        [b.messageId, 'undelivered', '27'],
      ]);
      expect(JSON.parse(reports[1]!.raw)).toMatchObject({
        messageId: b.messageId,
        error: { name: 'EC_ABSENT_SUBSCRIBER' },
      });
      // With operator delivery counted as final, the DELIVERED_TO_OPERATOR report is one too.
      const final = infobipRouteType.parseReceipt!(callback, { ...config, operatorDeliveryIsFinal: true });
      expect(final.map((x) => [x.carrierRef, x.status])).toContainEqual([c.messageId, 'delivered']);
    });

    it('refuses a wrong or missing token, and wrong Basic credentials when they are required', async () => {
      const { carrierRef } = await route().send(outbound());
      expect(
        (
          await fake.deliveryReports([{ messageId: carrierRef, status: 'DELIVERED_TO_HANDSET' }], {
            signature: 'bad',
          })
        ).status,
      ).toBe(401);
      expect(catcher.received.at(-1)!.verdict.reason).toContain('wrong token');
      expect(
        (
          await fake.deliveryReports([{ messageId: carrierRef, status: 'DELIVERED_TO_HANDSET' }], {
            signature: 'none',
          })
        ).status,
      ).toBe(401);
      const good = catcher.received.at(-1)!.callback;
      const withBasic = { ...config, callbackUsername: 'infobip', callbackPassword: 'hook-pass' };
      const tokened: RouteCallback = { ...good, query: { token: config.callbackToken } };
      expect(infobipRouteType.verifyCallback!(tokened, withBasic)).toMatchObject({ ok: false });
      const basic = `Basic ${Buffer.from('infobip:hook-pass').toString('base64')}`;
      expect(
        infobipRouteType.verifyCallback!({ ...tokened, headers: { authorization: basic } }, withBasic),
      ).toEqual({ ok: true });
    });

    it('checks Basic credentials the fake sends as a BASIC security setting', async () => {
      const withBasic = infobipConfigSchema.parse({
        ...config,
        callbackUsername: 'ib',
        callbackPassword: 'pw-123',
      });
      const basicCatcher = await startCallbackCatcher(infobipRouteType as never, withBasic);
      const basicFake = await startFakeInfobip({
        callbackAuth: { username: 'ib', password: 'pw-123' },
        autoReceiptMs: 400,
      });
      try {
        const r = infobipRouteType.create(
          { ...withBasic, baseUrl: basicFake.url },
          vendorDeps('rte_ib2', basicCatcher.base),
        );
        routes.push(r);
        // Both within the fake's bucket window (400 ms), so their reports share one request.
        await Promise.all([r.send(outbound()), r.send(outbound({ to: '+37120000410' }))]);
        await expect.poll(() => basicCatcher.received.length).toBe(1);
        const [{ callback, verdict }] = basicCatcher.received as [CallbackCatcher['received'][number]];
        expect(verdict).toEqual({ ok: true });
        // Two messages, one batch: Infobip buckets its reports.
        expect(
          infobipRouteType.parseReceipt!(callback, withBasic)
            .map((x) => x.status)
            .sort(),
        ).toEqual(['delivered', 'undelivered']);
      } finally {
        await basicFake.close();
        await basicCatcher.close();
      }
    });

    const cb = (body: string): RouteCallback => ({
      routeId: 'r',
      kind: 'status',
      method: 'POST',
      url: 'https://x/hooks/routes/r/status?token=t',
      query: { token: 't' },
      headers: {},
      body,
      receivedAt: 9,
    });
    const report = (status: object, error?: object) =>
      infobipRouteType.parseReceipt!(
        cb(JSON.stringify({ results: [{ messageId: 'm1', status, error, extra: { x: 1 } }] })),
        config,
      );

    it.each([
      [INFOBIP_STATUSES.DELIVERED_TO_HANDSET, 'delivered'],
      [INFOBIP_STATUSES.UNDELIVERABLE_NOT_DELIVERED, 'undelivered'],
      [INFOBIP_STATUSES.EXPIRED_EXPIRED, 'expired'],
      [INFOBIP_STATUSES.REJECTED_DESTINATION, 'rejected'],
      [{ groupId: 9, name: 'SOMETHING_NEW' }, 'unknown'],
    ])('maps status %o to %s', (status, expected) => {
      expect(report(status)).toMatchObject([{ carrierRef: 'm1', status: expected, at: 9 }]);
    });

    it('reports nothing for pending statuses, names the status when no error id is given', () => {
      expect(report(INFOBIP_STATUSES.PENDING_ACCEPTED)).toEqual([]);
      expect(report(INFOBIP_STATUSES.DELIVERED_TO_OPERATOR)).toEqual([]);
      expect(report(INFOBIP_STATUSES.EXPIRED_EXPIRED)[0]!.errorCode).toBe('EXPIRED_EXPIRED');
    });

    it('refuses malformed and oversized payloads', () => {
      const parse = (body: string) => infobipRouteType.parseReceipt!(cb(body), config);
      expect(() => parse('<xml/>')).toThrow(AppError);
      expect(() => parse('{"results":{}}')).toThrow(/no results array/);
      expect(() => parse('{"results":[{"status":{"groupId":3}}]}')).toThrow(/messageId is missing/);
      expect(() => parse('{"results":[{"messageId":"m"}]}')).toThrow(/status is missing/);
      expect(() => parse(JSON.stringify({ results: Array.from({ length: 1001 }, () => ({})) }))).toThrow(
        /too many/,
      );
      expect(() => parse(JSON.stringify({ results: [], pad: 'x'.repeat(300_000) }))).toThrow(/too large/);
    });

    it('reads inbound messages (MO_JSON_2) with E.164 addresses', async () => {
      const url = `${catcher.url('rte_infobip', 'inbound')}?token=${config.callbackToken}`;
      const answer = await fake.inbound(url, [
        { from: '37129000001', to: '37126000000', text: 'Labdien' },
        { from: 'InfoBank', to: '37126000000', text: 'STOP' },
      ]);
      expect(answer.status).toBe(200);
      const { callback, verdict } = catcher.received.at(-1)!;
      expect(verdict.ok).toBe(true);
      expect(infobipRouteType.parseInbound!(callback, config)).toEqual([
        {
          routeId: 'rte_infobip',
          from: '+37129000001',
          to: '+37126000000',
          text: 'Labdien',
          at: callback.receivedAt,
        },
        {
          routeId: 'rte_infobip',
          from: 'InfoBank',
          to: '+37126000000',
          text: 'STOP',
          at: callback.receivedAt,
        },
      ]);
      expect(
        (await fake.inbound(url, [{ from: '1', to: '2', text: 'x' }], { signature: 'bad' })).status,
      ).toBe(401);
    });
  });
});
