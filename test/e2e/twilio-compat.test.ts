/**
 * The Twilio-compatible API's answers to bad and unusual input, in Twilio's error shape, and what each
 * request left behind (messages, credits, callbacks): wrong AccountSid, wrong credentials, a JSON body,
 * unknown parameters, invalid or missing To and Body, a long Body, a private StatusCallback, opted-out
 * recipients, deletion rules, DateSent filters, undelivered messages with their Twilio error code, the
 * redaction update's refusals, MediaUrl as links (no media of the message's own) and a Messaging Service's
 * refused callback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySid } from '../../src/modules/twilio-compat';
import { DIALECTS } from '../helpers/storage';
import {
  createApiKey,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
} from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const LV = '+37121234567';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(DIALECTS)('the Twilio-compatible API on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    // WEBHOOK_ALLOW_PRIVATE stays off: callbacks to private addresses are refused as webhooks are.
    ts = await startTestSystem(dialect, { SIMULATOR_UNDELIVERED_PATTERN: '9999$' });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  interface Client {
    session: Session;
    key: { id: string; key: string; headers: Record<string, string> };
    sid: string;
    basic: Record<string, string>;
  }
  async function client(): Promise<Client> {
    const session = await signup(ts.app);
    const key = await createApiKey(ts.app, session);
    const sid = (await ts.app.inject({ method: 'GET', url: '/v1/me', headers: key.headers })).json().account
      .twilioAccountSid as string;
    return { session, key, sid, basic: basic(sid, key.key) };
  }
  const basic = (user: string, password: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });
  const create = (c: Client, form: Record<string, string | string[]>, headers = c.basic, sid = c.sid) =>
    ts.app.inject({
      method: 'POST',
      url: `/2010-04-01/Accounts/${sid}/Messages.json`,
      headers: { ...headers, ...FORM },
      payload: new URLSearchParams(
        Object.entries(form).flatMap(
          ([k, v]): Array<[string, string]> =>
            Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]],
        ),
      ).toString(),
    });
  const get = (c: Client, path: string, headers = c.basic) =>
    ts.app.inject({ method: 'GET', url: `/2010-04-01/Accounts/${c.sid}${path}`, headers });
  const ourMessages = async (c: Client) =>
    (await ts.app.inject({ method: 'GET', url: '/v1/messages', headers: c.key.headers })).json()
      .data as Array<{
      id: string;
      text: string;
      validUntil?: string;
      status: string;
    }>;
  const twilioError = (code: number, status: number) => ({
    code,
    status,
    message: expect.any(String),
    more_info: `https://www.twilio.com/docs/errors/${code}`,
  });

  it('checks the credentials and the path’s AccountSid', async () => {
    const a = await client();
    const b = await client();
    // Another account's SID in the path, with valid credentials: that account's resources are not found.
    expect((await get(a, '/Messages.json')).statusCode).toBe(200);
    const crossed = await ts.app.inject({
      method: 'GET',
      url: `/2010-04-01/Accounts/${b.sid}/Messages.json`,
      headers: a.basic,
    });
    expect(crossed.statusCode).toBe(404);
    expect(crossed.json()).toEqual(twilioError(20404, 404));
    const malformed = await ts.app.inject({
      method: 'GET',
      url: '/2010-04-01/Accounts/ACnothex/Messages.json',
      headers: a.basic,
    });
    expect(malformed.json()).toEqual(twilioError(20404, 404));

    // The user must be the key's account SID (or the key's SK SID); a wrong token or user is 20003.
    for (const headers of [basic(b.sid, a.key.key), basic(a.sid, `${a.key.key}x`), basic(a.sid, ''), {}]) {
      const refused = await create(a, { To: LV, Body: 'x' }, headers);
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toEqual(twilioError(20003, 401));
      expect(refused.headers['www-authenticate']).toBe('Basic realm="Twilio API"');
    }
    expect(await ourMessages(a)).toEqual([]);

    // Twilio's API key form: SK… SID as the user, the secret as the password; a Bearer key works too.
    const viaKeySid = await create(a, { To: LV, Body: 'sk' }, basic(keySid(a.key.id), a.key.key));
    expect(viaKeySid.statusCode, viaKeySid.body).toBe(201);
    expect(viaKeySid.json().account_sid).toBe(a.sid);
    // Another key's SID with this key's secret is not a credential.
    const other = await createApiKey(ts.app, a.session);
    expect((await create(a, { To: LV, Body: 'x' }, basic(keySid(other.id), a.key.key))).statusCode).toBe(401);
    const viaBearer = await create(a, { To: LV, Body: 'bearer' }, a.key.headers);
    expect(viaBearer.statusCode, viaBearer.body).toBe(201);

    // The key's scopes apply: a read-only key lists but cannot send or cancel.
    const reader = await createApiKey(ts.app, a.session, ['messages:read']);
    expect((await get(a, '/Messages.json', basic(a.sid, reader.key))).statusCode).toBe(200);
    const refusedSend = await create(a, { To: LV, Body: 'x' }, basic(a.sid, reader.key));
    expect(refusedSend.statusCode).toBe(403);
    expect(refusedSend.json()).toEqual(twilioError(20003, 403));

    // Another tenant's message is not found through one's own AccountSid either.
    const theirs = (await create(b, { To: LV, Body: 'theirs' })).json().sid as string;
    expect((await get(a, `/Messages/${theirs}.json`)).json()).toEqual(twilioError(20404, 404));
    const deleteTheirs = await ts.app.inject({
      method: 'DELETE',
      url: `/2010-04-01/Accounts/${a.sid}/Messages/${theirs}.json`,
      headers: a.basic,
    });
    expect(deleteTheirs.json()).toEqual(twilioError(20404, 404));
    expect((await get(b, `/Messages/${theirs}.json`)).json()).toMatchObject({ sid: theirs, body: 'theirs' });
  });

  it('refuses a JSON body, missing or invalid To and Body, and a Body over 1,600 characters; ignores unknown parameters', async () => {
    const c = await client();
    const json = await ts.app.inject({
      method: 'POST',
      url: `/2010-04-01/Accounts/${c.sid}/Messages.json`,
      headers: c.basic,
      payload: { To: LV, Body: 'json' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual(twilioError(20001, 400));
    expect(json.json().message).toContain('application/x-www-form-urlencoded');

    expect((await create(c, { Body: 'no to' })).json()).toEqual(twilioError(21604, 400));
    expect((await create(c, { To: LV })).json()).toEqual(twilioError(21602, 400));
    expect((await create(c, { To: 'not a number', Body: 'x' })).json()).toEqual(twilioError(21211, 400));
    expect((await create(c, { To: LV, Body: 'x'.repeat(1601) })).json()).toEqual(twilioError(21617, 400));
    expect((await create(c, { To: LV, Body: 'x', ValidityPeriod: '0' })).json()).toEqual(
      twilioError(20001, 400),
    );
    expect((await create(c, { To: LV, Body: 'x', SendAt: '2030-01-01T00:00:00Z' })).json()).toEqual(
      twilioError(35111, 400),
    );
    const tooMany = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`P${i}`, 'x']));
    expect((await create(c, { To: LV, Body: 'x', ...tooMany })).statusCode).toBe(400);
    expect(await ourMessages(c)).toEqual([]);

    // Within 1,600 characters, the account's segment limit (10 by default) still applies, as on /v1/messages.
    expect((await create(c, { To: LV, Body: 'y'.repeat(1600) })).json()).toEqual(twilioError(21617, 400));
    const longest = await create(c, { To: LV, Body: 'y'.repeat(1530) });
    expect(longest.statusCode, longest.body).toBe(201);
    expect(longest.json()).toMatchObject({ num_segments: '10', status: 'queued' });
    const unknown = await create(c, {
      To: LV,
      Body: 'hello',
      ProvideFeedback: 'true',
      SmartEncoded: 'true',
      ShortenUrls: 'false',
      NoSuchParameter: 'x',
      ValidityPeriod: '600',
      MediaUrl: ['https://example.com/a.jpg', 'https://example.com/b.jpg'],
    });
    expect(unknown.statusCode, unknown.body).toBe(201);
    // No MMS: the media URLs are links at the end of the text; the message has no media of its own.
    expect(unknown.json()).toMatchObject({
      num_media: '0',
      body: 'hello\nhttps://example.com/a.jpg\nhttps://example.com/b.jpg',
    });
    const media = await get(c, `/Messages/${unknown.json().sid}/Media.json`);
    expect(media.statusCode, media.body).toBe(200);
    expect(media.json()).toMatchObject({ media_list: [], page: 0, next_page_uri: null });
    expect(unknown.json().subresource_uris.media).toBe(
      `/2010-04-01/Accounts/${c.sid}/Messages/${unknown.json().sid}/Media.json`,
    );
    const stored = await ourMessages(c);
    expect(stored).toHaveLength(2);
    expect(stored[0]!.validUntil).toBe(new Date(ts.clock.now() + 600_000).toISOString());
    // Credits apply as for POST /v1/messages: 10 + 1 segments reserved.
    const balance = (
      await ts.app.inject({ method: 'GET', url: '/v1/balance', headers: c.key.headers })
    ).json();
    expect(balance.reserved).toBeCloseTo(0.55, 6);
  });

  it('refuses a StatusCallback to a private address and an opted-out recipient', async () => {
    const c = await client();
    const privateHook = await create(c, { To: LV, Body: 'x', StatusCallback: `${receiver.url}/status` });
    expect(privateHook.statusCode).toBe(400);
    expect(privateHook.json()).toEqual(twilioError(21609, 400));
    expect((await create(c, { To: LV, Body: 'x', StatusCallback: 'ftp://example.com/x' })).json()).toEqual(
      twilioError(21609, 400),
    );
    expect(await ourMessages(c)).toEqual([]);

    const suppressed = await ts.app.inject({
      method: 'POST',
      url: '/v1/suppressions',
      headers: c.key.headers,
      payload: { phone: LV },
    });
    expect(suppressed.statusCode, suppressed.body).toBe(201);
    const optedOut = await create(c, { To: LV, Body: 'x' });
    expect(optedOut.json()).toEqual(twilioError(21610, 400));
    // As POST /v1/messages does, the refused message is kept in the log as rejected, and not charged.
    expect((await ourMessages(c)).map((m) => m.status)).toEqual(['rejected']);
    expect((await get(c, '/Messages.json')).json().messages).toEqual([
      expect.objectContaining({
        status: 'failed',
        smsgate_status: 'rejected',
        error_code: 21610,
        price: null,
      }),
    ]);
  });

  it('maps delivery failures to Twilio codes, deletes only finished messages, and filters by DateSent', async () => {
    const c = await client();
    const failed = await create(c, { To: '+37120009999', Body: 'will fail' });
    const ok = await create(c, { To: LV, Body: 'will arrive' });
    const failedSid = failed.json().sid as string;
    const okSid = ok.json().sid as string;
    const early = await ts.app.inject({
      method: 'DELETE',
      url: `/2010-04-01/Accounts/${c.sid}/Messages/${okSid}.json`,
      headers: c.basic,
    });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toEqual(twilioError(20009, 409));

    await ts.system.workOnce();
    ts.clock.advance(10_000);
    await ts.system.workOnce();
    expect((await get(c, `/Messages/${failedSid}.json`)).json()).toMatchObject({
      status: 'undelivered',
      error_code: 30003,
      smsgate_status: 'undelivered',
    });
    const delivered = (await get(c, `/Messages/${okSid}.json`)).json();
    expect(delivered).toMatchObject({ status: 'delivered', error_code: null, error_message: null });
    expect(delivered.date_created).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);

    const deleted = await ts.app.inject({
      method: 'DELETE',
      url: `/2010-04-01/Accounts/${c.sid}/Messages/${okSid}.json`,
      headers: c.basic,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await get(c, `/Messages/${okSid}.json`)).json()).toEqual(twilioError(20404, 404));

    // A day later, another message: DateSent picks days.
    const today = new Date(ts.clock.now()).toISOString().slice(0, 10);
    ts.clock.advance(24 * 3600_000);
    const tomorrow = new Date(ts.clock.now()).toISOString().slice(0, 10);
    const later = (await create(c, { To: LV, Body: 'tomorrow' })).json().sid;
    const sids = async (query: string) =>
      (await get(c, `/Messages.json?${query}`)).json().messages.map((m: { sid: string }) => m.sid);
    expect(await sids(`DateSent=${today}`)).toEqual([failedSid]);
    expect(await sids(`DateSent=${tomorrow}`)).toEqual([later]);
    expect(await sids(`${encodeURIComponent('DateSent>')}=${tomorrow}`)).toEqual([later]);
    expect(await sids(`${encodeURIComponent('DateSent<')}=${today}`)).toEqual([failedSid]);
    expect(await sids(`To=${encodeURIComponent('+37120009999')}`)).toEqual([failedSid]);
    expect((await get(c, '/Messages.json?DateSent=yesterday')).json()).toEqual(twilioError(20001, 400));
    expect((await get(c, '/Messages.json?PageSize=1001')).json()).toEqual(twilioError(20001, 400));
    expect((await get(c, '/Messages.json?Page=2')).json()).toEqual(twilioError(20001, 400));
    const first = (await get(c, '/Messages.json?PageSize=1')).json();
    expect(first).toMatchObject({ page: 0, page_size: 1, start: 0, end: 0, previous_page_uri: null });
    expect(first.next_page_uri).toMatch(
      new RegExp(`^/2010-04-01/Accounts/${c.sid}/Messages.json\\?PageSize=1&Page=1&PageToken=PA${later}$`),
    );
  });

  it('redacts only with an empty Body, not with Status, and not another tenant’s message; checks a service’s StatusCallback', async () => {
    const c = await client();
    const other = await client();
    const sid = (await create(c, { To: LV, Body: 'secret 1234' })).json().sid as string;
    await ts.system.workOnce();
    const update = (who: Client, form: Record<string, string>) =>
      ts.app.inject({
        method: 'POST',
        url: `/2010-04-01/Accounts/${who.sid}/Messages/${sid}.json`,
        headers: { ...who.basic, ...FORM },
        payload: new URLSearchParams(form).toString(),
      });
    expect((await update(c, { Body: '', Status: 'canceled' })).json()).toEqual(twilioError(30400, 400));
    expect((await update(c, { Body: 'replaced' })).json()).toEqual(twilioError(30400, 400));
    expect((await update(c, {})).json()).toEqual(twilioError(30400, 400));
    const foreign = await ts.app.inject({
      method: 'POST',
      url: `/2010-04-01/Accounts/${other.sid}/Messages/${sid}.json`,
      headers: { ...other.basic, ...FORM },
      payload: 'Body=',
    });
    expect(foreign.json()).toEqual(twilioError(20404, 404));
    expect((await ourMessages(c))[0]!.text).toBe('secret 1234');
    const redacted = await update(c, { Body: '' });
    expect(redacted.statusCode, redacted.body).toBe(200);
    expect(redacted.json()).toMatchObject({ sid, body: '', status: 'sent', num_segments: '1' });
    expect((await ourMessages(c))[0]).toMatchObject({ text: '', status: 'sent', to: LV });

    // A service's StatusCallback is refused like a message's (private address, WEBHOOK_ALLOW_PRIVATE off).
    const refused = await ts.app.inject({
      method: 'POST',
      url: '/v1/Services',
      headers: { ...c.basic, ...FORM },
      payload: new URLSearchParams({ FriendlyName: 'x', StatusCallback: `${receiver.url}/cb` }).toString(),
    });
    expect(refused.json()).toEqual(twilioError(21609, 400));
    const nameless = await ts.app.inject({
      method: 'POST',
      url: '/v1/Services',
      headers: { ...c.basic, ...FORM },
      payload: 'FriendlyName=',
    });
    expect(nameless.json()).toEqual(twilioError(20001, 400));
    const listed = await ts.app.inject({ method: 'GET', url: '/v1/Services', headers: c.basic });
    expect(listed.json()).toMatchObject({ services: [], meta: { key: 'services', next_page_url: null } });
    const noAuth = await ts.app.inject({ method: 'GET', url: '/v1/Services' });
    expect(noAuth.json()).toEqual(twilioError(20003, 401));
  });

  it('answers the Account and Balance resources', async () => {
    const c = await client();
    const account = (await get(c, '.json')).json();
    expect(account).toMatchObject({
      sid: c.sid,
      friendly_name: 'Acme',
      status: 'active',
      uri: `/2010-04-01/Accounts/${c.sid}.json`,
    });
    expect((await get(c, '/Balance.json')).json()).toEqual({
      account_sid: c.sid,
      balance: '10.00000',
      currency: 'credits',
    });
  });

  it('is described in the OpenAPI document, with form bodies', async () => {
    const openapi = (await ts.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const messages = openapi.paths['/2010-04-01/Accounts/{AccountSid}/Messages.json'];
    expect(Object.keys(messages).sort()).toEqual(['get', 'post']);
    expect(Object.keys(messages.post.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(
      Object.keys(messages.post.requestBody.content['application/x-www-form-urlencoded'].schema.properties),
    ).toEqual(
      expect.arrayContaining(['To', 'From', 'Body', 'StatusCallback', 'SendAt', 'ScheduleType', 'MediaUrl']),
    );
    expect(messages.get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['To', 'From', 'DateSent<', 'PageSize', 'PageToken', 'AccountSid']),
    );
    const one = openapi.paths['/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json'];
    expect(Object.keys(one).sort()).toEqual(['delete', 'get', 'post']);
    expect(openapi.paths['/2010-04-01/Accounts/{AccountSid}/Balance.json'].get).toBeDefined();
    expect(openapi.paths['/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}/Media.json'].get).toBeDefined();
    expect(Object.keys(openapi.paths['/v1/Services']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(openapi.paths['/v1/Services/{Sid}']).sort()).toEqual(['delete', 'get', 'post']);
    expect(Object.keys(openapi.paths['/v1/Services'].post.requestBody.content)).toEqual([
      'application/x-www-form-urlencoded',
    ]);
    expect(openapi.paths['/v1/Services/{Sid}/PhoneNumbers'].post).toBeDefined();
    expect(openapi.paths['/v1/Services/{Sid}/AlphaSenders/{SenderSid}'].delete).toBeDefined();
  });

  it('refuses a private SmsUrl and numbers that are not the account’s', async () => {
    const a = await client();
    const b = await client();
    const operator = await staffSession(ts, 'operator');
    const assigned = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/numbers',
      headers: operator.headers,
      payload: { number: '+37129990077', accountId: b.session.accountId },
    });
    expect(assigned.statusCode, assigned.body).toBe(201);
    const theirs = (await get(b, '/IncomingPhoneNumbers.json')).json().incoming_phone_numbers[0]
      .sid as string;
    const setUrl = (c: Client, sid: string, form: Record<string, string>) =>
      ts.app.inject({
        method: 'POST',
        url: `/2010-04-01/Accounts/${c.sid}/IncomingPhoneNumbers/${sid}.json`,
        headers: { ...c.basic, ...FORM },
        payload: new URLSearchParams(form).toString(),
      });
    expect((await get(a, '/IncomingPhoneNumbers.json')).json().incoming_phone_numbers).toEqual([]);
    expect((await setUrl(a, theirs, { SmsUrl: 'https://example.com/sms' })).json()).toEqual(
      twilioError(20404, 404),
    );
    expect((await setUrl(b, theirs, { SmsUrl: `${receiver.url}/sms` })).json()).toEqual(
      twilioError(21609, 400),
    );
    expect((await setUrl(b, theirs, { SmsUrl: 'https://example.com/sms', SmsMethod: 'PUT' })).json()).toEqual(
      twilioError(20001, 400),
    );
    expect((await get(b, `/IncomingPhoneNumbers/${theirs}.json`)).json()).toMatchObject({
      sid: theirs,
      sms_url: '',
    });
    // A read-only key cannot set where inbound messages go.
    const reader = await createApiKey(ts.app, b.session, ['messages:read']);
    const readOnly = await ts.app.inject({
      method: 'POST',
      url: `/2010-04-01/Accounts/${b.sid}/IncomingPhoneNumbers/${theirs}.json`,
      headers: { ...basic(b.sid, reader.key), ...FORM },
      payload: 'SmsUrl=https%3A%2F%2Fexample.com%2Fsms',
    });
    expect(readOnly.json()).toEqual(twilioError(20003, 403));
  });
});
