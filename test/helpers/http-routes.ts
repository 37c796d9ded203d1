import { expect } from 'vitest';
import type { Session, TestSystem } from './system';

/**
 * A generic HTTP route configured as Kannel's `sendsms` (docs/design/http-carriers.md §6): GET with the
 * credentials in the query, `202 0: Accepted for delivery`, no message id (ours is the reference), and a
 * DLR fetched from `dlr-url` with `%d` expanded.
 */
export function kannelConfig(base: string, extra: Record<string, unknown> = {}) {
  return {
    method: 'GET',
    url: `${base}/cgi-bin/sendsms?username={{config.username|urlencode}}&password={{config.password|urlencode}}&from={{from|urlencode}}&to={{to|urlencode}}&text={{text|urlencode}}&coding={{coding}}&charset=UTF-8&dlr-mask=19&dlr-url={{dlrUrl|urlencode}}`,
    username: 'kannel-user',
    password: 'p&ss w0rd',
    dlrQuery: 'ref={{messageId|urlencode}}&type=%d&reply=%A',
    success: { status: [202], bodyRegex: '^[03]: ' },
    errors: [
      { status: [403], bodyRegex: 'Authorization failed', code: 'auth_failed' },
      { status: [400], bodyRegex: 'Invalid destination', code: 'invalid_destination' },
    ],
    dlr: {
      ref: 'query.ref',
      status: 'query.type',
      errorCode: 'query.reply',
      errorRegex: 'err:(\\w+)',
      statusMap: { '1': 'delivered', '2': 'undelivered', '16': 'rejected', '4': null, '8': null },
    },
    inbound: { from: 'query.from', to: 'query.to', text: 'query.text' },
    ...extra,
  };
}

/**
 * A generic HTTP route configured as an SMS Gate-style JSON API (SMSGate `POST /3rdparty/v1/message`,
 * Basic auth, `{"id","message","phoneNumbers"}` in, `{"id","state"}` out; webhooks as JSON events).
 */
export function smsGateConfig(base: string, extra: Record<string, unknown> = {}) {
  return {
    method: 'POST',
    url: `${base}/3rdparty/v1/message`,
    headers: { Authorization: 'Basic {{config.basicAuth}}', 'Content-Type': 'application/json' },
    body: '{"id":"{{messageId}}","message":"{{text|json}}","phoneNumbers":["{{to}}"],"withDeliveryReport":true}',
    username: 'gate-user',
    password: 'gate-pass',
    success: { status: [200, 201, 202], jsonPath: '$.state' },
    carrierRef: { jsonPath: '$.id' },
    dlr: {
      ref: '$.payload.messageId',
      status: '$.event',
      errorCode: 'json.payload.reason',
      statusMap: { 'sms:delivered': 'delivered', 'sms:failed': 'undelivered', 'sms:sent': null },
    },
    inbound: { from: '$.payload.phoneNumber', toNumber: '+37120009999', text: '$.payload.message' },
    ...extra,
  };
}

/** Calls on one test system, as its operator and one client. */
export function httpRouteCalls(ts: () => TestSystem, op: () => Session) {
  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    ts().app.inject({ method, url, headers: op().headers, ...(payload ? { payload } : {}) });
  return {
    admin,
    async addRoute(name: string, config: object): Promise<{ id: string; token: string }> {
      const r = await admin('POST', '/v1/admin/routes', { name, type: 'http', config });
      expect(r.statusCode, r.body).toBe(201);
      return { id: r.json().id, token: r.json().generatedSecrets?.callbackToken };
    },
    async routeFor(client: Session, routeIds: string[]) {
      const r = await admin('POST', '/v1/admin/routing-rules', {
        priority: 10,
        match: { accountId: client.accountId },
        routeIds,
      });
      expect(r.statusCode, r.body).toBe(201);
    },
    async send(client: Session, to: string[], text: string): Promise<string[]> {
      const r = await ts().app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: client.headers,
        payload: { to, text },
      });
      expect(r.statusCode, r.body).toBe(202);
      return (r.json().data as Array<{ id: string }>).map((m) => m.id);
    },
    async view(client: Session, id: string) {
      return (
        await ts().app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: client.headers })
      ).json();
    },
    async health(routeId: string) {
      const r = await admin('GET', `/v1/admin/routes/${routeId}/health`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    },
    async work(rounds = 3) {
      for (let i = 0; i < rounds; i++) await ts().system.workOnce();
    },
  };
}
