import { describe, expect, it } from 'vitest';
import { parseHttpInbound, parseHttpReceipt, verifyHttpCallback } from '../../src/adapters/http/callbacks';
import { httpRouteConfigSchema } from '../../src/adapters/http/config';
import type { RouteCallback } from '../../src/modules/dispatch';

const config = httpRouteConfigSchema.parse({
  url: 'http://127.0.0.1:1/send',
  callbackToken: 'the-route-token-0123456789',
  dlr: {
    ref: 'form.id',
    status: 'form.stat',
    errorCode: 'form.reply',
    errorRegex: 'err:(\\w+)',
    statusMap: { DELIVRD: 'delivered', UNDELIV: 'undelivered', ACCEPTD: null },
  },
  inbound: { from: 'json.msg.from', to: 'json.msg.to', text: '$.msg.text' },
});

const callback = (over: Partial<RouteCallback>): RouteCallback => ({
  routeId: 'rte_1',
  kind: 'status',
  method: 'POST',
  url: 'https://sms.example.test/hooks/routes/rte_1/status?token=the-route-token-0123456789',
  query: { token: 'the-route-token-0123456789' },
  headers: {},
  body: '',
  receivedAt: 1_000,
  ...over,
});

describe('generic HTTP route callbacks', () => {
  it('reads a form receipt, the error code through its regex, the token masked in the raw copy', () => {
    const [report] = parseHttpReceipt(
      callback({ body: 'id=ref-7&stat=UNDELIV&reply=id%3A7+err%3A034&token=x' }),
      config,
    );
    expect(report).toEqual({
      routeId: 'rte_1',
      carrierRef: 'ref-7',
      status: 'undelivered',
      errorCode: '034',
      raw: 'id=ref-7&stat=UNDELIV&reply=id%3A7+err%3A034&token=***',
      at: 1_000,
    });
  });

  it('ignores intermediate and unmapped statuses; refuses a callback without reference or status', () => {
    expect(parseHttpReceipt(callback({ body: 'id=r&stat=ACCEPTD' }), config)).toEqual([]);
    expect(parseHttpReceipt(callback({ body: 'id=r&stat=WHATEVER' }), config)).toEqual([]);
    expect(() => parseHttpReceipt(callback({ body: 'stat=DELIVRD' }), config)).toThrow(
      'no reference in form.id',
    );
    expect(() => parseHttpReceipt(callback({ body: 'id=r' }), config)).toThrow('no status in form.stat');
  });

  it('reads inbound JSON, adding the + to bare international numbers; refuses what is not JSON', () => {
    const body = JSON.stringify({ msg: { from: '37129000001', to: '+37120000001', text: 'Sveiki' } });
    expect(parseHttpInbound(callback({ kind: 'inbound', body }), config)).toEqual([
      { routeId: 'rte_1', from: '+37129000001', to: '+37120000001', text: 'Sveiki', at: 1_000 },
    ]);
    expect(() => parseHttpInbound(callback({ kind: 'inbound', body: '<html>' }), config)).toThrow('not JSON');
    const long = JSON.stringify({ msg: { from: '1', to: '2', text: 'x'.repeat(5_000) } });
    expect(() => parseHttpInbound(callback({ kind: 'inbound', body: long }), config)).toThrow('longer than');
  });

  it('checks the token, and Basic auth when a callback user is set', () => {
    expect(verifyHttpCallback(callback({}), config)).toEqual({ ok: true });
    expect(verifyHttpCallback(callback({ query: { token: 'nope' } }), config)).toEqual({
      ok: false,
      reason: 'wrong token',
    });
    const basic = { ...config, callbackUsername: 'carrier', callbackPassword: 'pw' };
    const auth = (s: string) => ({ authorization: `Basic ${Buffer.from(s).toString('base64')}` });
    expect(verifyHttpCallback(callback({}), basic).ok).toBe(false);
    expect(verifyHttpCallback(callback({ headers: auth('carrier:bad') }), basic).ok).toBe(false);
    expect(verifyHttpCallback(callback({ headers: auth('carrier:pw') }), basic)).toEqual({ ok: true });
  });
});
