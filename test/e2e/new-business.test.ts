import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { DIALECTS } from '../helpers/storage';
import {
  addMember,
  PASSWORD,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
  uniqueEmail,
} from '../helpers/system';

type Headers = { headers: Record<string, string> };
const LV = '+37120000000';

/** What a new business starts with: its country, smart encoding, a sender, and what sending costs. */
describe.each(DIALECTS)('defaults for a new business on %s', (dialect) => {
  let ts: TestSystem;
  let shared: TestSystem;
  beforeAll(async () => {
    [ts, shared] = await Promise.all([
      startTestSystem(dialect),
      // An operator who set a shared numeric sender for accounts without their own.
      startTestSystem(dialect, { DEFAULT_SENDER: '+37129999999' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([ts?.close(), shared?.close()]);
  });

  const call = (
    t: TestSystem,
    s: Headers | null,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url, headers: s?.headers ?? {}, ...(payload ? { payload } : {}) });
  const send = async (t: TestSystem, s: Session, payload: object) => {
    const r = await call(t, s, 'POST', '/v1/messages', payload);
    expect(r.statusCode, r.body).toBe(202);
    return r.json().data[0] as { to: string; from: string; encoding: string; segments: number };
  };
  const userCount = async () =>
    Number(
      (
        await ts.system.storage.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('lists the countries a business can be in, without signing in', async () => {
    const r = await call(ts, null, 'GET', '/v1/countries');
    expect(r.statusCode).toBe(200);
    const data = r.json().data as Array<{ code: string; name: string; callingCode: string }>;
    expect(data).toContainEqual({ code: 'LV', name: 'Latvia', callingCode: '371' });
    expect(data).toContainEqual({ code: 'US', name: 'United States', callingCode: '1' });
    const names = data.map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
  });

  it('stores the country chosen at sign-up: numbers typed without + are read in it', async () => {
    const s = await signup(ts.app, { defaultCountry: 'LV' });
    const me = (await call(ts, s, 'GET', '/v1/me')).json();
    expect(me.account.defaultCountry).toBe('LV');
    expect((await call(ts, s, 'GET', '/v1/account/settings')).json().defaultCountry).toBe('LV');
    expect((await send(ts, s, { to: '20000000', text: 'Hello' })).to).toBe(LV);
    const contact = await call(ts, s, 'POST', '/v1/contacts', { phone: '2000 0001' });
    expect(contact.statusCode, contact.body).toBe(201);
    expect(contact.json().phone).toBe('+37120000001');

    // Lower case is read as the code it spells.
    const lower = await signup(ts.app, { defaultCountry: 'lv' });
    expect((await call(ts, lower, 'GET', '/v1/me')).json().account.defaultCountry).toBe('LV');

    // Without one, national numbers are refused as before.
    const none = await signup(ts.app);
    expect((await call(ts, none, 'GET', '/v1/me')).json().account.defaultCountry).toBeNull();
    const refused = await call(ts, none, 'POST', '/v1/messages', { to: '20000000', text: 'Hello' });
    expect(refused.json().code).toBe('invalid_phone_number');
  });

  it('refuses a country it does not know at sign-up with 422 invalid_country on the field, creating nothing', async () => {
    const before = await userCount();
    for (const bad of ['XX', 'Latvia', 'L', '🇱🇻', 'LV; DROP TABLE']) {
      const r = await call(ts, null, 'POST', '/v1/signup', {
        company: 'Acme',
        name: 'Ada',
        email: uniqueEmail('country'),
        password: PASSWORD,
        acceptPolicy: true,
        defaultCountry: bad,
      });
      expect(r.statusCode, `${bad}: ${r.body}`).toBe(422);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json()).toMatchObject({
        code: 'invalid_country',
        errors: [{ path: '/body/defaultCountry', message: expect.any(String) }],
      });
    }
    const long = await call(ts, null, 'POST', '/v1/signup', {
      company: 'Acme',
      name: 'Ada',
      email: uniqueEmail('country'),
      password: PASSWORD,
      acceptPolicy: true,
      defaultCountry: 'X'.repeat(500),
    });
    expect(long.statusCode).toBe(400);
    expect(long.json().code).toBe('validation_failed');
    expect(await userCount()).toBe(before);
  });

  it('checks the default country the same way when it is changed later', async () => {
    const s = await signup(ts.app);
    const bad = await call(ts, s, 'PATCH', '/v1/account/settings', { defaultCountry: 'XX' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({
      code: 'invalid_country',
      errors: [{ path: '/body/defaultCountry' }],
    });
    const ok = await call(ts, s, 'PATCH', '/v1/account/settings', { defaultCountry: 'ee' });
    expect(ok.json().defaultCountry).toBe('EE');
    expect((await call(ts, s, 'GET', '/v1/me')).json().account.defaultCountry).toBe('EE');
    const cleared = await call(ts, s, 'PATCH', '/v1/account/settings', { defaultCountry: null });
    expect(cleared.json().defaultCountry).toBeNull();
  });

  it('turns smart encoding on for new accounts; accounts made before keep theirs', async () => {
    const s = await signup(ts.app);
    expect((await call(ts, s, 'GET', '/v1/account/settings')).json().smartEncoding).toBe(true);
    const text = 'It’s ready – see you “soon”…';
    const smart = await send(ts, s, { to: LV, text });
    expect(smart).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    const row = await ts.system.storage.db
      .selectFrom('messages')
      .select('text')
      .where('account_id', '=', s.accountId)
      .executeTakeFirstOrThrow();
    expect(row.text).toBe('It\'s ready - see you "soon"...');

    // An account made before this default (its settings as sign-up used to write them) sends as typed.
    const older = await signup(ts.app);
    await ts.system.storage.db
      .updateTable('accounts')
      .set({ settings: '{}' })
      .where('id', '=', older.accountId)
      .execute();
    expect((await call(ts, older, 'GET', '/v1/account/settings')).json().smartEncoding).toBe(false);
    expect(await send(ts, older, { to: LV, text })).toMatchObject({ encoding: 'UCS-2' });

    // And a new account can turn it off.
    await call(ts, s, 'PATCH', '/v1/account/settings', { smartEncoding: false });
    expect(await send(ts, s, { to: LV, text })).toMatchObject({ encoding: 'UCS-2' });
  });

  it('a new account has no sender of its own: without one, messages go out as the platform name', async () => {
    const s = await signup(ts.app);
    expect((await call(ts, s, 'GET', '/v1/account/settings')).json()).toMatchObject({
      defaultSender: null,
      sharedSender: null,
    });
    expect((await send(ts, s, { to: LV, text: 'Hi' })).from).toBe('smsgate');
    const preview = await call(ts, s, 'POST', '/v1/messages/preview', { to: LV, text: 'Hi' });
    expect(preview.json().from).toBe('smsgate');
  });

  it("uses the operator's shared sender until the account names its own; the request's wins over both", async () => {
    const s = await signup(shared.app);
    expect((await call(shared, s, 'GET', '/v1/account/settings')).json()).toMatchObject({
      defaultSender: null,
      sharedSender: '+37129999999',
    });
    expect((await send(shared, s, { to: LV, text: 'Hi' })).from).toBe('+37129999999');
    expect((await call(shared, s, 'POST', '/v1/messages/preview', { to: LV, text: 'Hi' })).json().from).toBe(
      '+37129999999',
    );

    const own = await call(shared, s, 'PATCH', '/v1/account/settings', { defaultSender: 'Bakery' });
    expect(own.json()).toMatchObject({ defaultSender: 'Bakery', sharedSender: '+37129999999' });
    expect((await send(shared, s, { to: LV, text: 'Hi' })).from).toBe('Bakery');
    expect((await send(shared, s, { to: LV, text: 'Hi', from: 'Promo' })).from).toBe('Promo');
    // Changing another setting keeps it.
    await call(shared, s, 'PATCH', '/v1/account/settings', { maxSegments: 3 });
    expect((await call(shared, s, 'GET', '/v1/account/settings')).json().defaultSender).toBe('Bakery');

    // null gives the account's own sender up again.
    const cleared = await call(shared, s, 'PATCH', '/v1/account/settings', { defaultSender: null });
    expect(cleared.json().defaultSender).toBeNull();
    expect((await send(shared, s, { to: LV, text: 'Hi' })).from).toBe('+37129999999');
  });

  it('a campaign without a sender goes out from the shared sender too', async () => {
    const s = await signup(shared.app);
    const group = (await call(shared, s, 'POST', '/v1/groups', { name: 'Regulars' })).json().id;
    await call(shared, s, 'POST', '/v1/contacts', { phone: '+37120000021', groupIds: [group] });
    const campaign = await call(shared, s, 'POST', '/v1/campaigns', {
      name: 'Opening',
      text: 'We are open',
      type: 'transactional',
      groupIds: [group],
      quietHours: null,
    });
    expect(campaign.statusCode, campaign.body).toBe(201);
    const started = await call(shared, s, 'POST', `/v1/campaigns/${campaign.json().id}/start`);
    expect(started.statusCode, started.body).toBe(200);
    await shared.system.workOnce();
    const messages = await shared.system.storage.db
      .selectFrom('messages')
      .select('sender')
      .where('account_id', '=', s.accountId)
      .execute();
    expect(messages).toEqual([{ sender: '+37129999999' }]);
  });

  it('refuses a DEFAULT_SENDER that breaks the sender id rule when the configuration is read', () => {
    for (const bad of ['ABCDEFGHIJKL', 'Acme\r\nBcc', '+12a']) {
      expect(() => loadConfig({ DEFAULT_SENDER: bad }), bad).toThrow(ConfigError);
    }
    expect(loadConfig({ DEFAULT_SENDER: '+37129999999' }).DEFAULT_SENDER).toBe('+37129999999');
  });

  it("lists what one part costs per country at the account's own prices", async () => {
    const s = await signup(ts.app);
    const prices = async (who: Headers) => {
      const r = await call(ts, who, 'GET', '/v1/prices');
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as {
        currency: string;
        accountPrices: boolean;
        perSegment: { default: number; countries: Record<string, number> };
        data: Array<{ country: string; name: string; creditsPerPart: number }>;
      };
    };
    const before = await prices(s);
    expect(before.currency).toBe('credits');
    expect(before.accountPrices).toBe(false);
    expect(before.data).toContainEqual({ country: 'LV', name: 'Latvia', creditsPerPart: 0.05 });
    expect(before.data).toContainEqual({ country: 'DE', name: 'Germany', creditsPerPart: 0.08 });
    const names = before.data.map((p) => p.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
    // Every country a number can be read in has a line.
    const countries = (await call(ts, null, 'GET', '/v1/countries')).json().data;
    expect(before.data.map((p) => p.country).sort()).toEqual(
      countries.map((c: { code: string }) => c.code).sort(),
    );

    // The operator gives this account its own list: its countries at their price, the rest at its default.
    const op = await staffSession(ts, 'operator');
    const own = await call(ts, op, 'PUT', `/v1/admin/accounts/${s.accountId}/prices`, {
      default: 0.2,
      countries: { LV: 0.011 },
    });
    expect(own.statusCode, own.body).toBe(200);
    const after = await prices(s);
    expect(after.accountPrices).toBe(true);
    expect(after.data).toContainEqual({ country: 'LV', name: 'Latvia', creditsPerPart: 0.011 });
    expect(after.data).toContainEqual({ country: 'DE', name: 'Germany', creditsPerPart: 0.2 });
    // What the list says is what a send costs.
    const preview = await call(ts, s, 'POST', '/v1/messages/preview', { to: LV, text: 'Hi' });
    expect(preview.json().total).toBe(0.011);
    // Another account still sees the default list.
    expect((await prices(await signup(ts.app))).data).toContainEqual({
      country: 'LV',
      name: 'Latvia',
      creditsPerPart: 0.05,
    });
    // Any member may read it.
    const viewer = await addMember(ts, s, 'viewer');
    expect((await prices(viewer)).data).toContainEqual({
      country: 'LV',
      name: 'Latvia',
      creditsPerPart: 0.011,
    });
  });
});
