import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

const LV = '+37121234567';
const IN = '+919812345678';
const US = '+12025550143';

describe.each(DIALECTS)('sender ids and sender rules on %s', (dialect) => {
  let ts: TestSystem;
  let staff: Session;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
    staff = await staffSession(ts);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (
    s: { headers: Record<string, string> },
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ) => ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  const send = (s: Session, payload: object) => call(s, 'POST', '/v1/messages', payload);
  const messagesOf = async (accountId: string) =>
    ts.system.storage.db
      .selectFrom('messages')
      .select(['sender', 'to_number'])
      .where('account_id', '=', accountId)
      .execute();

  it('a country that requires registration takes only approved senders; the operator approves with a note', async () => {
    const client = await signup(ts.app);
    // Open by default (the '*' rule): an unregistered alphanumeric sender goes to LV as before.
    expect((await send(client, { to: LV, text: 'hi', from: 'AcmeShop' })).statusCode).toBe(202);

    // IN is seeded as "registration required".
    const refused = await send(client, { to: IN, text: 'hi', from: 'AcmeShop' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      code: 'sender_not_allowed',
      rule: 'IN: registration required',
      errors: [{ path: '/body/from' }],
    });
    expect(refused.json().detail).toContain('rule: IN: registration required');

    const registered = await call(client, 'POST', '/v1/sender-ids', {
      sender: 'AcmeShop',
      note: 'Acme Ltd, order updates',
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.json()).toMatchObject({
      sender: 'AcmeShop',
      status: 'pending',
      note: 'Acme Ltd, order updates',
    });
    const id = registered.json().id as string;
    expect(
      (await call(client, 'POST', '/v1/sender-ids', { sender: 'AcmeShop', note: 'again' })).statusCode,
    ).toBe(409);

    const waiting = await send(client, { to: IN, text: 'hi', from: 'AcmeShop' });
    expect(waiting.statusCode).toBe(422);
    expect(waiting.json().detail).toContain("waiting for the operator's approval");

    const queue = await call(staff, 'GET', '/v1/admin/sender-ids?status=pending');
    expect(queue.json().data.map((r: { id: string }) => r.id)).toContain(id);
    const approved = await call(staff, 'POST', `/v1/admin/sender-ids/${id}/approve`, {
      note: 'checked the company register',
    });
    expect(approved.json()).toMatchObject({ status: 'approved', reviewNote: 'checked the company register' });

    expect((await send(client, { to: IN, text: 'hi', from: 'AcmeShop' })).statusCode).toBe(202);
    // Another account's approval does not carry over.
    const other = await signup(ts.app);
    expect((await send(other, { to: IN, text: 'hi', from: 'AcmeShop' })).statusCode).toBe(422);

    // A refusal is visible to the client with the operator's note, and the sender stops working.
    await call(staff, 'POST', `/v1/admin/sender-ids/${id}/reject`, { note: 'not your brand' });
    const list = await call(client, 'GET', '/v1/sender-ids');
    expect(list.json().data).toEqual([
      expect.objectContaining({ id, status: 'rejected', reviewNote: 'not your brand' }),
    ]);
    expect((await send(client, { to: IN, text: 'hi', from: 'AcmeShop' })).json().detail).toContain(
      'refused by the operator',
    );
    expect((await call(client, 'DELETE', `/v1/sender-ids/${id}`)).statusCode).toBe(204);
    expect((await call(other, 'DELETE', `/v1/sender-ids/${id}`)).statusCode).toBe(404);

    const sent = await messagesOf(client.accountId);
    expect(sent.filter((m) => m.to_number === IN)).toHaveLength(1);
  });

  it('a country that forbids alphanumeric senders takes only own numbers; the shared sender always goes', async () => {
    const client = await signup(ts.app);
    const alpha = await send(client, { to: US, text: 'hi', from: 'AcmeShop' });
    expect(alpha.json()).toMatchObject({ code: 'sender_not_allowed', rule: 'US: alphanumeric forbidden' });

    const foreign = await send(client, { to: US, text: 'hi', from: '+37120000555' });
    expect(foreign.json()).toMatchObject({ code: 'sender_not_allowed', rule: 'US: own numbers only' });
    const assigned = await call(staff, 'POST', '/v1/admin/numbers', {
      number: '+37120000555',
      accountId: client.accountId,
    });
    expect(assigned.statusCode).toBe(201);
    expect((await send(client, { to: US, text: 'hi', from: '+37120000555' })).statusCode).toBe(202);
    expect((await send(client, { to: US, text: 'hi', from: '37120000555' })).statusCode).toBe(202);

    // No `from`: the operator's shared sender, which no account rule applies to.
    expect((await send(client, { to: US, text: 'hi' })).statusCode).toBe(202);
    // Bulk with one refused item refuses the request, naming the item.
    const bulk = await send(client, {
      messages: [
        { to: LV, text: 'a', from: 'AcmeShop' },
        { to: US, text: 'b', from: 'AcmeShop' },
      ],
    });
    expect(bulk.statusCode).toBe(422);
    expect(bulk.json().errors).toEqual([expect.objectContaining({ path: '/body/messages/1/from' })]);
    expect((await messagesOf(client.accountId)).map((m) => m.sender).sort()).toEqual([
      '+37120000555',
      '37120000555',
      'smsgate',
    ]);
  });

  it('the operator edits the rules: a country rule, the default rule, and drops one', async () => {
    const client = await signup(ts.app);
    const rules = await call(staff, 'GET', '/v1/admin/sender-rules');
    expect(rules.json().data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ country: '*', alphanumeric: 'allowed', numeric: 'any' }),
        expect.objectContaining({
          country: 'IN',
          alphanumeric: 'registration_required',
          source: expect.stringContaining('enablex'),
        }),
      ]),
    );
    const put = await call(staff, 'PUT', '/v1/admin/sender-rules/lv', {
      alphanumeric: 'registration_required',
      numeric: 'own',
      source: 'operator decision',
    });
    expect(put.json()).toMatchObject({
      country: 'LV',
      alphanumeric: 'registration_required',
      numeric: 'own',
    });
    expect((await send(client, { to: LV, text: 'hi', from: 'Acme' })).json().rule).toBe(
      'LV: registration required',
    );
    expect((await send(client, { to: LV, text: 'hi', from: '+37120009999' })).json().rule).toBe(
      'LV: own numbers only',
    );
    expect(
      (
        await call(staff, 'PUT', '/v1/admin/sender-rules/XX', {
          alphanumeric: 'allowed',
          numeric: 'any',
          source: 'x',
        })
      ).statusCode,
    ).toBe(422);
    expect((await call(staff, 'DELETE', '/v1/admin/sender-rules/LV')).statusCode).toBe(204);
    expect((await send(client, { to: LV, text: 'hi', from: 'Acme' })).statusCode).toBe(202);
    // A client cannot reach the operator's tables.
    expect((await call(client, 'GET', '/v1/admin/sender-rules')).statusCode).toBe(401);
  });
  it('look-alike letters and protected names are refused at registration and at send', async () => {
    const client = await signup(ts.app);
    const bank = await signup(ts.app);
    // Cyrillic а in "Pаypаl", fullwidth Ｂ in "Ｂank": named as look-alikes, not as a bad format.
    for (const sender of ['Pаypаl', 'Ｂank']) {
      const registered = await call(client, 'POST', '/v1/sender-ids', { sender, note: 'n' });
      expect(registered.statusCode).toBe(422);
      expect(registered.json()).toMatchObject({ code: 'sender_not_allowed', rule: 'look-alike characters' });
      const sent = await send(client, { to: LV, text: 'hi', from: sender });
      expect(sent.statusCode).toBe(422);
      expect(sent.json().code).toBe('sender_not_allowed');
      expect(sent.json().detail).toMatch(/U\+(0430|FF22)/);
    }

    const protectedName = await call(staff, 'POST', '/v1/admin/protected-names', {
      name: 'SwedBank',
      accountId: bank.accountId,
      note: 'a bank; its own account may use it',
    });
    expect(protectedName.statusCode).toBe(201);
    for (const sender of ['Swedbank', 'SWED8ANK', 'Swed-Bank', 'SwedbankLV']) {
      const refused = await send(client, { to: LV, text: 'hi', from: sender });
      expect(refused.json()).toMatchObject({ code: 'sender_not_allowed', rule: 'protected name "SwedBank"' });
      expect((await call(client, 'POST', '/v1/sender-ids', { sender, note: 'n' })).json().rule).toBe(
        'protected name "SwedBank"',
      );
    }
    // The owner sends as its name; unrelated names pass.
    expect((await send(bank, { to: LV, text: 'hi', from: 'Swedbank' })).statusCode).toBe(202);
    expect((await send(client, { to: LV, text: 'hi', from: 'Swede' })).statusCode).toBe(202);
    const list = await call(staff, 'GET', '/v1/admin/protected-names');
    expect(list.json().data).toEqual([
      expect.objectContaining({ name: 'SwedBank', accountId: bank.accountId }),
    ]);
    expect(
      (await call(staff, 'DELETE', `/v1/admin/protected-names/${protectedName.json().id}`)).statusCode,
    ).toBe(204);
    expect((await send(client, { to: LV, text: 'hi', from: 'Swedbank' })).statusCode).toBe(202);
    const audit = await ts.system.storage.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', 'like', 'protected_name.%')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['protected_name.added', 'protected_name.deleted']);
  });
  it('a campaign starts only with a sender every country of its audience takes, and a text no rule blocks', async () => {
    const client = await signup(ts.app);
    const contact = await call(client, 'POST', '/v1/contacts', { phone: IN });
    const group = await call(client, 'POST', '/v1/groups', { name: 'India' });
    await call(client, 'POST', `/v1/groups/${group.json().id}/contacts`, { contactIds: [contact.json().id] });
    const campaign = async (body: object) => {
      const made = await call(client, 'POST', '/v1/campaigns', {
        name: 'c',
        type: 'transactional',
        groupIds: [group.json().id],
        ...body,
      });
      expect(made.statusCode, made.body).toBe(201);
      return call(client, 'POST', `/v1/campaigns/${made.json().id}/start`, {});
    };
    const bySender = await campaign({ text: 'Hello', from: 'AcmeShop' });
    expect(bySender.statusCode).toBe(422);
    expect(bySender.json()).toMatchObject({ code: 'sender_not_allowed', rule: 'IN: registration required' });
    const byText = await campaign({ text: 'Hello bit.ly/x' });
    expect(byText.statusCode).toBe(422);
    expect(byText.json()).toMatchObject({ code: 'content_blocked', rule: 'crl_seed_00' });
    const fine = await campaign({ text: 'Hello' });
    expect(fine.statusCode, fine.body).toBe(200);
  });
});
