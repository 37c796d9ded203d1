import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTelnyx, startFakeTelnyx } from '../../dev/fake-carriers/telnyx';
import { type TelnyxConfig, telnyxConfigSchema } from '../../src/adapters/telnyx/config';
import { telnyxRouteType } from '../../src/adapters/telnyx/route-type';
import { AppError } from '../../src/kernel/errors';
import type { RouteCallback, SmsRoute } from '../../src/modules/dispatch';
import {
  type CallbackCatcher,
  outbound,
  routeError,
  startCallbackCatcher,
  vendorDeps,
} from '../helpers/carrier-harness';

/** The telnyx route type against the fake Telnyx over real HTTP; its Ed25519 check against the SDK's. */
describe('telnyx route type', () => {
  let fake: FakeTelnyx;
  let config: TelnyxConfig;
  let catcher: CallbackCatcher;
  const routes: SmsRoute[] = [];
  const route = (overrides: Partial<TelnyxConfig> = {}) => {
    const r = telnyxRouteType.create({ ...config, ...overrides }, vendorDeps('rte_telnyx', catcher.base));
    routes.push(r);
    return r;
  };

  beforeAll(async () => {
    fake = await startFakeTelnyx({ slowMs: 3000 });
    config = telnyxConfigSchema.parse({
      apiKey: fake.apiKey,
      publicKey: fake.publicKey,
      baseUrl: fake.url,
      timeoutMs: 1000,
    });
    catcher = await startCallbackCatcher(telnyxRouteType as never, config);
  });
  afterAll(async () => {
    for (const r of routes) await r.stop();
    await fake?.close();
    await catcher?.close();
  });

  it('refuses a public key that is not 32 bytes of base64', () => {
    expect(telnyxConfigSchema.safeParse({ apiKey: fake.apiKey, publicKey: 'abc' }).success).toBe(false);
    expect(
      telnyxConfigSchema.safeParse({ apiKey: fake.apiKey, publicKey: Buffer.alloc(33).toString('base64') })
        .success,
    ).toBe(false);
  });

  it('sends the JSON Telnyx documents with the status webhook, and returns its message id', async () => {
    const r = route();
    const result = await r.send(outbound({ to: '+37120000001', from: '+37126000000', text: 'Labrīt' }));
    const request = fake.requests.at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(JSON.parse(request.body)).toEqual({
      from: '+37126000000',
      to: '+37120000001',
      text: 'Labrīt',
      type: 'SMS',
      webhook_url: `${catcher.base}/hooks/routes/rte_telnyx/status`,
      use_profile_webhooks: false,
    });
    expect(result).toEqual({ carrierRef: fake.sent.at(-1)!.id, partRefs: [fake.sent.at(-1)!.id] });
    expect(r.health()).toMatchObject({ connectedBinds: 1, sentLastMinute: 1 });
  });

  it('needs a messaging profile for an alphanumeric sender, and sends it when configured', async () => {
    expect(await routeError(route().send(outbound({ from: 'Acme' })))).toMatchObject({
      code: 'invalid_sender',
      carrierCode: '10002',
    });
    await route({ messagingProfileId: 'prof-1' }).send(outbound({ from: 'Acme' }));
    expect(fake.sent.at(-1)).toMatchObject({ from: 'Acme', messagingProfileId: 'prof-1' });
  });

  it.each([
    ['+37120000400', 'invalid_destination', '10002', false],
    ['+37120000403', 'rejected_by_carrier', '40300', false],
    ['+37120000429', 'throttled', '10011', true],
    ['+37120000500', 'carrier_error', '10007', true],
  ] as const)('maps the error for %s to %s (Telnyx %s)', async (to, code, carrierCode, retryable) => {
    const error = await routeError(route().send(outbound({ to, from: '+37126000000' })));
    expect(error).toMatchObject({ code, carrierCode, retryable });
    if (code === 'throttled') expect(error.retryAfterMs).toBe(7000);
  });

  it('goes unhealthy on a wrong key; HTML, empty and slow answers are retryable', async () => {
    const wrong = route({ apiKey: 'KEYwrong00000000000000000000' });
    expect(await routeError(wrong.send(outbound()))).toMatchObject({
      code: 'auth_failed',
      carrierCode: '10009',
    });
    expect(wrong.health().connectedBinds).toBe(0);
    const from = '+37126000000';
    expect((await routeError(route().send(outbound({ from, to: '+37120000200' })))).message).toContain(
      'without JSON',
    );
    expect(await routeError(route().send(outbound({ from, to: '+37120000204' })))).toMatchObject({
      code: 'carrier_error',
    });
    expect(
      await routeError(route({ timeoutMs: 500 }).send(outbound({ from, to: '+37120000408' }))),
    ).toMatchObject({
      code: 'timeout',
    });
  });

  describe('callbacks', () => {
    it('accepts events signed by the fake (which the Telnyx SDK verifies too), and reads them', async () => {
      const { carrierRef } = await route().send(outbound({ from: '+37126000000' }));
      const sent = await fake.event(carrierRef, 'sent');
      expect(sent.status).toBe(200);
      // The official verifier agrees on the very request our verifier accepted.
      await expect(
        new TelnyxWebhook(fake.publicKey).verify(sent.payload, sent.headers),
      ).resolves.toBeUndefined();
      expect(catcher.received.at(-1)!.verdict).toEqual({ ok: true });
      expect(telnyxRouteType.parseReceipt!(catcher.received.at(-1)!.callback, config)).toEqual([]);
      const finalized = await fake.event(carrierRef, 'delivered');
      expect(finalized.status).toBe(200);
      const { callback } = catcher.received.at(-1)!;
      expect(telnyxRouteType.parseReceipt!(callback, config)).toEqual([
        {
          routeId: 'rte_telnyx',
          carrierRef,
          status: 'delivered',
          errorCode: null,
          raw: callback.body,
          at: callback.receivedAt,
        },
      ]);
    });

    it('refuses wrong, missing and stale signatures and an altered body (as the SDK does)', async () => {
      const { carrierRef } = await route().send(outbound({ from: '+37126000000' }));
      const bad = await fake.event(carrierRef, 'delivered', { signature: 'bad' });
      expect(bad.status).toBe(401);
      await expect(new TelnyxWebhook(fake.publicKey).verify(bad.payload, bad.headers)).rejects.toThrow();
      expect((await fake.event(carrierRef, 'delivered', { signature: 'none' })).status).toBe(401);
      const stale = await fake.event(carrierRef, 'delivered', { signature: 'stale' });
      expect(stale.status).toBe(401);
      expect(catcher.received.at(-1)!.verdict.reason).toContain('5 minutes');
      await expect(new TelnyxWebhook(fake.publicKey).verify(stale.payload, stale.headers)).rejects.toThrow();
      const good = await fake.event(carrierRef, 'delivery_failed', { errorCode: '40002' });
      expect(good.status).toBe(200);
      const { callback } = catcher.received.at(-1)!;
      const altered = { ...callback, body: callback.body.replace('delivery_failed', 'delivered') };
      expect(telnyxRouteType.verifyCallback!(altered, config).ok).toBe(false);
      await expect(new TelnyxWebhook(fake.publicKey).verify(altered.body, good.headers)).rejects.toThrow();
      expect(telnyxRouteType.parseReceipt!(callback, config)).toMatchObject([
        { status: 'undelivered', errorCode: '40002' },
      ]);
    });

    const cb = (body: unknown): RouteCallback => ({
      routeId: 'r',
      kind: 'status',
      method: 'POST',
      url: 'https://x/hooks/routes/r/status',
      query: {},
      headers: {},
      body: typeof body === 'string' ? body : JSON.stringify(body),
      receivedAt: 4,
    });
    const finalized = (status: string, errors: object[] = []) =>
      cb({
        data: {
          event_type: 'message.finalized',
          payload: { id: 'T1', to: [{ phone_number: '+1', status }], errors, unknown: 1 },
        },
      });

    it.each([
      ['delivered', 'delivered'],
      ['delivery_failed', 'undelivered'],
      ['sending_failed', 'rejected'],
      ['expired', 'expired'],
      ['delivery_unconfirmed', 'unknown'],
      ['brand_new_status', 'unknown'],
    ])('maps to[0].status %s to %s', (telnyx, status) => {
      expect(telnyxRouteType.parseReceipt!(finalized(telnyx, [{ code: '40001' }]), config)).toMatchObject([
        { carrierRef: 'T1', status, errorCode: status === 'delivered' ? null : '40001' },
      ]);
    });

    it('ignores other events, refuses malformed and oversized payloads', () => {
      expect(telnyxRouteType.parseReceipt!(finalized('queued'), config)).toEqual([]);
      expect(
        telnyxRouteType.parseReceipt!(cb({ data: { event_type: 'message.received', payload: {} } }), config),
      ).toEqual([]);
      expect(() => telnyxRouteType.parseReceipt!(cb('nope'), config)).toThrow(AppError);
      expect(() => telnyxRouteType.parseReceipt!(cb({ data: { payload: {} } }), config)).toThrow(
        /event_type is missing/,
      );
      expect(() =>
        telnyxRouteType.parseReceipt!(
          cb({ data: { event_type: 'message.finalized', payload: { id: 'T', to: [] } } }),
          config,
        ),
      ).toThrow(/status is missing/);
      expect(() => telnyxRouteType.parseReceipt!(cb({ pad: 'x'.repeat(300_000) }), config)).toThrow(
        /too large/,
      );
    });

    it('reads an inbound message.received event, verified', async () => {
      const url = catcher.url('rte_telnyx', 'inbound');
      expect(
        (await fake.inbound(url, { from: '+37129000001', to: '+37126000000', text: 'Paldies' })).status,
      ).toBe(200);
      const { callback, verdict } = catcher.received.at(-1)!;
      expect(verdict.ok).toBe(true);
      expect(telnyxRouteType.parseInbound!(callback, config)).toEqual([
        {
          routeId: 'rte_telnyx',
          from: '+37129000001',
          to: '+37126000000',
          text: 'Paldies',
          at: callback.receivedAt,
        },
      ]);
      expect(telnyxRouteType.parseReceipt!(callback, config)).toEqual([]);
      expect(
        (await fake.inbound(url, { from: '+1', to: '+2', text: 'x' }, { signature: 'bad' })).status,
      ).toBe(401);
    });
  });
});
