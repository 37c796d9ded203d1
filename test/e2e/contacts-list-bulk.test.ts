import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../helpers/multipart';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';

type Headers = { headers: Record<string, string> };
type Contact = { id: string; phone: string; firstName: string | null; lastName: string | null };

describe.each(DIALECTS)('contact list sort, count and bulk actions by filter on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (s: Headers, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  const ok = async (r: Promise<{ statusCode: number; body: string; json(): unknown }>, status = 200) => {
    const reply = await r;
    expect(reply.statusCode, reply.body).toBe(status);
    // biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
    return (reply.body === '' ? null : reply.json()) as any;
  };
  const problem = async (
    r: Promise<{ statusCode: number; headers: Record<string, unknown>; json(): unknown }>,
    status: number,
    code: string,
    path?: string,
  ) => {
    const reply = await r;
    expect(reply.statusCode).toBe(status);
    expect(String(reply.headers['content-type'])).toContain('application/problem+json');
    const body = reply.json() as { code: string; errors?: Array<{ path: string }> };
    expect(body.code).toBe(code);
    if (path) expect(body.errors?.map((e) => e.path)).toContain(path);
  };
  const create = (s: Headers, payload: object) => ok(call(s, 'POST', '/v1/contacts', payload), 201);

  /** Every page of the list, `limit` at a time, following nextCursor. */
  async function walk(s: Headers, query: string, limit: number): Promise<Contact[]> {
    const out: Contact[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page: { data: Contact[]; nextCursor: string | null } = await ok(
        call(
          s,
          'GET',
          `/v1/contacts?limit=${limit}${query ? `&${query}` : ''}${cursor ? `&cursor=${cursor}` : ''}`,
        ),
      );
      out.push(...page.data);
      cursor = page.nextCursor;
      if (!cursor) return out;
    }
    throw new Error('the list never ended');
  }
  const names = (list: Contact[]) =>
    list.map((c) => [c.firstName, c.lastName].filter(Boolean).join(' ') || c.phone);

  async function book(s: Session) {
    // Created in this order; names compare the same in every collation (plain ASCII, distinct letters).
    const people = [
      { phone: '+37120000005', firstName: 'dora', lastName: 'Evans' },
      { phone: '+37120000001' },
      { phone: '+37120000003', firstName: 'Bob', lastName: 'Young' },
      { phone: '+37120000007', lastName: 'Carter' },
      { phone: '+37120000002', firstName: 'Anna', lastName: 'Zed' },
      { phone: '+37120000006' },
      { phone: '+37120000004', firstName: 'Anna', lastName: 'Adams' },
    ];
    const created: Contact[] = [];
    for (const p of people) created.push(await create(s, p));
    return created;
  }

  it('sorts by name, phone and creation, pages through every order with the cursor, nameless last', async () => {
    const s = await signup(ts.app);
    const created = await book(s);
    const byName = ['Anna Adams', 'Anna Zed', 'Bob Young', 'Carter', 'dora Evans'];
    // Without a name: after the named ones, oldest first ascending and newest first descending.
    expect(names(await walk(s, 'sort=name', 2))).toEqual([...byName, '+37120000001', '+37120000006']);
    expect(names(await walk(s, 'sort=-name', 2))).toEqual([
      ...[...byName].reverse(),
      '+37120000006',
      '+37120000001',
    ]);
    for (const limit of [1, 3, 50]) {
      expect(names(await walk(s, 'sort=name', limit))).toHaveLength(7);
    }
    const phones = created.map((c) => c.phone).sort();
    expect((await walk(s, 'sort=phone', 3)).map((c) => c.phone)).toEqual(phones);
    expect((await walk(s, 'sort=-phone', 3)).map((c) => c.phone)).toEqual([...phones].reverse());
    expect((await walk(s, 'sort=created', 3)).map((c) => c.id)).toEqual(created.map((c) => c.id));
    expect((await walk(s, 'sort=-created', 3)).map((c) => c.id)).toEqual(created.map((c) => c.id).reverse());
    // The default order is still newest first.
    expect((await walk(s, '', 4)).map((c) => c.id)).toEqual(created.map((c) => c.id).reverse());

    // A rename moves the contact in the name order; a name removed sends it to the nameless end.
    await ok(call(s, 'PATCH', `/v1/contacts/${created[2]!.id}`, { firstName: 'Aaron' }));
    await ok(call(s, 'PATCH', `/v1/contacts/${created[3]!.id}`, { lastName: null }));
    expect(names(await walk(s, 'sort=name', 2))).toEqual([
      'Aaron Young',
      'Anna Adams',
      'Anna Zed',
      'dora Evans',
      '+37120000001',
      '+37120000007',
      '+37120000006',
    ]);

    // Filters and sort together; a page that ended on a contact deleted since still goes on.
    const first = await ok(call(s, 'GET', '/v1/contacts?sort=name&q=anna&limit=1'));
    expect(names(first.data)).toEqual(['Anna Adams']);
    await ok(call(s, 'DELETE', `/v1/contacts/${first.data[0].id}`), 204);
    const next = await ok(call(s, 'GET', `/v1/contacts?sort=name&q=anna&limit=1&cursor=${first.nextCursor}`));
    expect(names(next.data)).toEqual(['Anna Zed']);

    // Bad sort or a cursor that is no contact of the account: 400 with the parameter named.
    await problem(call(s, 'GET', '/v1/contacts?sort=email'), 400, 'validation_failed');
    await problem(
      call(s, 'GET', '/v1/contacts?sort=name&cursor=ctc_nope'),
      400,
      'validation_failed',
      '/querystring/cursor',
    );
    const other = await signup(ts.app);
    await problem(
      call(other, 'GET', `/v1/contacts?sort=phone&cursor=${created[0]!.id}`),
      400,
      'validation_failed',
      '/querystring/cursor',
    );
  });

  it('imported contacts sort by name like the others, also after an import updates them', async () => {
    const s = await signup(ts.app);
    const upload = async (csv: string, fields: Record<string, string> = {}) => {
      const body = multipart({ name: 'file', fileName: 'c.csv', contentType: 'text/csv', data: csv }, fields);
      await ok(
        ts.app.inject({
          method: 'POST',
          url: '/v1/imports',
          headers: { ...s.headers, ...body.headers },
          payload: body.payload,
        }),
        202,
      );
      await ts.system.workOnce();
    };
    await upload(
      'phone,first name,last name\n+37120000011,Zoe,Best\n+37120000012,,\n+37120000013,Mia,Ames\n',
    );
    expect(names(await walk(s, 'sort=name', 2))).toEqual(['Mia Ames', 'Zoe Best', '+37120000012']);
    await upload('phone,first name\n+37120000012,Abe\n+37120000011,Ann\n', { onDuplicate: 'update' });
    expect(names(await walk(s, 'sort=name', 2))).toEqual(['Abe', 'Ann Best', 'Mia Ames']);
  });

  it('counts the contacts of a filter, only the account’s own', async () => {
    const s = await signup(ts.app);
    const group = await ok(call(s, 'POST', '/v1/groups', { name: 'Count me' }), 201);
    for (let i = 0; i < 12; i++) {
      await create(s, {
        phone: `+3712100${String(i).padStart(4, '0')}`,
        firstName: i % 3 === 0 ? 'Liga' : 'Karlis',
        tags: i % 2 === 0 ? ['even'] : [],
        groupIds: i < 5 ? [group.id] : [],
      });
    }
    await create(s, { phone: '+4915123456789', firstName: 'Hans' });
    const other = await signup(ts.app);
    await create(other, { phone: '+37121000001', firstName: 'Liga', tags: ['even'] });

    const count = (s_: Headers, query: string) => ok(call(s_, 'GET', `/v1/contacts/count${query}`));
    expect(await count(s, '')).toEqual({ total: 13, capped: false });
    expect(await count(s, '?tag=even')).toEqual({ total: 6, capped: false });
    expect(await count(s, `?groupId=${group.id}`)).toEqual({ total: 5, capped: false });
    expect(await count(s, '?q=lig')).toEqual({ total: 4, capped: false });
    expect(await count(s, '?country=de')).toEqual({ total: 1, capped: false });
    expect(await count(s, `?q=karl&tag=even&groupId=${group.id}`)).toEqual({ total: 2, capped: false });
    expect(await count(other, '')).toEqual({ total: 1, capped: false });
    // Deleted contacts are not counted.
    const first = (await ok(call(s, 'GET', '/v1/contacts?tag=even&limit=1'))).data[0];
    await ok(call(s, 'DELETE', `/v1/contacts/${first.id}`), 204);
    expect(await count(s, '?tag=even')).toEqual({ total: 5, capped: false });
    await problem(call(s, 'GET', '/v1/contacts/count?limit=5'), 400, 'validation_failed');
  });

  it('adds to a group, removes from it and deletes every contact of a filter, across requests, audited', async () => {
    const s = await signup(ts.app);
    const vip = await ok(call(s, 'POST', '/v1/groups', { name: 'VIP' }), 201);
    const made: Contact[] = [];
    for (let i = 0; i < 9; i++) {
      made.push(
        await create(s, {
          phone: `+3712200${String(i).padStart(4, '0')}`,
          firstName: i < 6 ? 'Riga' : 'Cesis',
          tags: i < 7 ? ['shop'] : [],
        }),
      );
    }
    // Another account's contacts match the same filter and must stay out of it.
    const other = await signup(ts.app);
    const theirs = await create(other, { phone: '+37122000001', firstName: 'Riga', tags: ['shop'] });
    const otherGroup = await ok(call(other, 'POST', '/v1/groups', { name: 'Theirs' }), 201);

    // Add every "shop" contact, 3 per request: the cursor carries on until it is null.
    const rounds: Array<{ processed: number; affected: number; nextCursor: string | null }> = [];
    let cursor: string | undefined;
    do {
      const r = await ok(
        call(s, 'POST', '/v1/contacts/bulk', {
          filter: { tag: 'shop' },
          action: 'add_to_group',
          groupId: vip.id,
          limit: 3,
          ...(cursor ? { cursor } : {}),
        }),
      );
      rounds.push(r);
      cursor = r.nextCursor ?? undefined;
    } while (cursor && rounds.length < 10);
    expect(rounds.map((r) => [r.processed, r.affected])).toEqual([
      [3, 3],
      [3, 3],
      [1, 1],
    ]);
    expect(rounds[2]!.nextCursor).toBeNull();
    const members = await ok(call(s, 'GET', `/v1/contacts?groupId=${vip.id}&limit=100`));
    expect(members.data.map((c: Contact) => c.id).sort()).toEqual(
      made
        .slice(0, 7)
        .map((c) => c.id)
        .sort(),
    );
    expect(await ok(call(s, 'GET', `/v1/contacts/count?groupId=${vip.id}`))).toEqual({
      total: 7,
      capped: false,
    });

    // Again: nothing new is added, every match is gone through.
    const again = await ok(
      call(s, 'POST', '/v1/contacts/bulk', {
        filter: { tag: 'shop' },
        action: 'add_to_group',
        groupId: vip.id,
      }),
    );
    expect(again).toEqual({
      action: 'add_to_group',
      groupId: vip.id,
      processed: 7,
      affected: 0,
      nextCursor: null,
    });

    // Remove the "Cesis" ones (search) from the group.
    const removed = await ok(
      call(s, 'POST', '/v1/contacts/bulk', {
        filter: { q: 'cesis', groupId: vip.id },
        action: 'remove_from_group',
        groupId: vip.id,
      }),
    );
    expect(removed).toMatchObject({ processed: 1, affected: 1, nextCursor: null });
    expect((await ok(call(s, 'GET', `/v1/groups/${vip.id}`))).memberCount).toBe(6);

    // Delete every contact of the group: hidden at once, restorable, the others stay.
    const deleted = await ok(
      call(s, 'POST', '/v1/contacts/bulk', { filter: { groupId: vip.id }, action: 'delete' }),
    );
    expect(deleted).toEqual({ action: 'delete', groupId: null, processed: 6, affected: 6, nextCursor: null });
    const left = await ok(call(s, 'GET', '/v1/contacts?limit=100'));
    expect(left.data.map((c: Contact) => c.id).sort()).toEqual(
      made
        .slice(6)
        .map((c) => c.id)
        .sort(),
    );
    await ok(call(s, 'POST', '/v1/contacts/restore', { ids: [made[0]!.id] }));

    // The other account saw nothing of it.
    expect((await ok(call(other, 'GET', `/v1/contacts/${theirs.id}`))).groupIds).toEqual([]);
    expect((await ok(call(other, 'GET', '/v1/contacts/count'))).total).toBe(1);

    // Every batch is in the audit log as the picked-ids actions are, with the filter (but no search text).
    const audit = await ts.system.storage.db
      .selectFrom('audit_events')
      .select(['action', 'data'])
      .where('account_id', '=', s.accountId)
      .where('action', 'in', ['group.members_added', 'group.members_removed', 'contacts.deleted'])
      .orderBy('seq')
      .execute();
    const events = audit.map((a) => ({ action: a.action, data: JSON.parse(a.data ?? '{}') }));
    // Three requests of the first walk, one for the walk again, then the removal and the deletion.
    expect(events.map((e) => e.action)).toEqual([
      'group.members_added',
      'group.members_added',
      'group.members_added',
      'group.members_added',
      'group.members_removed',
      'contacts.deleted',
    ]);
    expect(events[0]!.data).toMatchObject({ byFilter: { tag: 'shop' }, contactIds: expect.any(Array) });
    expect(events[4]!.data).toEqual({
      byFilter: { groupId: vip.id, search: true },
      contactIds: [made[6]!.id],
    });
    expect(events[5]!.data.contactIds).toHaveLength(6);
    for (const e of audit) expect(e.data ?? '').not.toMatch(/cesis|\+371/i);

    // Refused: a group action without its group, another account's group, a group with delete, unknowns.
    await problem(
      call(s, 'POST', '/v1/contacts/bulk', { filter: {}, action: 'add_to_group' }),
      400,
      'validation_failed',
      '/body/groupId',
    );
    await problem(
      call(s, 'POST', '/v1/contacts/bulk', { filter: {}, action: 'add_to_group', groupId: otherGroup.id }),
      404,
      'not_found',
      '/body/groupId',
    );
    await problem(
      call(s, 'POST', '/v1/contacts/bulk', { filter: {}, action: 'delete', groupId: vip.id }),
      400,
      'validation_failed',
      '/body/groupId',
    );
    await problem(
      call(s, 'POST', '/v1/contacts/bulk', { filter: {}, action: 'archive' }),
      400,
      'validation_failed',
    );
    await problem(
      call(s, 'POST', '/v1/contacts/bulk', { filter: { phone: 'x' }, action: 'delete' }),
      400,
      'validation_failed',
    );
    await problem(call(s, 'POST', '/v1/contacts/bulk', { action: 'delete' }), 400, 'validation_failed');
    await problem(
      call(s, 'POST', '/v1/contacts/bulk', { filter: {}, action: 'delete', limit: 10_001 }),
      400,
      'validation_failed',
    );
    // None of those changed anything.
    expect((await ok(call(s, 'GET', '/v1/contacts/count'))).total).toBe(4);
  });
});
