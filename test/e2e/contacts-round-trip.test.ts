import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../helpers/multipart';
import { DIALECTS, type DialectName } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';

type Headers = { headers: Record<string, string> };
interface ContactJson {
  phone: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  country: string | null;
  address: string | null;
  tags: string[];
  groupIds: string[];
  fields: Record<string, unknown>;
}

const FIELDS = [
  { key: 'birthday', label: 'Birthday', type: 'date' },
  { key: 'score', label: 'Score', type: 'number' },
  { key: 'vip', label: 'VIP', type: 'boolean' },
  { key: 'note', label: 'Note', type: 'text' },
] as const;

// Also with the CSV read on the import's worker thread, as big files are.
const READERS: Array<[string, DialectName, Record<string, string>]> = [
  ...DIALECTS.map((d): [string, DialectName, Record<string, string>] => [d, d, {}]),
  ['sqlite, CSV read on a worker thread', 'sqlite', { IMPORT_THREAD_MIN_BYTES: '0' }],
];

describe.each(READERS)('contacts export → import round trip on %s', (_label, dialect, env) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, env);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (s: Headers, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });

  async function withFields(): Promise<Session> {
    const s = await signup(ts.app);
    for (const f of FIELDS) expect((await call(s, 'POST', '/v1/contact-fields', f)).statusCode).toBe(201);
    return s;
  }

  /** The account's contacts as comparable records: by phone, with group names instead of ids. */
  async function snapshot(s: Session) {
    const groups = (await call(s, 'GET', '/v1/groups?limit=100')).json().data as Array<{
      id: string;
      name: string;
    }>;
    const nameOf = new Map(groups.map((g) => [g.id, g.name]));
    const rows = (await call(s, 'GET', '/v1/contacts/export?format=json')).json() as ContactJson[];
    return Object.fromEntries(
      rows.map((c) => [
        c.phone,
        {
          firstName: c.firstName,
          lastName: c.lastName,
          email: c.email,
          country: c.country,
          address: c.address,
          tags: [...c.tags].sort(),
          groups: c.groupIds.map((id) => nameOf.get(id)).sort(),
          fields: c.fields,
        },
      ]),
    );
  }

  it('an exported CSV of 45 contacts imports into a fresh account as the same contacts, groups and fields', async () => {
    const a = await withFields();
    const groupIds: string[] = [];
    for (const name of ['Bakers', 'Regulars, Riga', 'Early birds']) {
      const g = await call(a, 'POST', '/v1/groups', { name });
      expect(g.statusCode, g.body).toBe(201);
      groupIds.push(g.json().id);
    }
    for (let i = 0; i < 45; i++) {
      const payload: Record<string, unknown> = {
        phone: `+371270000${String(i).padStart(2, '0')}`,
        firstName: i === 3 ? '-Anna' : i === 4 ? '=1+2' : `Name ${i}`,
        lastName: i % 5 === 0 ? null : `Surname ${i}`,
        email: i % 4 === 0 ? `person${i}@example.com` : null,
        address: i === 7 ? '@home, "Old Town"\nRiga' : i % 3 === 0 ? `Street ${i}` : null,
        tags: i % 2 === 0 ? ['even', `t${i % 3}`] : [],
        groupIds: groupIds.filter((_, g) => (i + g) % (g + 2) === 0),
        fields: {
          ...(i % 2 === 0 ? { birthday: `19${50 + i}-0${1 + (i % 9)}-1${i % 10}` } : {}),
          ...(i % 3 === 0 ? { score: i === 9 ? -4.5 : i * 10 } : {}),
          ...(i % 4 === 0 ? { vip: i % 8 === 0 } : {}),
          ...(i % 5 === 0 ? { note: i === 10 ? '+ extra' : `note ${i}` } : {}),
        },
      };
      const r = await call(a, 'POST', '/v1/contacts', payload);
      expect(r.statusCode, r.body).toBe(201);
    }
    const before = await snapshot(a);
    expect(Object.keys(before)).toHaveLength(45);
    expect(Object.values(before).filter((c) => c.groups.length > 1).length).toBeGreaterThan(0);

    const csv = await call(a, 'GET', '/v1/contacts/export?format=csv');
    expect(csv.statusCode).toBe(200);
    // The export still guards every cell a spreadsheet would run, phones included.
    expect(csv.body).toContain("'+37127000006");
    expect(csv.body).not.toMatch(/(^|,)"?[=+\-@]/m);
    expect(csv.body.split('\r\n')[0]).toContain(',groups,');

    const b = await withFields();
    const body = multipart(
      { name: 'file', fileName: 'contacts.csv', contentType: 'text/csv', data: csv.body },
      { createGroups: 'true' },
    );
    const created = await ts.app.inject({
      method: 'POST',
      url: '/v1/imports',
      headers: { ...b.headers, ...body.headers },
      payload: body.payload,
    });
    expect(created.statusCode, created.body).toBe(202);
    expect(created.json().mapping).toMatchObject({
      phone: 'phone',
      groups: 'groups',
      'fields.birthday': 'fields.birthday',
      'fields.note': 'fields.note',
    });
    await ts.system.workOnce();
    const done = (await call(b, 'GET', `/v1/imports/${created.json().id}`)).json();
    expect(done).toMatchObject({ status: 'completed', imported: 45, failed: 0 });
    expect(done.errors ?? []).toEqual([]);

    expect(await snapshot(b)).toEqual(before);
    const groupsOfB = (await call(b, 'GET', '/v1/groups?limit=100')).json().data;
    expect(groupsOfB.map((g: { name: string }) => g.name).sort()).toEqual([
      'Bakers',
      'Early birds',
      'Regulars, Riga',
    ]);

    // Imported again into the same account: the groups exist now and are reused, not duplicated.
    const again = multipart(
      { name: 'file', fileName: 'contacts.csv', contentType: 'text/csv', data: csv.body },
      { createGroups: 'true', onDuplicate: 'update' },
    );
    const second = await ts.app.inject({
      method: 'POST',
      url: '/v1/imports',
      headers: { ...b.headers, ...again.headers },
      payload: again.payload,
    });
    expect(second.statusCode, second.body).toBe(202);
    await ts.system.workOnce();
    expect((await call(b, 'GET', `/v1/imports/${second.json().id}`)).json()).toMatchObject({
      status: 'completed',
      updated: 45,
      failed: 0,
    });
    expect((await call(b, 'GET', '/v1/groups?limit=100')).json().data).toHaveLength(3);
    expect(await snapshot(b)).toEqual(before);
  });

  it('without createGroups, contacts are imported and unknown group names are reported, not created', async () => {
    const s = await signup(ts.app);
    const known = (await call(s, 'POST', '/v1/groups', { name: 'Known' })).json();
    const csv = "phone,groups\r\n+37127100001,Known;Unknown\r\n'+37127100002,Known\r\n";
    const body = multipart({ name: 'file', fileName: 'c.csv', contentType: 'text/csv', data: csv });
    const created = await ts.app.inject({
      method: 'POST',
      url: '/v1/imports',
      headers: { ...s.headers, ...body.headers },
      payload: body.payload,
    });
    expect(created.statusCode, created.body).toBe(202);
    await ts.system.workOnce();
    const done = (await call(s, 'GET', `/v1/imports/${created.json().id}`)).json();
    expect(done).toMatchObject({ status: 'completed', imported: 2, failed: 0, warned: 1 });
    expect(done.errors).toEqual([]);
    expect(done.warnings).toEqual([
      {
        row: 2,
        column: 'groups',
        message:
          'no group named "Unknown": the contact was imported without it (import with createGroups=true to create it)',
      },
    ]);
    const members = (await call(s, 'GET', `/v1/contacts?groupId=${known.id}`)).json().data;
    expect(members.map((c: { phone: string }) => c.phone).sort()).toEqual(['+37127100001', '+37127100002']);
    expect((await call(s, 'GET', '/v1/groups')).json().data).toHaveLength(1);
  });
});
