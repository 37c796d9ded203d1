import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneMonthAfter } from '../../src/modules/compliance';
import type { InboundSms } from '../../src/modules/dispatch';
import { foldKeyword, keywordOf } from '../../src/modules/inbound';
import { DAY } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

describe('keyword folding', () => {
  it('ignores case and accents, keeps each script', () => {
    const fold = (text: string) => foldKeyword(keywordOf(text)!);
    expect(fold('arrêt!')).toBe('ARRET');
    expect(fold('Arret')).toBe('ARRET');
    expect(fold('Palīdzība, lūdzu')).toBe('PALIDZIBA');
    expect(fold('dzēst')).toBe('DZEST');
    expect(fold('Löschen')).toBe('LOSCHEN');
    expect(fold('помощь')).toBe('ПОМОЩЬ');
    expect(fold('«Données»')).toBe('DONNEES');
    expect(fold('STOPP')).toBe('STOPP');
  });
});

describe.each(DIALECTS)('keywords on %s', (dialect) => {
  let ts: TestSystem;
  let operator: Session;
  let serial = 0;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    operator = await staffSession(ts, 'operator');
  });
  afterAll(async () => {
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  /** A fresh Latvian mobile number: `20…` for the accounts' numbers, `26…` for people. */
  const fresh = (prefix: '20' | '26') => `+371${prefix}${String(100_000 + ++serial * 7).padStart(6, '0')}`;
  const sms = (to: string, text: string, from: string): InboundSms => ({
    routeId: 'simulator',
    from,
    to,
    text,
    at: ts.clock.now(),
  });
  const call = (
    s: Session,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ) => ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });

  /** A client with a number of its own, quiet hours off (the clock is day time anyway) and a help text. */
  async function client(helpText: string | null = 'Acme shop: call +37167000000. Reply STOP to opt out.') {
    const s = await signup(ts.app, { company: 'Acme shop' });
    const number = fresh('20');
    const assigned = await call(operator, 'POST', '/v1/admin/numbers', { number, accountId: s.accountId });
    expect(assigned.statusCode).toBe(201);
    if (helpText !== null)
      expect((await call(s, 'PATCH', '/v1/account/settings', { helpText })).statusCode).toBe(200);
    return { s, number };
  }

  /** Hands a text to the receiver as a carrier would, then lets every background kind run. */
  async function text(to: string, body: string, from: string) {
    await ts.system.services.inbound.receive(sms(to, body, from));
    await ts.system.workOnce();
  }

  async function sentTo(s: Session, phone: string) {
    const r = await call(s, 'GET', `/v1/messages?to=${encodeURIComponent(phone)}`);
    expect(r.statusCode).toBe(200);
    return r.json().data as Array<{
      text: string;
      from: string;
      status: string;
      price: number;
      to: string;
      sendAt?: string;
    }>;
  }

  it('answers HELP in several languages with the help text, charged and sent like any message', async () => {
    const { s, number } = await client();
    const before = (await call(s, 'GET', '/v1/balance')).json().credits;
    const people = [fresh('26'), fresh('26'), fresh('26'), fresh('26')];
    await text(number, 'help', people[0]!);
    await text(number, 'Palīdzība, lūdzu', people[1]!);
    await text(number, 'ПОМОЩЬ', people[2]!);
    await text(number, ' Hilfe! ', people[3]!);
    for (const phone of people) {
      const sent = await sentTo(s, phone);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        to: phone,
        from: number,
        text: 'Acme shop: call +37167000000. Reply STOP to opt out.',
      });
      expect(['sent', 'delivered']).toContain(sent[0]!.status);
      expect(sent[0]!.price).toBeGreaterThan(0);
    }
    const after = (await call(s, 'GET', '/v1/balance')).json().credits;
    expect(after).toBeLessThan(before);
    // Running the workers again sends nothing twice.
    await ts.system.workOnce();
    expect(await sentTo(s, people[0]!)).toHaveLength(1);
  });

  it('flags a missing help text and still answers HELP with who is writing', async () => {
    const { s, number } = await client(null);
    const settings = await call(s, 'GET', '/v1/keywords/settings');
    expect(settings.json()).toMatchObject({ helpText: null, helpTextMissing: true });
    expect(settings.json().helpWords.lv).toEqual(['PALĪDZĪBA', 'PALĪGS']);
    const person = fresh('26');
    await text(number, 'INFO', person);
    expect((await sentTo(s, person)).map((m) => m.text)).toEqual([
      'Acme shop: reply STOP to stop receiving messages.',
    ]);
    await call(s, 'PATCH', '/v1/account/settings', { helpText: 'Acme: help at acme.example' });
    expect((await call(s, 'GET', '/v1/keywords/settings')).json().helpTextMissing).toBe(false);
  });

  it('applies a rule: reply, synonyms across languages, group, e-mail and webhook event', async () => {
    const { s, number } = await client();
    const group = await call(s, 'POST', '/v1/groups', { name: 'Club' });
    expect(group.statusCode).toBe(201);
    const groupId = group.json().id;
    const created = await call(s, 'POST', '/v1/keywords', {
      keyword: 'join',
      synonyms: ['pievienoties', 'Adhérer', 'вступить'],
      reply: 'Welcome to the club!',
      addToGroupId: groupId,
      forwardEmail: 'Desk@Example.com',
      forwardWebhook: true,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: expect.stringMatching(/^kwr_/),
      keyword: 'JOIN',
      synonyms: ['PIEVIENOTIES', 'ADHERER', 'ВСТУПИТЬ'],
      numbers: [],
      reply: 'Welcome to the club!',
      addToGroupId: groupId,
      forwardEmail: 'desk@example.com',
      forwardWebhook: true,
    });
    const leave = await call(s, 'POST', '/v1/keywords', { keyword: 'LEAVE', removeFromGroupId: groupId });
    expect(leave.statusCode).toBe(201);

    const [lv, fr, ru] = [fresh('26'), fresh('26'), fresh('26')];
    await text(number, 'Pievienoties lūdzu', lv);
    await text(number, 'adhérer', fr);
    await text(number, 'Вступить', ru);
    for (const phone of [lv, fr, ru])
      expect((await sentTo(s, phone)).map((m) => m.text)).toEqual(['Welcome to the club!']);
    const members = async () =>
      (
        await db()
          .selectFrom('group_members')
          .innerJoin('contacts', 'contacts.id', 'group_members.contact_id')
          .select('contacts.phone')
          .where('group_members.group_id', '=', groupId)
          .execute()
      )
        .map((r) => r.phone)
        .sort();
    expect(await members()).toEqual([lv, fr, ru].sort());
    const mails = ts.mail.sent.filter((m) => m.to === 'desk@example.com');
    expect(mails).toHaveLength(3);
    expect(mails[0]!.subject).toBe(`SMS keyword PIEVIENOTIES from ${lv}`);
    expect(mails[0]!.text).toContain('Pievienoties lūdzu');
    await text(number, 'leave', fr);
    expect(await members()).toEqual([lv, ru].sort());
    // LEAVE has no reply: only the welcome went to that phone.
    expect(await sentTo(s, fr)).toHaveLength(1);

    const listed = await call(s, 'GET', '/v1/keywords?limit=1');
    expect(listed.json()).toEqual({ data: [leave.json()], nextCursor: leave.json().id });
    const patched = await call(s, 'PATCH', `/v1/keywords/${created.json().id}`, { reply: 'Hi again' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ keyword: 'JOIN', reply: 'Hi again', addToGroupId: groupId });
    expect((await call(s, 'DELETE', `/v1/keywords/${leave.json().id}`)).statusCode).toBe(204);
    expect((await call(s, 'GET', `/v1/keywords/${leave.json().id}`)).statusCode).toBe(404);
  });

  it('sends the message.keyword webhook event to subscribers', async () => {
    const { s, number } = await client();
    const hook = await call(s, 'POST', '/v1/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['message.keyword'],
    });
    expect(hook.statusCode).toBe(201);
    await call(s, 'POST', '/v1/keywords', { keyword: 'PROMO', forwardWebhook: true });
    const person = fresh('26');
    await ts.system.services.inbound.receive(sms(number, 'promo please', person));
    await ts.system.workOnce();
    const deliveries = await db()
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .where('event_type', '=', 'message.keyword')
      .execute();
    expect(deliveries).toHaveLength(1);
    const body = JSON.parse(deliveries[0]!.body);
    expect(body).toMatchObject({
      type: 'message.keyword',
      data: { from: person, to: number, text: 'promo please', keyword: 'PROMO' },
    });
  });

  it('a rule limited to a number wins there; other numbers use the account-wide rule', async () => {
    const { s, number } = await client();
    const second = fresh('20');
    await call(operator, 'POST', '/v1/admin/numbers', { number: second, accountId: s.accountId });
    expect((await call(s, 'POST', '/v1/keywords', { keyword: 'HOURS', reply: 'Open 9-18' })).statusCode).toBe(
      201,
    );
    const specific = await call(s, 'POST', '/v1/keywords', {
      keyword: 'hours',
      numbers: [second],
      reply: 'Riga shop: open 10-20',
    });
    expect(specific.statusCode).toBe(201);
    // The same word twice on the same numbers is ambiguous.
    const clash = await call(s, 'POST', '/v1/keywords', { keyword: 'Hours', numbers: [second], reply: 'x' });
    expect(clash.statusCode).toBe(409);
    const person = fresh('26');
    await text(number, 'hours?', person);
    await text(second, 'HOURS', person);
    expect((await sentTo(s, person)).map((m) => [m.from, m.text]).sort()).toEqual(
      [
        [number, 'Open 9-18'],
        [second, 'Riga shop: open 10-20'],
      ].sort(),
    );
  });

  it('opens a data-subject request from DATA or DELETE, acknowledged in the language used, once a day', async () => {
    const { s, number } = await client();
    const person = fresh('26');
    const receivedAt = ts.clock.now();
    await text(number, 'Données', person);
    await text(number, 'DZĒST', person);
    const requests = (await call(s, 'GET', '/v1/privacy/requests')).json().data;
    expect(requests).toHaveLength(2);
    const byKind = Object.fromEntries(requests.map((r: { kind: string }) => [r.kind, r]));
    expect(byKind.access).toMatchObject({
      accountId: s.accountId,
      kind: 'access',
      subject: { phone: person, email: null, name: null },
      source: 'sms',
      status: 'forwarded',
      message: 'Données',
      receivedAt: new Date(receivedAt).toISOString(),
      dueAt: new Date(oneMonthAfter(receivedAt)).toISOString(),
      overdue: false,
    });
    expect(byKind.erasure).toMatchObject({ kind: 'erasure', subject: { phone: person }, source: 'sms' });
    expect((await sentTo(s, person)).map((m) => m.text).sort()).toEqual(
      [
        'Nous avons reçu votre demande de copie de vos données. Nous répondrons sous un mois.',
        'Saņēmām jūsu pieprasījumu dzēst jūsu datus. Atbildēsim viena mēneša laikā.',
      ].sort(),
    );

    // Asking again the same day finds the open request: no second request, no second acknowledgement.
    ts.clock.advance(3_600_000);
    await text(number, 'data', person);
    expect((await call(s, 'GET', '/v1/privacy/requests')).json().data).toHaveLength(2);
    expect(await sentTo(s, person)).toHaveLength(2);
    // A day later it is a new request.
    ts.clock.advance(DAY);
    await text(number, 'DATA', person);
    expect((await call(s, 'GET', '/v1/privacy/requests')).json().data).toHaveLength(3);

    // Another account sees none of them; the client closes them from the privacy tools.
    const other = await signup(ts.app);
    expect((await call(other, 'GET', '/v1/privacy/requests')).json().data).toEqual([]);
    const done = await call(s, 'POST', `/v1/privacy/requests/${byKind.access.id}/complete`, { note: 'sent' });
    expect(done.statusCode).toBe(200);

    const counts = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/privacy-requests/counts',
      headers: operator.headers,
    });
    expect(counts.statusCode).toBe(200);
    const sms = counts.json().data.find((c: { source: string }) => c.source === 'sms');
    expect(sms.total).toBeGreaterThanOrEqual(3);
    expect(sms.open).toBeLessThan(sms.total);
  });

  it('uses the privacy words the account set', async () => {
    const { s, number } = await client();
    const put = await call(s, 'PUT', '/v1/keywords/settings', {
      privacyWords: { erasure: { en: ['FORGET'], lv: ['Aizmirst'] } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().privacyWords.erasure).toEqual({ en: ['FORGET'], lv: ['Aizmirst'] });
    expect(put.json().privacyWords.access.en).toEqual(['DATA', 'MYDATA']);
    const person = fresh('26');
    await text(number, 'aizmirst', person);
    await text(number, 'delete', person);
    const requests = (await call(s, 'GET', '/v1/privacy/requests')).json().data;
    expect(requests.map((r: { kind: string }) => r.kind)).toEqual(['erasure']);
    const bad = await call(s, 'PUT', '/v1/keywords/settings', {
      privacyWords: { access: { en: ['two words'] } },
    });
    expect(bad.statusCode).toBe(422);
  });

  it('refuses rules that could loop, reserved words, unknown groups and rules without an action', async () => {
    const { s } = await client('Acme: reply STOP to opt out.');
    const post = (body: object) => call(s, 'POST', '/v1/keywords', body);
    expect((await post({ keyword: 'JOIN', reply: 'Thanks! Reply LEAVE to leave.' })).statusCode).toBe(201);
    // A reply starting with a word the account answers to would answer itself on another of its numbers.
    const loop = await post({ keyword: 'WIN', reply: 'Join us at the shop' });
    expect(loop.statusCode).toBe(422);
    expect(loop.json()).toMatchObject({ code: 'keyword_loop', errors: [{ path: '/body/reply' }] });
    expect((await post({ keyword: 'QUIZ', reply: 'help is on the way' })).json().code).toBe('keyword_loop');
    // …and so would a keyword that is the first word of a reply already set (or of the help text).
    const reverse = await post({ keyword: 'thanks', reply: 'ok' });
    expect(reverse.json()).toMatchObject({ code: 'keyword_loop', errors: [{ path: '/body/keyword' }] });
    expect((await post({ keyword: 'Acme', reply: 'ok' })).json().code).toBe('keyword_loop');

    for (const reserved of ['stop', 'Arrêt', 'help', 'помощь', 'Löschen', 'START'])
      expect((await post({ keyword: reserved, reply: 'x' })).statusCode).toBe(422);
    const unknown = await post({ keyword: 'VIP', addToGroupId: 'grp_nope' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({
      code: 'keyword_invalid',
      errors: [{ path: '/body/addToGroupId' }],
    });
    const other = await signup(ts.app);
    const theirs = (await call(other, 'POST', '/v1/groups', { name: 'Theirs' })).json().id;
    expect((await post({ keyword: 'VIP', removeFromGroupId: theirs })).statusCode).toBe(422);
    expect((await post({ keyword: 'VIP' })).statusCode).toBe(422);
    expect((await post({ keyword: 'two words', reply: 'x' })).statusCode).toBe(422);
    expect((await post({ keyword: 'VIP', reply: 'x', numbers: ['+37120999999'] })).statusCode).toBe(422);
    expect((await call(other, 'GET', '/v1/keywords')).json().data).toEqual([]);
  });

  it('never answers a message from a number of the platform (an auto-reply coming back)', async () => {
    const a = await client('Acme help');
    const b = await client('Bravo help');
    await text(a.number, 'HELP', b.number);
    expect(await sentTo(a.s, b.number)).toEqual([]);
    expect(await sentTo(b.s, a.number)).toEqual([]);
  });

  it('stores whitespace-only and 5,000-character texts without answering them', async () => {
    const { s, number } = await client();
    await call(s, 'POST', '/v1/keywords', { keyword: 'HELLO', reply: 'Hi' });
    const person = fresh('26');
    await text(number, ' \n\t ', person);
    await text(number, `HELLO${'x'.repeat(4995)}`, person);
    await text(number, `${'word '.repeat(1000)}`, person);
    const stored = await db()
      .selectFrom('inbound_messages')
      .select(['keyword', 'text'])
      .where('from_number', '=', person)
      .orderBy('id')
      .execute();
    expect(stored.map((r) => [r.keyword, r.text.length])).toEqual([
      [null, 4],
      [null, 5000],
      ['WORD', 5000],
    ]);
    expect(await sentTo(s, person)).toEqual([]);
  });

  it('holds a reply until the quiet hours end in the person’s country', async () => {
    const { s, number } = await client();
    // 22:30 in Riga (UTC+2 in winter): inside the default 21:00–08:00 window.
    const day = new Date(ts.clock.now());
    const night = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1, 20, 30);
    ts.clock.set(night);
    const person = fresh('26');
    await text(number, 'help', person);
    const [reply] = await sentTo(s, person);
    expect(reply).toMatchObject({ status: 'scheduled' });
    // 08:00 in Riga the next morning.
    expect(reply).toMatchObject({ sendAt: new Date(night + 9.5 * 3_600_000).toISOString() });
  });

  it('answers a reply typed on the simulator’s phone, end to end', async () => {
    // Day time in Riga, whatever an earlier test did to the clock.
    const now = new Date(ts.clock.now());
    ts.clock.set(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 10));
    const { s, number } = await client('Acme: we are here 9-18. Reply STOP to opt out.');
    const phone = fresh('26');
    const sent = await call(s, 'POST', '/v1/dev/simulator/inbound', {
      from: phone,
      to: number,
      text: 'Help?',
    });
    expect(sent.statusCode).toBe(201);
    await ts.system.workOnce();
    const [reply] = await sentTo(s, phone);
    expect(reply).toMatchObject({ from: number, text: 'Acme: we are here 9-18. Reply STOP to opt out.' });
    expect(['sent', 'delivered']).toContain(reply!.status);
  });
});

// With Redis the keyword job travels through BullMQ like a dispatch job.
describe.skipIf(!process.env.TEST_REDIS_URL)('keywords over Redis', () => {
  it('answers HELP when the jobs go through BullMQ', async () => {
    const ts = await startTestSystem('sqlite', {
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_PREFIX: `kw${Date.now().toString(36)}`,
    });
    try {
      const operator = await staffSession(ts, 'operator');
      const s = await signup(ts.app);
      const number = '+37120777001';
      const headers = { ...operator.headers };
      const assigned = await ts.app.inject({
        method: 'POST',
        url: '/v1/admin/numbers',
        headers,
        payload: { number, accountId: s.accountId },
      });
      expect(assigned.statusCode).toBe(201);
      await ts.system.services.inbound.receive({
        routeId: 'simulator',
        from: '+37126777001',
        to: number,
        text: 'Hilfe',
        at: ts.clock.now(),
      });
      const sent = async () =>
        (
          await ts.app.inject({ method: 'GET', url: '/v1/messages?to=%2B37126777001', headers: s.headers })
        ).json().data as unknown[];
      for (let i = 0; i < 50 && (await sent()).length === 0; i++) await ts.system.workOnce();
      expect(await sent()).toHaveLength(1);
    } finally {
      await ts.close();
    }
  });
});
