import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeInfobip } from '../../dev/fake-carriers/infobip';
import { startFakePlivo } from '../../dev/fake-carriers/plivo';
import { startFakeTelnyx } from '../../dev/fake-carriers/telnyx';
import { startFakeTwilio } from '../../dev/fake-carriers/twilio';
import { startFakeVonage } from '../../dev/fake-carriers/vonage';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

/**
 * Each vendor route type through the whole system: the operator adds a route of that type against the
 * vendor's fake server, a rule sends Latvian numbers to it, a client's messages reach the fake as the vendor
 * documents them (with the route's status callback URL) and a refused number fails the message with the
 * vendor's code. (The callback leg end to end: vendor-callbacks.test.ts.)
 */

interface VendorCase {
  type: string;
  secret: string;
  start(): Promise<{
    config: Record<string, unknown>;
    /** What the fake accepted: destination, text and the status callback URL it was given. */
    accepted(): Array<{ to: string; text: string; callback: string | null }>;
    close(): Promise<void>;
  }>;
  badNumberCode: string;
}

const VENDORS: VendorCase[] = [
  {
    type: 'twilio',
    secret: 'authToken',
    badNumberCode: '21211',
    async start() {
      const fake = await startFakeTwilio();
      return {
        config: { accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url },
        accepted: () => fake.sent.map((m) => ({ to: m.to, text: m.body, callback: m.statusCallback })),
        close: () => fake.close(),
      };
    },
  },
  {
    type: 'infobip',
    secret: 'apiKey',
    badNumberCode: 'REJECTED_DESTINATION',
    async start() {
      const fake = await startFakeInfobip();
      return {
        config: { apiKey: fake.apiKey, baseUrl: fake.url },
        // The generated callback token rides in the query: checked by the unit tests, masked here.
        accepted: () =>
          fake.sent.map((m) => ({
            to: `+${m.to}`,
            text: m.text,
            callback: m.deliveryUrl?.replace(/\?token=[\w-]{32}$/, '') ?? null,
          })),
        close: () => fake.close(),
      };
    },
  },
  {
    type: 'vonage',
    secret: 'apiSecret',
    badNumberCode: '6',
    async start() {
      const fake = await startFakeVonage();
      return {
        config: { apiKey: fake.apiKey, apiSecret: fake.apiSecret, baseUrl: fake.url },
        accepted: () =>
          fake.sent.map((m) => ({
            to: `+${m.to}`,
            text: m.text,
            callback: m.callback?.replace(/\?token=[\w-]{32}$/, '') ?? null,
          })),
        close: () => fake.close(),
      };
    },
  },
  {
    type: 'telnyx',
    secret: 'apiKey',
    badNumberCode: '10002',
    async start() {
      const fake = await startFakeTelnyx();
      return {
        // An alphanumeric sender needs a messaging profile at Telnyx.
        config: {
          apiKey: fake.apiKey,
          publicKey: fake.publicKey,
          messagingProfileId: 'prof-e2e',
          baseUrl: fake.url,
        },
        accepted: () => fake.sent.map((m) => ({ to: m.to, text: m.text, callback: m.webhookUrl })),
        close: () => fake.close(),
      };
    },
  },
  {
    type: 'plivo',
    secret: 'authToken',
    badNumberCode: '400',
    async start() {
      const fake = await startFakePlivo();
      return {
        config: { authId: fake.authId, authToken: fake.authToken, baseUrl: fake.url },
        accepted: () => fake.sent.map((m) => ({ to: `+${m.dst}`, text: m.text, callback: m.url })),
        close: () => fake.close(),
      };
    },
  },
];

describe.each(DIALECTS)('vendor routes on %s', (dialect) => {
  let ts: TestSystem;
  let op: Session;
  let client: Session;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { PUBLIC_URL: 'https://sms.example.com' });
    op = await staffSession(ts, 'operator');
    client = await signup(ts.app);
  });
  afterAll(async () => {
    await ts?.close();
  });
  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: op.headers, ...(payload ? { payload } : {}) });

  it.each(VENDORS)(
    '$type: added by the operator, routed to, sent as the vendor documents',
    async (vendor) => {
      const fake = await vendor.start();
      const cleanup: string[] = [];
      try {
        const types = (await admin('GET', '/v1/admin/route-types')).json().data as Array<{
          type: string;
          secretKeys: string[];
          configSchema: { properties: Record<string, { title?: string }> };
        }>;
        const described = types.find((t) => t.type === vendor.type);
        expect(described?.secretKeys).toContain(vendor.secret);
        expect(described?.configSchema.properties.baseUrl?.title).toBeTruthy();

        const created = await admin('POST', '/v1/admin/routes', {
          name: vendor.type,
          type: vendor.type,
          config: fake.config,
        });
        expect(created.statusCode, created.body).toBe(201);
        const route = created.json();
        cleanup.unshift(`/v1/admin/routes/${route.id}`);
        expect(route.config[vendor.secret]).toBe('********');
        const rule = await admin('POST', '/v1/admin/routing-rules', {
          priority: 1,
          match: { countries: ['LV'] },
          routeIds: [route.id],
        });
        expect(rule.statusCode, rule.body).toBe(201);
        cleanup.unshift(`/v1/admin/routing-rules/${rule.json().id}`);

        const sent = await ts.app.inject({
          method: 'POST',
          url: '/v1/messages',
          headers: client.headers,
          payload: { to: ['+37120000012', '+37120000400'], text: `Through ${vendor.type}` },
        });
        expect(sent.statusCode, sent.body).toBe(202);
        const [ok, refused] = sent.json().data as Array<{ id: string }>;
        for (let i = 0; i < 20; i++) await ts.system.workOnce();
        const view = async (id: string) =>
          (await ts.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: client.headers })).json();
        expect(await view(ok!.id)).toMatchObject({ status: 'sent', route: route.id });
        expect(await view(refused!.id)).toMatchObject({
          status: 'failed',
          error: { code: 'invalid_destination', carrierCode: vendor.badNumberCode },
        });
        expect(fake.accepted()).toEqual([
          {
            to: '+37120000012',
            text: `Through ${vendor.type}`,
            callback: `https://sms.example.com/hooks/routes/${route.id}/status`,
          },
        ]);
        // The operator's test send goes through the same adapter: the vendor's answer is recorded.
        const test = await admin('POST', `/v1/admin/routes/${route.id}/test`, {
          to: '+37120000013',
          text: 'Route test',
          waitSeconds: 0,
        });
        expect(test.statusCode, test.body).toBe(200);
        expect(test.json()).toMatchObject({ status: 'accepted', error: null });
        expect(fake.accepted().at(-1)).toMatchObject({ to: '+37120000013', text: 'Route test' });
        const refusedTest = await admin('POST', `/v1/admin/routes/${route.id}/test`, {
          to: '+37120000400',
          text: 'Route test',
          waitSeconds: 0,
        });
        expect(refusedTest.json()).toMatchObject({
          status: 'failed',
          error: { code: 'invalid_destination', carrierCode: vendor.badNumberCode },
        });
      } finally {
        // The next vendor's case starts from no rule and no route.
        for (const url of cleanup) await admin('DELETE', url);
        await fake.close();
      }
    },
  );
});
