/**
 * The official `twilio` Node SDK (pinned dev dependency) against our server: only the base URL and the
 * credentials differ from code written for Twilio. It sends, fetches, lists with auto-paging, cancels a
 * scheduled message, reads Twilio-shaped errors, and validates our status callbacks with validateRequest.
 */
import { randomBytes } from 'node:crypto';
import { parse } from 'node:querystring';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger';
import { createSecretBox } from '../../src/kernel/secret-box';
import { messageIdOfSid } from '../../src/modules/twilio-compat';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const LV = '+37121234567';

/** Twilio's request client with its domains (`https://api.twilio.com`, `https://messaging.twilio.com`) swapped for our server: the only change. */
function clientFor(baseUrl: string, accountSid: string, authToken: string, seen: string[]) {
  class ToOurServer extends twilio.RequestClient {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's own signature, RequestOptions<TData = any>
    override request<TData>(opts: any) {
      const uri = (opts.uri as string).replace(/^https:\/\/(api|messaging)\.twilio\.com/, baseUrl);
      seen.push(`${String(opts.method).toUpperCase()} ${uri.slice(baseUrl.length)}`);
      return super.request<TData>({ ...opts, uri });
    }
  }
  return twilio(accountSid, authToken, { httpClient: new ToOurServer() });
}

describe.each(DIALECTS)('the official Twilio SDK against smsgate on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  let baseUrl: string;
  /** What the server logs at warn and above (a skipped callback says so there). */
  const warnings: string[] = [];
  beforeAll(async () => {
    ts = await startTestSystem(
      dialect,
      {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        SIMULATOR_DELIVERY_DELAY_MS: '1000',
        SIMULATOR_UNDELIVERED_PATTERN: '9999$',
      },
      { logger: createLogger({ level: 'warn', destination: { write: (line) => void warnings.push(line) } }) },
    );
    baseUrl = await ts.app.listen({ port: 0, host: '127.0.0.1' });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  async function account() {
    const session = await signup(ts.app);
    const key = await createApiKey(ts.app, session);
    const me = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: key.headers });
    const sid: string = me.json().account.twilioAccountSid;
    return { session, key, sid };
  }

  /** The operator assigns these virtual numbers to the account (they become its IncomingPhoneNumbers). */
  async function assignNumbers(accountId: string, numbers: string[]) {
    const operator = await staffSession(ts, 'operator');
    for (const number of numbers) {
      const assigned = await ts.app.inject({
        method: 'POST',
        url: '/v1/admin/numbers',
        headers: operator.headers,
        payload: { number, accountId },
      });
      expect(assigned.statusCode, assigned.body).toBe(201);
    }
  }

  it('sends, is called back with signed statuses, and fetches the message', async () => {
    const { key, sid } = await account();
    expect(sid).toMatch(/^AC[0-9a-f]{32}$/);
    const seen: string[] = [];
    const client = clientFor(baseUrl, sid, key.key, seen);
    const callbackUrl = `${receiver.url}/twilio/status?shop=1`;
    receiver.clear();

    const sent = await client.messages.create({
      to: LV,
      from: 'Acme',
      body: 'Your code is 1234',
      statusCallback: callbackUrl,
    });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent).toMatchObject({
      accountSid: sid,
      status: 'queued',
      to: LV,
      from: 'Acme',
      body: 'Your code is 1234',
      numSegments: '1',
      direction: 'outbound-api',
      apiVersion: '2010-04-01',
      errorCode: null,
    });
    expect(sent.dateCreated).toBeInstanceOf(Date);
    expect(sent.dateCreated.getTime()).toBe(ts.clock.now() - (ts.clock.now() % 1000));
    expect(seen).toEqual([`POST /2010-04-01/Accounts/${sid}/Messages.json`]);
    // The key it signs with is kept sealed: a copy of the database does not hand it out.
    const stored = await ts.system.services.db
      .selectFrom('twilio_callbacks')
      .select('auth_token')
      .where('message_id', '=', messageIdOfSid(sent.sid)!)
      .executeTakeFirstOrThrow();
    expect(stored.auth_token).toMatch(/^sb1:/);
    expect(stored.auth_token).not.toContain(key.key);
    expect(stored.auth_token).not.toContain(key.key.slice(-16));

    // The simulated carrier takes it, then reports it delivered a second later.
    await ts.system.workOnce();
    ts.clock.advance(1500);
    await ts.system.workOnce();
    await receiver.waitFor(2);
    const callbacks = receiver.received.map((r) => ({
      headers: r.headers,
      params: parse(r.body) as Record<string, string>,
    }));
    expect(callbacks.map((c) => c.params.MessageStatus)).toEqual(['sent', 'delivered']);
    for (const c of callbacks) {
      expect(c.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(c.params).toMatchObject({
        MessageSid: sent.sid,
        SmsSid: sent.sid,
        AccountSid: sid,
        To: LV,
        From: 'Acme',
        ApiVersion: '2010-04-01',
      });
      const signature = c.headers['x-twilio-signature'] as string;
      expect(twilio.validateRequest(key.key, signature, callbackUrl, c.params)).toBe(true);
      // Signed with the credential's secret, over this URL and these parameters only.
      expect(twilio.validateRequest(`${key.key}x`, signature, callbackUrl, c.params)).toBe(false);
      expect(
        twilio.validateRequest(key.key, signature, callbackUrl, { ...c.params, To: '+37120000000' }),
      ).toBe(false);
    }

    const fetched = await client.messages(sent.sid).fetch();
    expect(fetched).toMatchObject({
      sid: sent.sid,
      status: 'delivered',
      priceUnit: 'credits',
      price: '-0.05000',
    });
    expect(fetched.dateSent).toBeInstanceOf(Date);
    expect(fetched.uri).toBe(`/2010-04-01/Accounts/${sid}/Messages/${sent.sid}.json`);
  });

  it('calls back an undelivered message with its Twilio error code, retries a failed callback, then forgets the token', async () => {
    const { key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const callbackUrl = `${receiver.url}/twilio/failing`;
    receiver.clear();
    receiver.respondNext({ status: 500 });
    const sent = await client.messages.create({
      to: '+37120009999',
      from: 'Acme',
      body: 'x',
      statusCallback: callbackUrl,
    });
    await ts.system.workOnce();
    ts.clock.advance(1500);
    await ts.system.workOnce();
    await receiver.waitFor(2);
    // The first callback (sent) was answered 500: it comes again on the retry ladder, same body and signature.
    ts.clock.advance(5_000);
    await ts.system.workOnce();
    await receiver.waitFor(3);
    const received = receiver.received.map((r) => ({
      signature: r.headers['x-twilio-signature'] as string,
      params: parse(r.body) as Record<string, string>,
    }));
    expect(received.map((r) => r.params.MessageStatus).sort()).toEqual(['sent', 'sent', 'undelivered']);
    const undelivered = received.find((r) => r.params.MessageStatus === 'undelivered')!;
    expect(undelivered.params).toMatchObject({
      MessageSid: sent.sid,
      ErrorCode: '30003',
      SmsStatus: 'undelivered',
    });
    for (const r of received)
      expect(twilio.validateRequest(key.key, r.signature, callbackUrl, r.params)).toBe(true);
    expect((await client.messages(sent.sid).fetch()).errorCode).toBe(30003);
    const db = ts.system.services.db;
    const messageId = messageIdOfSid(sent.sid)!;
    expect(await db.selectFrom('messages').select('id').where('id', '=', messageId).execute()).toHaveLength(
      1,
    );
    expect(
      await db.selectFrom('twilio_callbacks').selectAll().where('message_id', '=', messageId).execute(),
    ).toEqual([]);
    expect(await db.selectFrom('twilio_callback_deliveries').selectAll().execute()).toEqual([]);
  });

  it('lists with auto-paging (list and each) across pages of next_page_uri', async () => {
    const { key, sid } = await account();
    const seen: string[] = [];
    const client = clientFor(baseUrl, sid, key.key, seen);
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      sids.push((await client.messages.create({ to: `+3712123456${i}`, from: 'Acme', body: `n${i}` })).sid);
      ts.clock.advance(10);
    }
    seen.length = 0;
    const listed = await client.messages.list({ pageSize: 2 });
    expect(listed.map((m) => m.sid)).toEqual([...sids].reverse());
    expect(seen).toHaveLength(3);
    expect(seen[1]).toContain('PageToken=PA');

    // The README's way: the SDK's own client with its API domain's base URL changed; paging follows it too.
    const plain = twilio(sid, key.key);
    plain.api.baseUrl = baseUrl;
    expect((await plain.messages.list({ pageSize: 2 })).map((m) => m.sid)).toEqual([...sids].reverse());

    const limited = await client.messages.list({ pageSize: 2, limit: 3 });
    expect(limited.map((m) => m.body)).toEqual(['n4', 'n3', 'n2']);

    const each: string[] = [];
    await new Promise<void>((resolve, reject) =>
      client.messages.each(
        { pageSize: 2, to: '+37121234563', done: (error?: Error) => (error ? reject(error) : resolve()) },
        (m) => {
          each.push(m.sid);
        },
      ),
    );
    expect(each).toEqual([sids[3]]);
  });

  it('cancels a scheduled message, and reads errors as RestException', async () => {
    const { key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const sendAt = new Date(ts.clock.now() + 3 * 24 * 3600_000);
    const scheduled = await client.messages.create({
      to: LV,
      from: 'Acme',
      body: 'Friday',
      sendAt,
      scheduleType: 'fixed',
      statusCallback: `${receiver.url}/twilio/cancel`,
    });
    expect(scheduled.status).toBe('scheduled');
    receiver.clear();
    const cancelled = await client.messages(scheduled.sid).update({ status: 'canceled' });
    expect(cancelled.status).toBe('canceled');
    expect((await client.messages(scheduled.sid).fetch()).status).toBe('canceled');
    await ts.system.workOnce();
    await receiver.waitFor(1);
    const callback = parse(receiver.received[0]!.body) as Record<string, string>;
    expect(callback).toMatchObject({ MessageSid: scheduled.sid, MessageStatus: 'canceled' });
    const signature = receiver.received[0]!.headers['x-twilio-signature'] as string;
    expect(twilio.validateRequest(key.key, signature, `${receiver.url}/twilio/cancel`, callback)).toBe(true);
    // Final: the stored callback (and its token) is gone.
    const callbacks = ts.system.services.db.selectFrom('twilio_callbacks').selectAll();
    expect(await callbacks.where('message_id', '=', messageIdOfSid(scheduled.sid)!).execute()).toEqual([]);

    await expect(client.messages(scheduled.sid).update({ status: 'canceled' })).rejects.toMatchObject({
      status: 400,
      code: 30409,
    });
    await expect(client.messages.create({ to: '12', from: 'Acme', body: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 21211,
    });
    await expect(client.messages(`SM${'0'.repeat(32)}`).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    const wrongToken = clientFor(baseUrl, sid, `${key.key}x`, []);
    await expect(wrongToken.messages.list({ limit: 1 })).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it('posts inbound messages to a number’s SmsUrl, signed, and sends the TwiML <Message> replies', async () => {
    const { session, key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const number = '+37129990001';
    await assignNumbers(session.accountId, [number]);

    const numbers = await client.incomingPhoneNumbers.list();
    expect(numbers.map((n) => [n.phoneNumber, n.smsUrl])).toEqual([[number, '']]);
    expect(numbers[0]!.sid).toMatch(/^PN[0-9a-f]{32}$/);
    const smsUrl = `${receiver.url}/twilio/sms`;
    const updated = await client.incomingPhoneNumbers(numbers[0]!.sid).update({ smsUrl });
    expect(updated.smsUrl).toBe(smsUrl);
    expect((await client.incomingPhoneNumbers(numbers[0]!.sid).fetch()).smsUrl).toBe(smsUrl);

    receiver.clear();
    receiver.respondNext({
      contentType: 'text/xml',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks &amp; see you</Message><Message><Body>Second</Body></Message></Response>',
    });
    await ts.system.services.inbound.receive({
      routeId: 'simulator',
      from: '+37120001111',
      to: number,
      text: 'Is it open?',
      at: ts.clock.now(),
    });
    await ts.system.workOnce();
    await receiver.waitFor(1);
    const posted = parse(receiver.received[0]!.body) as Record<string, string>;
    expect(posted).toMatchObject({
      AccountSid: sid,
      From: '+37120001111',
      To: number,
      Body: 'Is it open?',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
      NumMedia: '0',
    });
    expect(posted.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    const signature = receiver.received[0]!.headers['x-twilio-signature'] as string;
    expect(twilio.validateRequest(key.key, signature, smsUrl, posted)).toBe(true);

    // The two replies went out from that number to the sender, through the ordinary send path.
    const replies = await client.messages.list({ to: '+37120001111' });
    expect(replies.map((m) => [m.from, m.body]).sort()).toEqual([
      [number, 'Second'],
      [number, 'Thanks & see you'],
    ]);

    // Cleared, the next message is not posted.
    await client.incomingPhoneNumbers(numbers[0]!.sid).update({ smsUrl: '' });
    receiver.clear();
    await ts.system.services.inbound.receive({
      routeId: 'simulator',
      from: '+37120001111',
      to: number,
      text: 'again',
      at: ts.clock.now(),
    });
    await ts.system.workOnce();
    expect(receiver.received).toEqual([]);
  });

  it('signs callbacks of a message sent with a Bearer key with that key; a session cannot ask for callbacks', async () => {
    const { session, key, sid } = await account();
    const callbackUrl = `${receiver.url}/twilio/bearer`;
    const form = new URLSearchParams({ To: LV, Body: 'via bearer', StatusCallback: callbackUrl }).toString();
    const url = `/2010-04-01/Accounts/${sid}/Messages.json`;
    const formType = { 'content-type': 'application/x-www-form-urlencoded' };
    const bySession = await ts.app.inject({
      method: 'POST',
      url,
      headers: { ...session.headers, ...formType },
      payload: form,
    });
    expect(bySession.statusCode).toBe(400);
    expect(bySession.json().code).toBe(20001);
    // Refused before anything was sent.
    const log = await ts.app.inject({ method: 'GET', url: '/v1/messages', headers: key.headers });
    expect(log.json().data).toEqual([]);
    receiver.clear();
    const sent = await ts.app.inject({
      method: 'POST',
      url,
      headers: { ...key.headers, ...formType },
      payload: form,
    });
    expect(sent.statusCode, sent.body).toBe(201);
    await ts.system.workOnce();
    await receiver.waitFor(1);
    const params = parse(receiver.received[0]!.body) as Record<string, string>;
    expect(params).toMatchObject({ MessageSid: sent.json().sid, MessageStatus: 'sent' });
    expect(
      twilio.validateRequest(
        key.key,
        receiver.received[0]!.headers['x-twilio-signature'] as string,
        callbackUrl,
        params,
      ),
    ).toBe(true);
  });

  it('redacts a sent message’s body with update({ body: "" }), keeping its figures; refuses one not sent yet', async () => {
    const { key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const sent = await client.messages.create({ to: LV, from: 'Acme', body: 'Your code is 9876' });
    // Still queued: its text is needed to send it.
    await expect(client.messages(sent.sid).update({ body: '' })).rejects.toMatchObject({
      status: 409,
      code: 20009,
    });
    await expect(client.messages(sent.sid).update({ body: 'other' })).rejects.toMatchObject({
      status: 400,
      code: 30400,
    });
    await ts.system.workOnce();
    const redacted = await client.messages(sent.sid).update({ body: '' });
    expect(redacted).toMatchObject({ sid: sent.sid, body: '', status: 'sent', to: LV, numSegments: '1' });
    ts.clock.advance(1500);
    await ts.system.workOnce();
    const fetched = await client.messages(sent.sid).fetch();
    expect(fetched).toMatchObject({ body: '', status: 'delivered', price: '-0.05000', to: LV });
    // MediaUrl is never MMS here: no message has media of its own, and the SDK's media list is empty.
    expect(fetched.numMedia).toBe('0');
    expect(await client.messages(sent.sid).media.list()).toEqual([]);
    // A second redaction is a no-op; it is audited once.
    expect((await client.messages(sent.sid).update({ body: '' })).body).toBe('');
    const db = ts.system.services.db;
    const id = messageIdOfSid(sent.sid)!;
    const row = await db
      .selectFrom('messages')
      .select(['text', 'segments', 'price', 'to_number'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ text: '', to_number: LV });
    expect(Number(row.segments)).toBe(1);
    expect(Number(row.price)).toBeGreaterThan(0);
    const audited = await db
      .selectFrom('audit_events')
      .select(['action', 'target_id'])
      .where('action', '=', 'message.redacted')
      .where('target_id', '=', id)
      .execute();
    expect(audited).toHaveLength(1);
  });

  it('sends incoming messages as a GET with the parameters in the query string when SmsMethod=GET', async () => {
    const { session, key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const number = '+37129990002';
    await assignNumbers(session.accountId, [number]);
    const [pn] = await client.incomingPhoneNumbers.list();
    const smsUrl = `${receiver.url}/twilio/sms-get?shop=2`;
    const updated = await client.incomingPhoneNumbers(pn!.sid).update({ smsUrl, smsMethod: 'GET' });
    expect(updated).toMatchObject({ smsUrl, smsMethod: 'GET' });
    expect((await client.incomingPhoneNumbers(pn!.sid).fetch()).smsMethod).toBe('GET');

    receiver.clear();
    receiver.respondNext({ contentType: 'text/xml', body: '<Response><Message>Got it</Message></Response>' });
    await ts.system.services.inbound.receive({
      routeId: 'simulator',
      from: '+37120002222',
      to: number,
      text: 'Open on Sunday?',
      at: ts.clock.now(),
    });
    await ts.system.workOnce();
    await receiver.waitFor(1);
    const got = receiver.received[0]!;
    expect(got.method).toBe('GET');
    expect(got.body).toBe('');
    const fullUrl = `${receiver.url}${got.path}`;
    const query = Object.fromEntries(new URL(fullUrl).searchParams);
    expect(query).toMatchObject({
      shop: '2',
      AccountSid: sid,
      From: '+37120002222',
      To: number,
      Body: 'Open on Sunday?',
      SmsStatus: 'received',
    });
    // Twilio signs a GET over the full URL with its query, and no body parameters.
    const signature = got.headers['x-twilio-signature'] as string;
    expect(twilio.validateRequest(key.key, signature, fullUrl, {})).toBe(true);
    expect(twilio.validateRequest(key.key, signature, smsUrl, query)).toBe(false);
    const replies = await client.messages.list({ to: '+37120002222' });
    expect(replies.map((m) => [m.from, m.body])).toEqual([[number, 'Got it']]);

    // Setting only the URL keeps the method; setting only the method keeps the URL.
    const back = await client.incomingPhoneNumbers(pn!.sid).update({ smsMethod: 'POST' });
    expect(back).toMatchObject({ smsUrl, smsMethod: 'POST' });
  });

  it('creates a Messaging Service with a sender pool, and sends through it with a sticky sender and its callback', async () => {
    const { session, key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const numbers = ['+37129990101', '+37129990102', '+37129990103'];
    await assignNumbers(session.accountId, numbers);
    const callbackUrl = `${receiver.url}/twilio/service-status`;
    const service = await client.messaging.v1.services.create({
      friendlyName: 'Reminders',
      statusCallback: callbackUrl,
    });
    expect(service.sid).toMatch(/^MG[0-9a-f]{32}$/);
    expect(service).toMatchObject({
      accountSid: sid,
      friendlyName: 'Reminders',
      statusCallback: callbackUrl,
    });
    expect(service.dateCreated).toBeInstanceOf(Date);

    // An empty pool cannot send.
    await expect(
      client.messages.create({ to: LV, body: 'x', messagingServiceSid: service.sid }),
    ).rejects.toMatchObject({ status: 400, code: 21704 });

    const pns = await client.incomingPhoneNumbers.list();
    for (const pn of pns)
      await client.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
    const pool = await client.messaging.v1.services(service.sid).phoneNumbers.list();
    expect(pool.map((p) => p.phoneNumber).sort()).toEqual(numbers);
    expect(pool[0]!.serviceSid).toBe(service.sid);
    expect((await client.messaging.v1.services.list()).map((s) => s.sid)).toEqual([service.sid]);
    expect((await client.messaging.v1.services(service.sid).fetch()).friendlyName).toBe('Reminders');
    // The README's way: the SDK's own client with both domains' base URLs changed.
    const plain = twilio(sid, key.key);
    plain.api.baseUrl = baseUrl;
    plain.messaging.baseUrl = baseUrl;
    expect((await plain.messaging.v1.services.list()).map((s) => s.sid)).toEqual([service.sid]);

    // The same To keeps the same From; recipients spread over the pool.
    receiver.clear();
    const recipients = ['+37121000001', '+37121000002', '+37121000003', '+37121000004', '+37121000005'];
    const first = new Map<string, string>();
    for (const to of recipients) {
      const m = await client.messages.create({
        to,
        body: 'Appointment at 10',
        messagingServiceSid: service.sid,
      });
      expect(m.messagingServiceSid).toBe(service.sid);
      expect(numbers).toContain(m.from);
      first.set(to, m.from);
    }
    for (const to of recipients) {
      const again = await client.messages.create({ to, body: 'Reminder', messagingServiceSid: service.sid });
      expect(again.from).toBe(first.get(to));
      expect((await client.messages(again.sid).fetch()).messagingServiceSid).toBe(service.sid);
    }
    expect(new Set(first.values()).size).toBeGreaterThan(1);
    // An explicit From wins over the pool.
    const explicit = await client.messages.create({
      to: recipients[0]!,
      from: 'Acme',
      body: 'x',
      messagingServiceSid: service.sid,
    });
    expect(explicit.from).toBe('Acme');

    // The service's status callback applies to messages without their own, signed as any other.
    await ts.system.workOnce();
    await receiver.waitFor(11);
    const statuses = receiver.received.map((r) => parse(r.body) as Record<string, string>);
    expect(statuses.every((p) => p.MessageStatus === 'sent')).toBe(true);
    for (const r of receiver.received)
      expect(
        twilio.validateRequest(
          key.key,
          r.headers['x-twilio-signature'] as string,
          callbackUrl,
          parse(r.body) as Record<string, string>,
        ),
      ).toBe(true);

    // Unknown, foreign and malformed services are refused with Twilio's codes.
    const other = await account();
    const theirs = await clientFor(baseUrl, other.sid, other.key.key, []).messaging.v1.services.create({
      friendlyName: 'Theirs',
    });
    await expect(
      client.messages.create({ to: LV, body: 'x', messagingServiceSid: theirs.sid }),
    ).rejects.toMatchObject({ status: 400, code: 21701 });
    await expect(client.messaging.v1.services(theirs.sid).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    await expect(
      client.messages.create({ to: LV, body: 'x', messagingServiceSid: 'MGnope' }),
    ).rejects.toMatchObject({ status: 400, code: 21705 });
    // A number is in one service at a time.
    const second = await client.messaging.v1.services.create({ friendlyName: 'Second' });
    await expect(
      client.messaging.v1.services(second.sid).phoneNumbers.create({ phoneNumberSid: pns[0]!.sid }),
    ).rejects.toMatchObject({ status: 400, code: 21712 });
    const alpha = await client.messaging.v1.services(second.sid).alphaSenders.create({ alphaSender: 'Acme' });
    expect(alpha.sid).toMatch(/^AI[0-9a-f]{32}$/);
    expect(alpha.alphaSender).toBe('Acme');
    expect((await client.messages.create({ to: LV, body: 'x', messagingServiceSid: second.sid })).from).toBe(
      'Acme',
    );

    // Removing a sender moves its recipients to another one of the pool.
    const stickyTo = recipients[0]!;
    const removedPn = pool.find((p) => p.phoneNumber === first.get(stickyTo))!;
    await client.messaging.v1.services(service.sid).phoneNumbers(removedPn.sid).remove();
    const moved = await client.messages.create({ to: stickyTo, body: 'x', messagingServiceSid: service.sid });
    expect(moved.from).not.toBe(first.get(stickyTo));
    expect(numbers).toContain(moved.from);
    expect(await client.messaging.v1.services(second.sid).remove()).toBe(true);
    expect((await client.messaging.v1.services.list()).map((s) => s.sid)).toEqual([service.sid]);
  });

  it('skips the callback whose stored key does not open: the status change still happens, and it is logged', async () => {
    const { key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const callbackUrl = `${receiver.url}/twilio/unopenable`;
    const sent = await client.messages.create({
      to: LV,
      from: 'Acme',
      body: 'x',
      statusCallback: callbackUrl,
    });
    const db = ts.system.services.db;
    const id = messageIdOfSid(sent.sid)!;
    // As after restoring the database without its secrets key: the key was sealed under another one.
    const foreign = createSecretBox(randomBytes(32)).seal(key.key);
    await db
      .updateTable('twilio_callbacks')
      .set({ auth_token: foreign })
      .where('message_id', '=', id)
      .execute();
    receiver.clear();
    warnings.length = 0;
    await ts.system.workOnce();
    ts.clock.advance(1500);
    await ts.system.workOnce();
    await ts.system.workOnce();
    expect((await client.messages(sent.sid).fetch()).status).toBe('delivered');
    expect(receiver.received.filter((r) => r.path.startsWith('/twilio/unopenable'))).toEqual([]);
    expect(
      await db.selectFrom('twilio_callback_deliveries').select('id').where('message_id', '=', id).execute(),
    ).toEqual([]);
    const skipped = warnings
      .map((w) => JSON.parse(w) as { msg: string })
      .filter((w) => w.msg.includes('does not open'));
    expect(skipped.map((w) => w.msg)).toEqual([
      'a Twilio-compatible signing key does not open; status callback skipped',
      'a Twilio-compatible signing key does not open; status callback skipped',
    ]);
    // Final: the stored callback (with its unopenable key) is forgotten all the same.
    expect(
      await db.selectFrom('twilio_callbacks').select('message_id').where('message_id', '=', id).execute(),
    ).toEqual([]);
  });

  it('looks up callbacks only for messages sent with one: a message sent otherwise is never called back', async () => {
    const { session, key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const db = ts.system.services.db;
    const plain = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to: LV, text: 'through the REST API' },
    });
    expect(plain.statusCode, plain.body).toBe(202);
    const plainId = plain.json().data[0].id as string;
    const withCallback = await client.messages.create({
      to: LV,
      from: 'Acme',
      body: 'with a callback',
      statusCallback: `${receiver.url}/twilio/flagged`,
    });
    const flags = await db
      .selectFrom('messages')
      .select(['id', 'status_callback'])
      .where('id', 'in', [plainId, messageIdOfSid(withCallback.sid)!])
      .execute();
    expect(Object.fromEntries(flags.map((f) => [f.id, Number(f.status_callback)]))).toEqual({
      [plainId]: 0,
      [messageIdOfSid(withCallback.sid)!]: 1,
    });
    // A callback row for the unflagged message (with a key that opens) is never even read: its status
    // changes raise nothing.
    const { auth_token } = await db
      .selectFrom('twilio_callbacks')
      .select('auth_token')
      .where('message_id', '=', messageIdOfSid(withCallback.sid)!)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('twilio_callbacks')
      .values({
        message_id: plainId,
        account_id: session.accountId,
        url: `${receiver.url}/twilio/never`,
        auth_token,
        from_number: 'Acme',
        created_at: ts.clock.now(),
      })
      .execute();
    receiver.clear();
    await ts.system.workOnce();
    await receiver.waitFor(1);
    expect(receiver.received.map((r) => r.path)).toEqual(['/twilio/flagged']);
    expect(
      await db
        .selectFrom('twilio_callback_deliveries')
        .select('id')
        .where('message_id', '=', plainId)
        .execute(),
    ).toEqual([]);
    await db.deleteFrom('twilio_callbacks').where('message_id', '=', plainId).execute();
  });

  // Last: it moves the shared clock far ahead.
  it('forgets a callback (and its token) whose message never reached a final status, and unused sticky senders', async () => {
    const { key, sid } = await account();
    const client = clientFor(baseUrl, sid, key.key, []);
    const sendAt = new Date(ts.clock.now() + 30 * 24 * 3600_000);
    const scheduled = await client.messages.create({
      to: LV,
      body: 'later',
      sendAt,
      scheduleType: 'fixed',
      statusCallback: `${receiver.url}/twilio/stale`,
    });
    const db = ts.system.services.db;
    const stored = () =>
      db
        .selectFrom('twilio_callbacks')
        .select('message_id')
        .where('message_id', '=', messageIdOfSid(scheduled.sid)!)
        .execute();
    expect(await stored()).toHaveLength(1);
    ts.clock.advance(39 * 24 * 3600_000);
    await ts.system.services.twilioCallbacks.deliverDue(50);
    expect(await stored()).toHaveLength(1);
    ts.clock.advance(2 * 24 * 3600_000);
    await ts.system.services.twilioCallbacks.deliverDue(50);
    expect(await stored()).toEqual([]);

    // The Messaging Service test's recipients got nothing more for over 30 days: their sticky senders go.
    const sticky = () => db.selectFrom('twilio_sticky_senders').select('to_hash').execute();
    expect((await sticky()).length).toBeGreaterThan(0);
    await ts.system.workOnce();
    expect(await sticky()).toEqual([]);
  });
});
