import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeInfobip } from '../../dev/fake-carriers/infobip';
import { startFakePlivo } from '../../dev/fake-carriers/plivo';
import { startFakeTelnyx } from '../../dev/fake-carriers/telnyx';
import { startFakeTwilio } from '../../dev/fake-carriers/twilio';
import { startFakeVonage } from '../../dev/fake-carriers/vonage';
import { httpRouteCalls } from '../helpers/http-routes';
import { freePort } from '../helpers/server-process';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * The callback leg of each vendor route type end to end: smsgate listens on a real port that is its
 * PUBLIC_URL (vendors sign the URL they call), the vendor's fake posts its own signed status callbacks to
 * /hooks/routes/<id>/status after each send, the worker applies them, the message ends delivered or
 * undelivered with the vendor's code and the client's webhook hears of it; an inbound message posted by
 * the fake lands in the inbox of the number's account; a wrongly signed callback is refused.
 */

/** A route's own callback token (Infobip and Vonage sign nothing): known, so the inbound URL can carry it. */
const TOKEN = 'e2e-vendor-callback-token-0123456789';

interface VendorLeg {
  name: string;
  type: string;
  /** The vendor's error code on the report of the fake's …0410 number. */
  undeliveredCode: string;
  /** Whether the vendor writes numbers without the '+' in its callbacks. */
  bareNumbers: boolean;
  /**
   * The query of the inbound URL the operator sets at the vendor: the route's token where it needs one,
   * and a parameter of the operator's own (percent-encoded) where the vendor signs the URL as a whole.
   */
  inboundQuery: string;
  start(): Promise<{
    url: string;
    config: Record<string, unknown>;
    /** The vendor's id of each accepted message, in order. */
    refs(): string[];
    /** The body of the fake's `/_fake/status` control call for one message. */
    statusCall(ref: string, signature: 'good' | 'bad'): Record<string, unknown>;
    close(): Promise<void>;
  }>;
}

/** Each fake posts a message's final report this soon after accepting it. */
const RECEIPT_MS = 20;

const LEGS: VendorLeg[] = [
  {
    name: 'twilio',
    type: 'twilio',
    undeliveredCode: '30003',
    bareNumbers: false,
    inboundQuery: '?source=e2e&note=a%20b%2Bc',
    async start() {
      const fake = await startFakeTwilio({ autoReceiptMs: RECEIPT_MS });
      return {
        url: fake.url,
        config: { accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url },
        refs: () => fake.sent.map((m) => m.sid),
        statusCall: (sid, signature) => ({ sid, status: 'undelivered', errorCode: '30005', signature }),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'infobip',
    type: 'infobip',
    undeliveredCode: '27',
    bareNumbers: true,
    inboundQuery: `?token=${TOKEN}&note=a%20b`,
    async start() {
      const fake = await startFakeInfobip({ autoReceiptMs: RECEIPT_MS });
      return {
        url: fake.url,
        config: { apiKey: fake.apiKey, baseUrl: fake.url, callbackToken: TOKEN },
        refs: () => fake.sent.map((m) => m.messageId),
        statusCall: (messageId, signature) => ({
          messageId,
          status: 'UNDELIVERABLE_NOT_DELIVERED',
          signature,
        }),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'vonage',
    type: 'vonage',
    undeliveredCode: '2',
    bareNumbers: true,
    inboundQuery: `?token=${TOKEN}`,
    async start() {
      const fake = await startFakeVonage({ autoReceiptMs: RECEIPT_MS });
      return {
        url: fake.url,
        config: { apiKey: fake.apiKey, apiSecret: fake.apiSecret, baseUrl: fake.url, callbackToken: TOKEN },
        refs: () => fake.sent.map((m) => m.parts[0]!),
        statusCall: (messageId, signature) => ({ messageId, status: 'failed', errCode: '2', signature }),
        close: () => fake.close(),
      };
    },
  },
  {
    // Signed webhooks (`sig`, 5 minutes' tolerance) in the GET format: Vonage's parameters share the
    // query with the route's token.
    name: 'vonage (signed, GET)',
    type: 'vonage',
    undeliveredCode: '2',
    bareNumbers: true,
    inboundQuery: `?token=${TOKEN}`,
    async start() {
      const fake = await startFakeVonage({ autoReceiptMs: RECEIPT_MS, signed: true, format: 'GET' });
      return {
        url: fake.url,
        config: {
          apiKey: fake.apiKey,
          apiSecret: fake.apiSecret,
          signatureSecret: fake.signatureSecret,
          baseUrl: fake.url,
          callbackToken: TOKEN,
        },
        refs: () => fake.sent.map((m) => m.parts[0]!),
        statusCall: (messageId, signature) => ({ messageId, status: 'failed', errCode: '2', signature }),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'telnyx',
    type: 'telnyx',
    undeliveredCode: '40002',
    bareNumbers: false,
    inboundQuery: '?note=a%20b',
    async start() {
      const fake = await startFakeTelnyx({ autoReceiptMs: RECEIPT_MS });
      return {
        url: fake.url,
        // An alphanumeric sender needs a messaging profile at Telnyx.
        config: {
          apiKey: fake.apiKey,
          publicKey: fake.publicKey,
          messagingProfileId: 'prof-e2e',
          baseUrl: fake.url,
        },
        refs: () => fake.sent.map((m) => m.id),
        statusCall: (id, signature) => ({ id, status: 'delivery_failed', signature }),
        close: () => fake.close(),
      };
    },
  },
  {
    name: 'plivo',
    type: 'plivo',
    undeliveredCode: '20',
    bareNumbers: true,
    inboundQuery: '?source=e2e&note=a%20b%2Bc',
    async start() {
      const fake = await startFakePlivo({ autoReceiptMs: RECEIPT_MS });
      return {
        url: fake.url,
        config: { authId: fake.authId, authToken: fake.authToken, baseUrl: fake.url },
        refs: () => fake.sent.map((m) => m.uuid),
        statusCall: (uuid, signature) => ({ uuid, status: 'undelivered', errorCode: '30', signature }),
        close: () => fake.close(),
      };
    },
  },
];

/** A control call to a fake (its own HTTP API for tests and operators). */
async function control(base: string, name: string, body: object): Promise<{ answered: number }> {
  const response = await fetch(`${base}/_fake/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, `/_fake/${name}`).toBe(200);
  const answer = (await response.json()) as { answered: number | number[] };
  return { answered: Array.isArray(answer.answered) ? answer.answered[0]! : answer.answered };
}

describe.each(DIALECTS)('vendor callbacks end to end on %s', (dialect) => {
  let ts: TestSystem;
  let op: Session;
  let receiver: WebhookReceiver;
  let publicUrl = '';
  const { admin, send, view, work, health } = httpRouteCalls(
    () => ts,
    () => op,
  );
  const callbacksOf = (routeId: string) =>
    ts.system.storage.db.selectFrom('route_callbacks').select('id').where('route_id', '=', routeId).execute();
  /** Runs the background passes until `done` holds (the fakes call back on their own timers). */
  async function until(what: string, done: () => Promise<boolean>, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await work(1);
      if (await done()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    ts = await startTestSystem(dialect, { PUBLIC_URL: publicUrl, WEBHOOK_ALLOW_PRIVATE: 'true' });
    // Signatures with a timestamp (Telnyx) are checked against our clock: it must be the vendor's time.
    ts.clock.set(Date.now());
    await ts.app.listen({ port, host: '127.0.0.1' });
    op = await staffSession(ts, 'operator');
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  it.each(LEGS.map((leg, i) => ({ ...leg, i })))(
    '$name: signed status callbacks → delivered / undelivered → client webhook; inbound → inbox; bad signature → 401',
    async (leg) => {
      const fake = await leg.start();
      const cleanup: string[] = [];
      try {
        const created = await admin('POST', '/v1/admin/routes', {
          name: `${leg.name} leg`,
          type: leg.type,
          config: fake.config,
        });
        expect(created.statusCode, created.body).toBe(201);
        const routeId: string = created.json().id;
        cleanup.unshift(`/v1/admin/routes/${routeId}`);
        const rule = await admin('POST', '/v1/admin/routing-rules', {
          priority: 1,
          match: { countries: ['LV'] },
          routeIds: [routeId],
        });
        expect(rule.statusCode, rule.body).toBe(201);
        cleanup.unshift(`/v1/admin/routing-rules/${rule.json().id}`);
        const client = await signup(ts.app);
        const hookPath = `/leg-${leg.i}`;
        const subscribed = await ts.app.inject({
          method: 'POST',
          url: '/v1/webhooks',
          headers: client.headers,
          payload: { url: `${receiver.url}${hookPath}`, events: ['message.status'] },
        });
        expect(subscribed.statusCode, subscribed.body).toBe(201);

        // Out: the fake accepts both and, on its own, posts its signed reports to our endpoint.
        const [ok, lost] = await send(client, ['+37120000012', '+37120000410'], `Via ${leg.type}`);
        await until('both final', async () => {
          const [a, b] = [await view(client, ok!), await view(client, lost!)];
          return a.status === 'delivered' && b.status === 'undelivered';
        });
        expect(await view(client, ok!)).toMatchObject({ status: 'delivered', route: routeId });
        expect(await view(client, lost!)).toMatchObject({
          status: 'undelivered',
          error: { carrierCode: leg.undeliveredCode },
        });
        const finals = () =>
          receiver.received
            .filter((r) => r.path === hookPath)
            .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
            .filter((e) => e.type === 'message.status' && e.data.status !== 'sent')
            .map((e) => e.data);
        await until('the client webhooks', async () => finals().length >= 2);
        expect(finals()).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ messageId: ok, status: 'delivered' }),
            expect.objectContaining({
              messageId: lost,
              status: 'undelivered',
              error: expect.objectContaining({ carrierCode: leg.undeliveredCode }),
            }),
          ]),
        );
        expect(finals()).toHaveLength(2);

        // A report signed with the wrong secret: refused, never stored, the message unchanged.
        const stored = (await callbacksOf(routeId)).length;
        const [ref] = fake.refs();
        const refused = await control(fake.url, 'status', fake.statusCall(ref!, 'bad'));
        expect(refused.answered).toBe(401);
        expect((await callbacksOf(routeId)).length).toBe(stored);
        expect((await health(routeId)).callbackSignatureFailures).toBe(1);
        await work();
        expect(await view(client, ok!)).toMatchObject({ status: 'delivered' });

        // In: a number of the client's account, a message to it posted by the fake.
        const ours = `+3712900${String(leg.i).padStart(4, '0')}`;
        const number = await admin('POST', '/v1/admin/numbers', {
          number: ours,
          accountId: client.accountId,
        });
        expect(number.statusCode, number.body).toBe(201);
        cleanup.unshift(`/v1/admin/numbers/${number.json().id}`);
        const bare = (n: string) => (leg.bareNumbers ? n.slice(1) : n);
        const inboundUrl = `${publicUrl}/hooks/routes/${routeId}/inbound${leg.inboundQuery}`;
        const posted = await control(fake.url, 'inbound', {
          url: inboundUrl,
          from: bare('+37120000077'),
          to: bare(ours),
          text: `STOP via ${leg.type}`,
        });
        // Vonage answers 204 No Content, the others 200.
        expect([200, 204]).toContain(posted.answered);
        const inbox = async () =>
          (await ts.app.inject({ method: 'GET', url: '/v1/inbound', headers: client.headers })).json()
            .data as Array<Record<string, unknown>>;
        await until('the inbound message', async () => (await inbox()).length > 0);
        expect(await inbox()).toEqual([
          expect.objectContaining({
            from: '+37120000077',
            to: ours,
            text: `STOP via ${leg.type}`,
            route: routeId,
          }),
        ]);
      } finally {
        for (const url of cleanup) await admin('DELETE', url);
        await fake.close();
      }
    },
    30_000,
  );
  it('infobip: a full batch of 100 long inbound messages (over 64 kB) in one callback is taken whole', async () => {
    const fake = await startFakeInfobip();
    const cleanup: string[] = [];
    try {
      const created = await admin('POST', '/v1/admin/routes', {
        name: 'infobip batch',
        type: 'infobip',
        config: { apiKey: fake.apiKey, baseUrl: fake.url, callbackToken: TOKEN },
      });
      expect(created.statusCode, created.body).toBe(201);
      const routeId: string = created.json().id;
      cleanup.unshift(`/v1/admin/routes/${routeId}`);
      const client = await signup(ts.app);
      const number = await admin('POST', '/v1/admin/numbers', {
        number: '+37129001000',
        accountId: client.accountId,
      });
      expect(number.statusCode, number.body).toBe(201);
      cleanup.unshift(`/v1/admin/numbers/${number.json().id}`);
      // Infobip forwards up to 100 messages a request; three-part messages make it about 100 kB.
      const messages = Array.from({ length: 100 }, (_, i) => ({
        from: `3712000${String(i).padStart(4, '0')}`,
        to: '37129001000',
        text: `${i} ${'long reply '.repeat(40)}`,
      }));
      const answer = await fake.inbound(
        `${publicUrl}/hooks/routes/${routeId}/inbound?token=${TOKEN}`,
        messages,
      );
      expect(answer.status, answer.body).toBe(200);
      const inbox = async () =>
        (await ts.app.inject({ method: 'GET', url: '/v1/inbound?limit=100', headers: client.headers })).json()
          .data as Array<{ from: string; text: string }>;
      await until('the batch in the inbox', async () => (await inbox()).length >= 100);
      const got = await inbox();
      expect(got).toHaveLength(100);
      expect(new Set(got.map((m) => m.from)).size).toBe(100);
      expect(got.map((m) => m.text)).toContain(`7 ${'long reply '.repeat(40)}`);
    } finally {
      for (const url of cleanup) await admin('DELETE', url);
      await fake.close();
    }
  });
});
