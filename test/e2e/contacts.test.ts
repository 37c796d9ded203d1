import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, startTestSystem, type TestSystem } from '../helpers/system';

const LV = '+37121234567';
const LV2 = '+37122345678';
const DE = '+4915123456789';
const DAY = 24 * 3600_000;

type Headers = { headers: Record<string, string> };

describe.each(DIALECTS)('contacts on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (s: Headers, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  const create = async (s: Headers, payload: object) => {
    const r = await call(s, 'POST', '/v1/contacts', payload);
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };
  const ids = (r: { json(): { data: Array<{ id: string }> } }) => r.json().data.map((c) => c.id);
  const expectProblem = (
    r: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> },
    status: number,
    code: string,
    path?: string,
  ) => {
    expect(r.statusCode).toBe(status);
    expect(String(r.headers['content-type'])).toContain('application/problem+json');
    const body = r.json() as { code: string; errors?: Array<{ path: string }> };
    expect(body.code).toBe(code);
    if (path) expect(body.errors?.map((e) => e.path)).toContain(path);
  };
  async function auditActions(accountId: string) {
    const rows = await ts.system.storage.db
      .selectFrom('audit_events')
      .select(['action', 'data'])
      .where('account_id', '=', accountId)
      .orderBy('seq')
      .execute();
    return rows;
  }

  it('creates, reads, updates and deletes a contact; every change audited without phone numbers', async () => {
    const s = await signup(ts.app);
    const created = await create(s, {
      phone: '+371 2123-4567',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      address: '1 Analytical St, Riga',
      avatarUrl: 'https://cdn.example.com/ada.png',
      tags: ['vip', 'vip', 'newsletter'],
    });
    expect(created).toMatchObject({
      phone: LV,
      country: 'LV',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      tags: ['vip', 'newsletter'],
      fields: {},
      groupIds: [],
      consents: [],
      consentStatus: { marketing: null, transactional: null },
    });
    expect(created.id).toMatch(/^ctc_/);

    const got = await call(s, 'GET', `/v1/contacts/${created.id}`);
    expect(got.json()).toMatchObject({ id: created.id, phone: LV });

    const patched = await call(s, 'PATCH', `/v1/contacts/${created.id}`, {
      phone: DE,
      lastName: null,
      tags: ['customer'],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ phone: DE, country: 'DE', lastName: null, tags: ['customer'] });

    const explicitCountry = await create(s, { phone: LV2, country: 'EE' });
    expect(explicitCountry.country).toBe('EE');

    const del = await call(s, 'DELETE', `/v1/contacts/${created.id}`);
    expect(del.statusCode).toBe(204);
    expectProblem(await call(s, 'GET', `/v1/contacts/${created.id}`), 404, 'not_found');
    expectProblem(await call(s, 'DELETE', `/v1/contacts/${created.id}`), 404, 'not_found');

    const audit = await auditActions(s.accountId);
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['contact.created', 'contact.updated', 'contacts.deleted']),
    );
    for (const a of audit) {
      expect(a.data ?? '').not.toContain('2123');
      expect(a.data ?? '').not.toContain('15123456789');
      expect(a.data ?? '').not.toContain('Lovelace');
    }
  });

  it('national numbers use the account default country; bad input answers problem+json with paths', async () => {
    const s = await signup(ts.app);
    await call(s, 'PATCH', '/v1/account/settings', { defaultCountry: 'LV' });
    const national = await create(s, { phone: '21234567' });
    expect(national).toMatchObject({ phone: LV, country: 'LV' });

    expectProblem(
      await call(s, 'POST', '/v1/contacts', { phone: 'not a phone' }),
      422,
      'invalid_phone_number',
      '/body/phone',
    );
    expectProblem(
      await call(s, 'POST', '/v1/contacts', { phone: DE, email: 'nope' }),
      400,
      'validation_failed',
      '/body/email',
    );
    expectProblem(
      await call(s, 'POST', '/v1/contacts', { phone: DE, surprise: 1 }),
      400,
      'validation_failed',
    );
    expectProblem(await call(s, 'POST', '/v1/contacts', {}), 400, 'validation_failed', '/body/phone');
    expectProblem(
      await call(s, 'POST', '/v1/contacts', { phone: DE, avatarUrl: 'javascript:alert(1)' }),
      400,
      'validation_failed',
      '/body/avatarUrl',
    );
    expectProblem(
      await call(s, 'POST', '/v1/contacts', { phone: DE, country: 'Latvia' }),
      400,
      'validation_failed',
      '/body/country',
    );
    expectProblem(
      await call(s, 'GET', '/v1/contacts?limit=0'),
      400,
      'validation_failed',
      '/querystring/limit',
    );
    expectProblem(
      await call(s, 'GET', '/v1/contacts/export?format=xml'),
      400,
      'validation_failed',
      '/querystring/format',
    );
    expectProblem(
      await call(s, 'POST', '/v1/contacts', { phone: DE, groupIds: ['grp_nope'] }),
      404,
      'not_found',
      '/body/groupIds/0',
    );
    // Nothing of the refused requests was stored.
    expect(ids(await call(s, 'GET', '/v1/contacts'))).toEqual([national.id]);
  });

  it('refuses a duplicate phone number (409), also in another format and on PATCH', async () => {
    const s = await signup(ts.app);
    const a = await create(s, { phone: LV });
    const dup = await call(s, 'POST', '/v1/contacts', { phone: '00371 21 234 567' });
    expectProblem(dup, 409, 'conflict', '/body/phone');
    const b = await create(s, { phone: DE });
    expectProblem(await call(s, 'PATCH', `/v1/contacts/${b.id}`, { phone: LV }), 409, 'conflict');
    // Patching a contact with its own number is fine; another account may hold the same number.
    expect((await call(s, 'PATCH', `/v1/contacts/${a.id}`, { phone: LV, firstName: 'A' })).statusCode).toBe(
      200,
    );
    const other = await signup(ts.app);
    await create(other, { phone: LV });
  });

  it('types custom fields by their definitions', async () => {
    const s = await signup(ts.app);
    const defs: Array<[string, string]> = [
      ['loyalty_points', 'number'],
      ['birthday', 'date'],
      ['member', 'boolean'],
      ['note', 'text'],
    ];
    for (const [key, type] of defs) {
      const r = await call(s, 'POST', '/v1/contact-fields', { key, label: key, type });
      expect(r.statusCode, r.body).toBe(201);
    }
    expectProblem(
      await call(s, 'POST', '/v1/contact-fields', { key: 'note', label: 'again', type: 'text' }),
      409,
      'conflict',
    );
    expectProblem(
      await call(s, 'POST', '/v1/contact-fields', { key: 'Bad Key', label: 'x', type: 'text' }),
      400,
      'validation_failed',
      '/body/key',
    );
    expectProblem(
      await call(s, 'POST', '/v1/contact-fields', { key: 'x', label: 'x', type: 'json' }),
      400,
      'validation_failed',
      '/body/type',
    );
    const list = await call(s, 'GET', '/v1/contact-fields');
    expect(list.json().data.map((f: { key: string }) => f.key)).toEqual([
      'birthday',
      'loyalty_points',
      'member',
      'note',
    ]);

    const c = await create(s, {
      phone: LV,
      fields: { loyalty_points: 120, birthday: '1815-12-10', member: true, note: 'likes engines' },
    });
    expect(c.fields).toEqual({
      loyalty_points: 120,
      birthday: '1815-12-10',
      member: true,
      note: 'likes engines',
    });

    const bad = await call(s, 'POST', '/v1/contacts', {
      phone: DE,
      fields: { loyalty_points: 'many', birthday: '1815-02-30', member: 'yes', shoe_size: 42 },
    });
    expectProblem(bad, 400, 'validation_failed');
    expect(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual([
      '/body/fields/birthday',
      '/body/fields/loyalty_points',
      '/body/fields/member',
      '/body/fields/shoe_size',
    ]);

    const patched = await call(s, 'PATCH', `/v1/contacts/${c.id}`, {
      fields: { note: null, loyalty_points: 7.5 },
    });
    expect(patched.json().fields).toEqual({ loyalty_points: 7.5, birthday: '1815-12-10', member: true });
    expectProblem(
      await call(s, 'PATCH', `/v1/contacts/${c.id}`, { fields: { unknown_key: 'x' } }),
      400,
      'validation_failed',
      '/body/fields/unknown_key',
    );
  });

  it('searches by prefix, filters and pages newest first', async () => {
    const s = await signup(ts.app);
    const grp = (await call(s, 'POST', '/v1/groups', { name: 'Riga' })).json();
    const ada = await create(s, {
      phone: LV,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@math.org',
      tags: ['vip'],
    });
    ts.clock.advance(1);
    const alan = await create(s, {
      phone: LV2,
      firstName: 'Alan',
      lastName: 'Turing',
      email: 'alan@bletchley.uk',
      groupIds: [grp.id],
    });
    ts.clock.advance(1);
    const grace = await create(s, {
      phone: DE,
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'GRACE@navy.mil',
      tags: ['vip'],
    });
    ts.clock.advance(1);
    const pct = await create(s, { phone: '+37123456789', firstName: '100%_sure' });

    const q = async (query: string) => ids(await call(s, 'GET', `/v1/contacts?${query}`));
    expect(await q('')).toEqual([pct.id, grace.id, alan.id, ada.id]);
    expect(await q('q=a')).toEqual([alan.id, ada.id]);
    expect(await q('q=AL')).toEqual([alan.id]);
    expect(await q('q=hop')).toEqual([grace.id]);
    expect(await q('q=grace%40n')).toEqual([grace.id]);
    expect(await q(`q=${encodeURIComponent('+3712')}`)).toEqual([pct.id, alan.id, ada.id]);
    expect(await q('q=4915')).toEqual([grace.id]);
    expect(await q(`q=${encodeURIComponent('371 212')}`)).toEqual([ada.id]);
    expect(await q(`q=${encodeURIComponent('ada love')}`)).toEqual([ada.id]);
    expect(await q(`q=${encodeURIComponent('100%')}`)).toEqual([pct.id]);
    expect(await q(`q=${encodeURIComponent('1_')}`)).toEqual([]);
    expect(await q('q=zz')).toEqual([]);
    expect(await q('tag=vip')).toEqual([grace.id, ada.id]);
    expect(await q('country=de')).toEqual([grace.id]);
    expect(await q(`groupId=${grp.id}`)).toEqual([alan.id]);
    expect(await q('tag=vip&country=LV')).toEqual([ada.id]);

    const first = await call(s, 'GET', '/v1/contacts?limit=3');
    expect(ids(first)).toEqual([pct.id, grace.id, alan.id]);
    const cursor = first.json().nextCursor;
    expect(cursor).toBe(alan.id);
    const second = await call(s, 'GET', `/v1/contacts?limit=3&cursor=${cursor}`);
    expect(ids(second)).toEqual([ada.id]);
    expect(second.json().nextCursor).toBeNull();
  });

  it('groups: CRUD, bulk membership with member counts; foreign and deleted contacts are never added', async () => {
    const s = await signup(ts.app);
    const other = await signup(ts.app);
    const foreign = await create(other, { phone: LV });
    const a = await create(s, { phone: LV });
    const b = await create(s, { phone: LV2 });
    const c = await create(s, { phone: DE });
    const g = await call(s, 'POST', '/v1/groups', { name: 'Customers', description: 'paying' });
    expect(g.statusCode).toBe(201);
    const group = g.json();
    expect(group).toMatchObject({ name: 'Customers', description: 'paying', memberCount: 0 });
    expect(group.id).toMatch(/^grp_/);

    const added = await call(s, 'POST', `/v1/groups/${group.id}/contacts`, {
      contactIds: [a.id, b.id, c.id, a.id, foreign.id, 'ctc_nope'],
    });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toMatchObject({ added: 3, ignored: 2, group: { memberCount: 3 } });
    const again = await call(s, 'POST', `/v1/groups/${group.id}/contacts`, { contactIds: [a.id] });
    expect(again.json()).toMatchObject({ added: 0, group: { memberCount: 3 } });
    const members = await ts.system.storage.db
      .selectFrom('group_members')
      .select('contact_id')
      .where('group_id', '=', group.id)
      .execute();
    expect(members.map((m) => m.contact_id)).not.toContain(foreign.id);

    const removed = await call(s, 'DELETE', `/v1/groups/${group.id}/contacts`, {
      contactIds: [b.id, foreign.id],
    });
    expect(removed.json()).toMatchObject({ removed: 1, group: { memberCount: 2 } });
    expect((await call(s, 'GET', `/v1/contacts/${a.id}`)).json().groupIds).toEqual([group.id]);

    // A deleted contact leaves the count and the group's list at once.
    await call(s, 'DELETE', `/v1/contacts/${c.id}`);
    expect((await call(s, 'GET', `/v1/groups/${group.id}`)).json().memberCount).toBe(1);
    expect(ids(await call(s, 'GET', `/v1/contacts?groupId=${group.id}`))).toEqual([a.id]);
    const addDeleted = await call(s, 'POST', `/v1/groups/${group.id}/contacts`, { contactIds: [c.id] });
    expect(addDeleted.json()).toMatchObject({ added: 0, ignored: 1 });

    const renamed = await call(s, 'PATCH', `/v1/groups/${group.id}`, { name: 'Clients', description: null });
    expect(renamed.json()).toMatchObject({ name: 'Clients', description: null, memberCount: 1 });
    const list = await call(s, 'GET', '/v1/groups');
    expect(list.json().data).toMatchObject([{ id: group.id, memberCount: 1 }]);

    // Another account cannot see or change the group, nor add to it.
    for (const [method, url, payload] of [
      ['GET', `/v1/groups/${group.id}`, undefined],
      ['PATCH', `/v1/groups/${group.id}`, { name: 'x' }],
      ['DELETE', `/v1/groups/${group.id}`, undefined],
      ['POST', `/v1/groups/${group.id}/contacts`, { contactIds: [foreign.id] }],
      ['DELETE', `/v1/groups/${group.id}/contacts`, { contactIds: [a.id] }],
    ] as const) {
      expectProblem(await call(other, method, url, payload), 404, 'not_found');
    }
    expect((await call(s, 'GET', `/v1/groups/${group.id}`)).json()).toMatchObject({
      name: 'Clients',
      memberCount: 1,
    });

    expect((await call(s, 'DELETE', `/v1/groups/${group.id}`)).statusCode).toBe(204);
    expectProblem(await call(s, 'GET', `/v1/groups/${group.id}`), 404, 'not_found');
    expect((await call(s, 'GET', `/v1/contacts/${a.id}`)).json().groupIds).toEqual([]);
    expectProblem(await call(s, 'POST', '/v1/groups', { name: '' }), 400, 'validation_failed', '/body/name');
  });

  it("another account's contact ids answer 404 on every contact route", async () => {
    const s = await signup(ts.app);
    const other = await signup(ts.app);
    const key = await createApiKey(ts.app, other);
    const mine = await create(s, { phone: LV });
    for (const actor of [other, key]) {
      expectProblem(await call(actor, 'GET', `/v1/contacts/${mine.id}`), 404, 'not_found');
      expectProblem(
        await call(actor, 'PATCH', `/v1/contacts/${mine.id}`, { firstName: 'x' }),
        404,
        'not_found',
      );
      expectProblem(await call(actor, 'DELETE', `/v1/contacts/${mine.id}`), 404, 'not_found');
      expectProblem(
        await call(actor, 'POST', `/v1/contacts/${mine.id}/consents`, {
          purpose: 'marketing',
          granted: true,
          source: 'x',
        }),
        404,
        'not_found',
      );
      expectProblem(await call(actor, 'POST', '/v1/contacts/restore', { ids: [mine.id] }), 404, 'not_found');
      expect((await call(actor, 'POST', '/v1/contacts/delete', { ids: [mine.id] })).json()).toEqual({
        deleted: [],
      });
      expect(ids(await call(actor, 'GET', '/v1/contacts'))).toEqual([]);
    }
    expect((await call(s, 'GET', `/v1/contacts/${mine.id}`)).json()).toMatchObject({
      phone: LV,
      firstName: null,
    });
  });

  it('records consent decisions per purpose and shows the latest with the history', async () => {
    const s = await signup(ts.app);
    const c = await create(s, { phone: LV });
    const grant = await call(s, 'POST', `/v1/contacts/${c.id}/consents`, {
      purpose: 'marketing',
      granted: true,
      source: 'web_form',
      evidence: 'form signup-2026 v3',
    });
    expect(grant.statusCode, grant.body).toBe(201);
    expect(grant.json()).toMatchObject({ purpose: 'marketing', granted: true, source: 'web_form' });
    ts.clock.advance(1000);
    await call(s, 'POST', `/v1/contacts/${c.id}/consents`, {
      purpose: 'transactional',
      granted: true,
      source: 'contract',
    });
    ts.clock.advance(1000);
    await call(s, 'POST', `/v1/contacts/${c.id}/consents`, {
      purpose: 'marketing',
      granted: false,
      source: 'keyword',
      evidence: 'STOP',
    });

    const got = (await call(s, 'GET', `/v1/contacts/${c.id}`)).json();
    expect(got.consents.map((x: { purpose: string; granted: boolean }) => [x.purpose, x.granted])).toEqual([
      ['marketing', false],
      ['transactional', true],
      ['marketing', true],
    ]);
    expect(got.consentStatus.marketing).toMatchObject({
      granted: false,
      source: 'keyword',
      evidence: 'STOP',
    });
    expect(got.consentStatus.transactional).toMatchObject({
      granted: true,
      source: 'contract',
      evidence: null,
    });
    expectProblem(
      await call(s, 'POST', `/v1/contacts/${c.id}/consents`, {
        purpose: 'sales',
        granted: true,
        source: 'x',
      }),
      400,
      'validation_failed',
      '/body/purpose',
    );
    const actions = (await auditActions(s.accountId)).map((a) => a.action);
    expect(actions.filter((a) => a.startsWith('contact.consent_'))).toEqual([
      'contact.consent_granted',
      'contact.consent_granted',
      'contact.consent_withdrawn',
    ]);
  });

  it('deletes (single and bulk) at once and restores within 60 days; restore refuses a taken number', async () => {
    // An API key: the clock moves past the session's lifetime.
    const owner = await signup(ts.app);
    const s = await createApiKey(ts.app, owner);
    const grp = (await call(s, 'POST', '/v1/groups', { name: 'G' })).json();
    const a = await create(s, { phone: LV, firstName: 'Ada', groupIds: [grp.id] });
    const b = await create(s, { phone: LV2, firstName: 'Bob' });
    const c = await create(s, { phone: DE, firstName: 'Cy' });

    const bulk = await call(s, 'POST', '/v1/contacts/delete', { ids: [a.id, b.id, 'ctc_nope'] });
    expect(bulk.statusCode).toBe(200);
    expect(bulk.json().deleted.sort()).toEqual([a.id, b.id].sort());
    expect(ids(await call(s, 'GET', '/v1/contacts'))).toEqual([c.id]);
    expect(ids(await call(s, 'GET', '/v1/contacts?q=ada'))).toEqual([]);
    expect((await call(s, 'GET', `/v1/groups/${grp.id}`)).json().memberCount).toBe(0);
    const exported = await call(s, 'GET', '/v1/contacts/export?format=json');
    expect(exported.json().map((x: { id: string }) => x.id)).toEqual([c.id]);
    const row = await ts.system.storage.db
      .selectFrom('contacts')
      .select('deleted_at')
      .where('id', '=', a.id)
      .executeTakeFirstOrThrow();
    expect(Number(row.deleted_at)).toBe(ts.clock.now());

    // The number of a deleted contact is free again; restoring the old one then conflicts.
    const taker = await create(s, { phone: LV2 });
    ts.clock.advance(10 * DAY);
    const conflict = await call(s, 'POST', '/v1/contacts/restore', { ids: [a.id, b.id] });
    expectProblem(conflict, 409, 'conflict', '/body/ids/1');
    expect(ids(await call(s, 'GET', '/v1/contacts'))).not.toContain(a.id); // all or nothing

    const restored = await call(s, 'POST', '/v1/contacts/restore', { ids: [a.id] });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toEqual({ restored: [a.id] });
    expect((await call(s, 'GET', `/v1/contacts/${a.id}`)).json()).toMatchObject({
      firstName: 'Ada',
      groupIds: [grp.id],
    });
    expect((await call(s, 'GET', `/v1/groups/${grp.id}`)).json().memberCount).toBe(1);
    expectProblem(
      await call(s, 'POST', '/v1/contacts/restore', { ids: [a.id] }),
      404,
      'not_found',
      '/body/ids/0',
    );

    await call(s, 'DELETE', `/v1/contacts/${taker.id}`);
    ts.clock.advance(61 * DAY);
    expectProblem(await call(s, 'POST', '/v1/contacts/restore', { ids: [b.id] }), 404, 'not_found');
    expectProblem(
      await call(s, 'POST', '/v1/contacts/delete', { ids: [] }),
      400,
      'validation_failed',
      '/body/ids',
    );

    const actions = (await auditActions(owner.accountId)).map((x) => x.action);
    expect(actions).toEqual(expect.arrayContaining(['contacts.deleted', 'contacts.restored']));
  });

  it('exports CSV with a header row and neutralised formula cells, and JSON; filtered like the list', async () => {
    const s = await signup(ts.app);
    await call(s, 'POST', '/v1/contact-fields', { key: 'score', label: 'Score', type: 'number' });
    const evil = await create(s, {
      phone: LV,
      firstName: '=HYPERLINK("http://evil.example","click")',
      lastName: '@SUM(1+1)',
      address: 'Line 1, "Old Town"\nRiga',
      tags: ['vip', 'x'],
      fields: { score: -3 },
    });
    ts.clock.advance(1);
    const plain = await create(s, { phone: DE, firstName: 'Grace', email: 'grace@example.com' });

    const csv = await call(s, 'GET', '/v1/contacts/export?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('contacts.csv');
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe(
      'id,phone,firstName,lastName,email,country,address,avatarUrl,tags,groupIds,groups,createdAt,updatedAt,fields.score',
    );
    expect(lines[1]!.startsWith(`${plain.id},'${DE},Grace,,grace@example.com,DE,`)).toBe(true);
    expect(csv.body).toContain(
      `${evil.id},'${LV},"'=HYPERLINK(""http://evil.example"",""click"")",'@SUM(1+1),`,
    );
    expect(csv.body).toContain('"Line 1, ""Old Town""\nRiga"');
    expect(csv.body).toContain('vip;x');
    expect(csv.body).toContain(",'-3\r\n");
    // No cell starts with a formula character.
    expect(csv.body).not.toMatch(/(^|,)[=+\-@]/m);

    const json = await call(s, 'GET', '/v1/contacts/export?format=json');
    expect(json.headers['content-type']).toContain('application/json');
    const rows = json.json();
    expect(rows.map((r: { id: string }) => r.id)).toEqual([plain.id, evil.id]);
    expect(rows[1]).toMatchObject({
      phone: LV,
      firstName: '=HYPERLINK("http://evil.example","click")',
      fields: { score: -3 },
    });

    const filtered = await call(s, 'GET', '/v1/contacts/export?format=json&tag=vip');
    expect(filtered.json().map((r: { id: string }) => r.id)).toEqual([evil.id]);
    const none = await call(s, 'GET', '/v1/contacts/export?format=csv&q=nobody');
    expect(none.body.split('\r\n').filter(Boolean)).toHaveLength(1);
  });

  it('exports more contacts than one batch, in order', async () => {
    const s = await signup(ts.app);
    const made: string[] = [];
    for (let i = 0; i < 520; i++) {
      const phone = `+371${21000000 + i}`;
      made.push(
        (
          await ts.system.services.contacts.book.create(
            {
              kind: 'user',
              accountId: s.accountId,
              id: s.userId,
              role: 'owner',
              permissions: new Set(),
              sessionId: null,
              csrfToken: null,
              ip: null,
            },
            { phone },
          )
        ).id,
      );
    }
    const json = await call(s, 'GET', '/v1/contacts/export?format=json');
    expect(json.json().map((r: { id: string }) => r.id)).toEqual([...made].reverse());
    const csv = await call(s, 'GET', '/v1/contacts/export');
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(521);
  });

  it('suppression list: add, list, remove; a suppressed number sent to is rejected as recipient_opted_out', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const contact = await create(s, { phone: LV });
    const add = await call(s, 'POST', '/v1/suppressions', {
      phone: '+371 2123 4567',
      reason: 'asked by phone',
    });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json()).toMatchObject({ phone: LV, scope: 'all', reason: 'asked by phone', source: 'manual' });
    const mkt = await call(s, 'POST', '/v1/suppressions', {
      phone: DE,
      scope: 'marketing',
      source: 'bounce',
    });
    expect(mkt.json()).toMatchObject({ phone: DE, scope: 'marketing', source: 'bounce' });
    const list = await call(s, 'GET', '/v1/suppressions');
    expect(
      list
        .json()
        .data.map((x: { phone: string }) => x.phone)
        .sort(),
    ).toEqual([DE, LV].sort());

    const sent = await call(key, 'POST', '/v1/messages', {
      to: [LV, DE],
      text: 'Hello',
      type: 'transactional',
    });
    expect(sent.statusCode).toBe(202);
    const [toLv, toDe] = sent.json().data;
    expect(toLv).toMatchObject({ status: 'rejected', error: { code: 'recipient_opted_out' } });
    expect(toDe.status).toBe('queued');
    const marketing = await call(key, 'POST', '/v1/messages', { to: DE, text: 'Sale', type: 'marketing' });
    expect(marketing.json().data[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'recipient_opted_out' },
    });

    // Other accounts are not affected by this account's list.
    const other = await signup(ts.app);
    expect((await call(other, 'GET', '/v1/suppressions')).json().data).toEqual([]);
    const otherSend = await call(other, 'POST', '/v1/messages', { to: LV, text: 'Hi' });
    expect(otherSend.json().data[0].status).toBe('queued');
    expectProblem(
      await call(other, 'DELETE', `/v1/suppressions?phone=${encodeURIComponent(LV)}`),
      404,
      'not_found',
    );

    const removed = await call(s, 'DELETE', `/v1/suppressions?phone=${encodeURIComponent(LV)}`);
    expect(removed.statusCode).toBe(204);
    const after = await call(key, 'POST', '/v1/messages', { to: LV, text: 'Hello again' });
    expect(after.json().data[0].status).toBe('queued');
    expectProblem(
      await call(s, 'DELETE', `/v1/suppressions?phone=${encodeURIComponent(LV)}`),
      404,
      'not_found',
    );
    expectProblem(
      await call(s, 'POST', '/v1/suppressions', { phone: 'abc' }),
      422,
      'invalid_phone_number',
      '/body/phone',
    );
    expectProblem(
      await call(s, 'POST', '/v1/suppressions', { phone: LV, scope: 'sms' }),
      400,
      'validation_failed',
      '/body/scope',
    );
    expectProblem(await call(s, 'DELETE', '/v1/suppressions'), 400, 'validation_failed');

    const audit = await auditActions(s.accountId);
    const supp = audit.filter((a) => a.action.startsWith('suppression.'));
    expect(supp.map((a) => a.action)).toEqual([
      'suppression.added',
      'suppression.added',
      'suppression.removed',
    ]);
    expect(JSON.parse(supp[0]!.data!)).toEqual({ scope: 'all', source: 'manual', contactIds: [contact.id] });
    for (const a of supp) expect(a.data).not.toContain('2123');
  });

  it('documents every contacts endpoint in the OpenAPI document', async () => {
    const spec = await ts.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths)).toEqual(
      expect.arrayContaining([
        '/v1/contacts',
        '/v1/contacts/{id}',
        '/v1/contacts/export',
        '/v1/contacts/restore',
        '/v1/contact-fields',
        '/v1/groups/{id}/contacts',
        '/v1/suppressions',
      ]),
    );
  });

  it('a viewer may read contacts but not change them', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s, ['contacts:read']);
    expect((await call(key, 'GET', '/v1/contacts')).statusCode).toBe(200);
    expectProblem(await call(key, 'POST', '/v1/contacts', { phone: LV }), 403, 'forbidden');
    expectProblem(await call(key, 'POST', '/v1/suppressions', { phone: LV }), 403, 'forbidden');
  });
});
