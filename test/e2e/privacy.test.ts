import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/modules/accounts';
import { DAY } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import {
  cookieFrom,
  createApiKey,
  PASSWORD,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
  uniqueEmail,
} from '../helpers/system';

const LV = '+37121234567';
const LV2 = '+37122345678';
const EMAIL = 'Jane.Doe@Example.com';

type Headers = { headers: Record<string, string> };

describe.each(DIALECTS)('data-subject requests on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const call = (s: Headers, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });

  async function member(owner: Session, role: Role): Promise<Headers> {
    const email = uniqueEmail(role);
    const invite = await call(owner, 'POST', '/v1/users', { email, name: role, role });
    expect(invite.statusCode).toBe(201);
    const token = ts.mail.lastToken(email);
    await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/password-reset/confirm',
      payload: { token, password: PASSWORD },
    });
    const login = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    return { headers: { cookie: cookieFrom(login, 'sg_session'), 'x-csrf-token': login.json().csrfToken } };
  }

  /** An account holding a person (contact with e-mail, group, consent, two messages, one reply, suppression). */
  async function seeded() {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const group = (await call(key, 'POST', '/v1/groups', { name: 'Newsletter' })).json();
    const contact = (
      await call(key, 'POST', '/v1/contacts', {
        phone: LV,
        firstName: '=HYPERLINK("x")',
        lastName: 'Doe',
        email: EMAIL,
        groupIds: [group.id],
      })
    ).json();
    const other = (await call(key, 'POST', '/v1/contacts', { phone: LV2, firstName: 'Other' })).json();
    await call(key, 'POST', `/v1/contacts/${contact.id}/consents`, {
      purpose: 'marketing',
      granted: true,
      source: 'web_form',
    });
    const sent = await call(key, 'POST', '/v1/messages', { to: [LV, LV, LV2], text: 'Hi Jane' });
    expect(sent.statusCode).toBe(202);
    await ts.system.workOnce();
    await db()
      .insertInto('inbound_messages')
      .values({
        id: `inb_${s.accountId.slice(4)}`,
        account_id: s.accountId,
        route_id: 'simulator',
        from_number: LV,
        to_number: '+37120000000',
        text: 'STOP please',
        keyword: 'STOP',
        received_at: ts.clock.now(),
      })
      .execute();
    expect((await call(key, 'POST', '/v1/suppressions', { phone: LV, reason: 'asked' })).statusCode).toBe(
      201,
    );
    return { s, key, contact, other, group };
  }

  it('search finds everything about the person by number or e-mail, deleted contacts included', async () => {
    const { s, key, contact, group } = await seeded();
    const byPhone = await call(s, 'POST', '/v1/privacy/subject-search', { phone: '+371 2123 4567' });
    expect(byPhone.statusCode, byPhone.body).toBe(200);
    const r = byPhone.json();
    expect(r.subject.phone).toBe(LV);
    expect(r.contacts.map((c: { id: string }) => c.id)).toEqual([contact.id]);
    expect(r.messages).toHaveLength(2);
    expect(r.messages.every((m: { to: string; text: string }) => m.to === LV && m.text === 'Hi Jane')).toBe(
      true,
    );
    expect(r.inbound).toEqual([expect.objectContaining({ from: LV, text: 'STOP please' })]);
    expect(r.suppressions).toEqual([expect.objectContaining({ phone: LV, reason: 'asked' })]);
    expect(r.consents).toEqual([
      expect.objectContaining({ contactId: contact.id, purpose: 'marketing', granted: true }),
    ]);
    expect(r.groups).toEqual([
      expect.objectContaining({ contactId: contact.id, groupId: group.id, groupName: 'Newsletter' }),
    ]);
    expect(r.restricted).toBe(false);

    await call(key, 'DELETE', `/v1/contacts/${contact.id}`);
    const byEmail = (
      await call(s, 'POST', '/v1/privacy/subject-search', { email: 'jane.doe@example.com' })
    ).json();
    expect(byEmail.contacts).toEqual([
      expect.objectContaining({ id: contact.id, deletedAt: expect.any(String) }),
    ]);
    expect(byEmail.messages).toHaveLength(2);

    const none = await call(s, 'POST', '/v1/privacy/subject-search', {});
    expect(none.statusCode).toBe(400);
    const bad = await call(s, 'POST', '/v1/privacy/subject-search', { phone: '12' });
    expect(bad.json().code).toBe('invalid_phone_number');

    const audit = await db()
      .selectFrom('audit_events')
      .select(['action', 'data', 'target_id'])
      .where('account_id', '=', s.accountId)
      .where('action', 'like', 'privacy.%')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['privacy.subject_searched', 'privacy.subject_searched']);
    for (const a of audit) {
      expect(`${a.data}${a.target_id}`).not.toContain('21234567');
      expect(`${a.data}${a.target_id}`.toLowerCase()).not.toContain('jane');
    }
  });

  it('exports the bundle as JSON and as CSV with formula-safe cells', async () => {
    const { s, contact } = await seeded();
    const json = await call(s, 'POST', '/v1/privacy/subject-export', { phone: LV });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toContain('application/json');
    const bundle = json.json();
    expect(bundle.exportedAt).toBe(new Date(ts.clock.now()).toISOString());
    expect(bundle.contacts[0].id).toBe(contact.id);
    expect(bundle.messages).toHaveLength(2);

    const csv = await call(s, 'POST', '/v1/privacy/subject-export?format=csv', { phone: LV });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('recordType,id,field,value');
    expect(lines).toContain(`contact,${contact.id},lastName,Doe`);
    expect(csv.body).toContain(`contact,${contact.id},firstName,"'=HYPERLINK(""x"")"`);
    expect(lines.filter((l) => l.startsWith('message,') && l.endsWith(',text,Hi Jane'))).toHaveLength(2);
    const viaBody = await call(s, 'POST', '/v1/privacy/subject-export', { email: EMAIL, format: 'csv' });
    expect(viaBody.headers['content-type']).toContain('text/csv');
  });

  it('rectifies the details on every live contact of the person', async () => {
    const { s, contact, other } = await seeded();
    const r = await call(s, 'POST', '/v1/privacy/subject-rectification', {
      email: EMAIL,
      changes: { firstName: 'Jane', address: '2 New St' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ rectified: [contact.id] });
    const row = await db()
      .selectFrom('contacts')
      .select(['first_name', 'address'])
      .where('id', '=', contact.id)
      .executeTakeFirst();
    expect(row).toEqual({ first_name: 'Jane', address: '2 New St' });
    const untouched = await db()
      .selectFrom('contacts')
      .select('first_name')
      .where('id', '=', other.id)
      .executeTakeFirst();
    expect(untouched?.first_name).toBe('Other');
    const empty = await call(s, 'POST', '/v1/privacy/subject-rectification', { email: EMAIL, changes: {} });
    expect(empty.statusCode).toBe(400);
  });

  it('rectification is all or nothing: a number another contact has refuses every change', async () => {
    const s = await signup(ts.app);
    const mail = 'twice@example.com';
    const a = (await call(s, 'POST', '/v1/contacts', { phone: LV, email: mail, firstName: 'A' })).json();
    const b = (await call(s, 'POST', '/v1/contacts', { phone: LV2, email: mail, firstName: 'B' })).json();
    const r = await call(s, 'POST', '/v1/privacy/subject-rectification', {
      email: mail,
      changes: { phone: '+37123456789', lastName: 'Changed' },
    });
    expect(r.statusCode, r.body).toBe(409);
    expect(r.json().code).toBe('conflict');
    const rows = await db()
      .selectFrom('contacts')
      .select(['id', 'phone', 'last_name'])
      .where('id', 'in', [a.id, b.id])
      .orderBy('phone')
      .execute();
    expect(rows).toEqual([
      { id: a.id, phone: LV, last_name: null },
      { id: b.id, phone: LV2, last_name: null },
    ]);
  });

  it('erases the person everywhere at once with a receipt; the suppression stays as a hash', async () => {
    const { s, key, contact, other } = await seeded();
    const erased = await call(s, 'POST', '/v1/privacy/subject-erasure', { email: EMAIL });
    expect(erased.statusCode, erased.body).toBe(200);
    const receipt = erased.json();
    expect(receipt).toMatchObject({
      erasedAt: new Date(ts.clock.now()).toISOString(),
      counts: {
        contacts: 1,
        consents: 1,
        groupMemberships: 1,
        messages: 2,
        inbound: 1,
        suppressions: 1,
      },
      suppressionKept: true,
    });
    expect(receipt.subject).toMatch(/^[0-9a-f]{16}$/);
    expect(
      await db().selectFrom('contacts').select('id').where('id', '=', contact.id).executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await db().selectFrom('contacts').select('id').where('id', '=', other.id).executeTakeFirst(),
    ).toBeDefined();
    const leftover = await db()
      .selectFrom('messages')
      .select(['to_number', 'text'])
      .where('account_id', '=', s.accountId)
      .orderBy('id')
      .execute();
    expect(leftover).toEqual([
      { to_number: '', text: '' },
      { to_number: '', text: '' },
      { to_number: LV2, text: 'Hi Jane' },
    ]);
    expect(
      await db().selectFrom('suppressions').select('phone').where('account_id', '=', s.accountId).execute(),
    ).toEqual([]);
    const again = (await call(s, 'POST', '/v1/privacy/subject-search', { phone: LV })).json();
    expect([again.contacts, again.messages, again.inbound, again.suppressions, again.consents]).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
    // Never messaged again: the hashed suppression still rejects the number.
    const send = await call(key, 'POST', '/v1/messages', { to: LV, text: 'hello again' });
    expect(send.statusCode).toBe(202);
    expect(send.json().data[0]).toMatchObject({ status: 'rejected', error: { code: 'recipient_opted_out' } });
    const audit = await db()
      .selectFrom('audit_events')
      .select('data')
      .where('account_id', '=', s.accountId)
      .where('action', '=', 'privacy.subject_erased')
      .executeTakeFirstOrThrow();
    expect(audit.data).not.toContain('21234567');
    expect(audit.data?.toLowerCase()).not.toContain('jane');
  });

  it('restricts the person (no sends, left out of exports) until lifted', async () => {
    const { s, key, contact } = await seeded();
    expect((await call(key, 'DELETE', `/v1/suppressions?phone=${encodeURIComponent(LV)}`)).statusCode).toBe(
      204,
    );
    const on = await call(s, 'POST', '/v1/privacy/subject-restriction', { email: EMAIL, restricted: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({ restricted: true, identifiers: 2 });
    const refused = await call(key, 'POST', '/v1/messages', { to: LV, text: 'hi' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('recipient_restricted');
    const mixed = await call(key, 'POST', '/v1/messages', { to: [LV, LV2], text: 'hi' });
    expect(mixed.statusCode).toBe(202);
    expect(mixed.json().data.map((m: { to: string }) => m.to)).toEqual([LV2]);
    expect(mixed.json().errors).toEqual([expect.objectContaining({ code: 'recipient_restricted' })]);
    const exported = await call(key, 'GET', '/v1/contacts/export?format=json');
    expect(exported.body).not.toContain(contact.id);
    expect(exported.body).toContain(LV2);
    expect((await call(s, 'POST', '/v1/privacy/subject-search', { phone: LV })).json().restricted).toBe(true);

    const off = await call(s, 'POST', '/v1/privacy/subject-restriction', { phone: LV, restricted: false });
    expect(off.json()).toMatchObject({ restricted: false });
    const allowed = await call(key, 'POST', '/v1/messages', { to: LV, text: 'hi' });
    expect(allowed.statusCode).toBe(202);
    expect(allowed.json().data[0].status).toBe('queued');
    expect((await call(key, 'GET', '/v1/contacts/export?format=json')).body).toContain(contact.id);
    const actions = await db()
      .selectFrom('audit_events')
      .select('action')
      .where('account_id', '=', s.accountId)
      .where('action', 'in', ['privacy.subject_restricted', 'privacy.restriction_lifted'])
      .orderBy('seq')
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      'privacy.subject_restricted',
      'privacy.restriction_lifted',
    ]);
  });

  it('only the owner and admins run them: viewer, developer and API keys get 403', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const admin = await member(s, 'admin');
    const paths = [
      '/v1/privacy/subject-search',
      '/v1/privacy/subject-export',
      '/v1/privacy/subject-erasure',
      '/v1/privacy/subject-restriction',
      '/v1/privacy/subject-rectification',
    ];
    for (const who of [await member(s, 'viewer'), await member(s, 'developer'), key]) {
      for (const url of paths)
        expect((await call(who, 'POST', url, { phone: LV })).statusCode, url).toBe(403);
      expect((await call(who, 'GET', '/v1/privacy/requests')).statusCode).toBe(403);
    }
    expect((await call(admin, 'POST', '/v1/privacy/subject-search', { phone: LV })).statusCode).toBe(200);
  });

  it('the operator inbox: received, forwarded with a one-month due date, overdue, completed by the account', async () => {
    const a = await signup(ts.app);
    const b = await signup(ts.app);
    const staff = await staffSession(ts, 'operator');
    const support = await staffSession(ts, 'support');
    expect((await call(support, 'GET', '/v1/admin/privacy-requests')).statusCode).toBe(403);
    const received = new Date(ts.clock.now()).toISOString();
    const created = await call(staff, 'POST', '/v1/admin/privacy-requests', {
      kind: 'erasure',
      subject: { phone: LV, name: 'Jane' },
      message: 'Please delete my data',
      receivedAt: received,
    });
    expect(created.statusCode, created.body).toBe(201);
    const req = created.json();
    expect(req).toMatchObject({ status: 'received', accountId: null, overdue: false, receivedAt: received });
    const due = new Date(received);
    due.setUTCMonth(due.getUTCMonth() + 1);
    expect(req.dueAt).toBe(due.toISOString());

    expect(
      (await call(staff, 'POST', `/v1/admin/privacy-requests/${req.id}/forward`, { accountId: 'acc_nope' }))
        .statusCode,
    ).toBe(404);
    const fwd = await call(staff, 'POST', `/v1/admin/privacy-requests/${req.id}/forward`, {
      accountId: a.accountId,
    });
    expect(fwd.json()).toMatchObject({ status: 'forwarded', accountId: a.accountId });
    const mine = (await call(a, 'GET', '/v1/privacy/requests')).json().data;
    expect(mine.map((r: { id: string }) => r.id)).toEqual([req.id]);
    expect((await call(b, 'GET', '/v1/privacy/requests')).json().data).toEqual([]);
    // Another account cannot close it: 404, not 403.
    expect((await call(b, 'POST', `/v1/privacy/requests/${req.id}/complete`, {})).statusCode).toBe(404);

    ts.clock.advance(32 * DAY);
    const staffNow = await staffSession(ts, 'operator');
    const overdue = (await call(staffNow, 'GET', '/v1/admin/privacy-requests?overdue=true')).json().data;
    expect(overdue.find((r: { id: string }) => r.id === req.id)).toMatchObject({ overdue: true });
    const owner = await (async () => {
      const login = await ts.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: a.email, password: PASSWORD },
      });
      return { headers: { cookie: cookieFrom(login, 'sg_session'), 'x-csrf-token': login.json().csrfToken } };
    })();
    const done = await call(owner, 'POST', `/v1/privacy/requests/${req.id}/complete`, { note: 'erased' });
    expect(done.json()).toMatchObject({ status: 'completed', overdue: false, note: 'erased' });
    expect(
      (await call(owner, 'POST', `/v1/privacy/requests/${req.id}/reject`, { reason: 'x' })).statusCode,
    ).toBe(409);
    const audit = await db()
      .selectFrom('audit_events')
      .select(['action', 'data'])
      .where('target_id', '=', req.id)
      .orderBy('id')
      .execute();
    expect(audit.map((e) => e.action)).toEqual([
      'privacy.request_received',
      'privacy.request_forwarded',
      'privacy.request_completed',
    ]);
    for (const e of audit) expect(e.data ?? '').not.toContain('21234567');
  });
});
