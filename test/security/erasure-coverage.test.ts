import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../helpers/multipart';
import { DIALECTS, type DialectName } from '../helpers/storage';
import {
  createApiKey,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
} from '../helpers/system';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * Erasure coverage: a person is seeded into every place the public API can put them, erased, and then
 * every text column of every table (read from the database's own catalogue, so a table added tomorrow is
 * scanned too) and every file under DATA_DIR is searched for any of their values.
 */

interface Person {
  phone: string;
  /** The national significant number: found inside every written form of the number. */
  national: string;
  /** The national number as people write it, with a space. */
  spaced: string;
  firstName: string;
  lastName: string;
  email: string;
  text: string;
  reply: string;
}

const person = (n: string, first: string, last: string, email: string, word: string): Person => ({
  phone: `+371${n}`,
  national: n,
  spaced: `${n.slice(0, 4)} ${n.slice(4)}`,
  firstName: first,
  lastName: last,
  email,
  text: `Parcel ${word} is waiting`,
  reply: `Answer ${word} from me`,
});

// Erased by phone, erased by e-mail, and one who stays (proves the scan sees what is there).
const BY_PHONE = person('29876543', 'Zenobia', 'Quillfeather', 'Zenobia.Q@Example.org', 'Oxblood');
const BY_EMAIL = person('26543219', 'Bertold', 'Ystradgynlais', 'bertold.y@example.net', 'Vermilion');
const STAYS = person('24681357', 'Clothilde', 'Wexford', 'clothilde.w@example.com', 'Chartreuse');

/** The person's values as the scan looks for them (lower case; numbers in E.164 and national forms). */
function needles(p: Person): string[] {
  return [p.phone, p.national, p.spaced, p.firstName, p.lastName, p.email, p.text, p.reply].map((v) =>
    v.toLowerCase(),
  );
}

/** The tables named in the README's list of where personal data is kept. */
function readmeTables(): Set<string> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('#### Where personal data is kept');
  expect(start, 'README section "Where personal data is kept"').toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n#### ', start + 10));
  const names = new Set<string>();
  for (const m of section.matchAll(/^\| `([a-z_]+)`/gm)) names.add(m[1]!);
  return names;
}

type Columns = Map<string, string[]>;

/** Every text column of every table, from the catalogue of the database. */
async function textColumns(ts: TestSystem, dialect: DialectName): Promise<Columns> {
  const db = ts.system.storage.db;
  const out: Columns = new Map();
  if (dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
    for (const { name } of tables.rows) {
      const info = await sql<{ name: string; type: string }>`
        select name, type from pragma_table_info(${name})`.execute(db);
      // SQLite keeps any value in any column; scan every column whose declared type can hold text.
      const cols = info.rows
        .filter((c) => c.type === '' || /CHAR|CLOB|TEXT|JSON|BLOB/i.test(c.type))
        .map((c) => c.name);
      if (cols.length > 0) out.set(name, cols);
    }
  } else {
    const rows = await sql<{ table_name: string; column_name: string }>`
      select c.table_name, c.column_name from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
        and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')`.execute(db);
    for (const r of rows.rows) {
      const list = out.get(r.table_name) ?? [];
      list.push(r.column_name);
      out.set(r.table_name, list);
    }
  }
  return out;
}

/** Where each of the needles occurs: `table.column` or `file:<path>` → the needles found there. */
async function scan(ts: TestSystem, dialect: DialectName, values: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const note = (where: string, text: string) => {
    const lower = text.toLowerCase();
    const hits = values.filter((v) => lower.includes(v));
    if (hits.length > 0) found.set(where, [...new Set([...(found.get(where) ?? []), ...hits])]);
  };
  const db = ts.system.storage.db;
  for (const [table, cols] of await textColumns(ts, dialect)) {
    const list = sql.join(cols.map((c) => sql.ref(c)));
    const rows = await sql<Record<string, unknown>>`select ${list} from ${sql.table(table)}`.execute(db);
    for (const row of rows.rows) {
      for (const col of cols) {
        const v = row[col];
        if (v === null || v === undefined) continue;
        note(`${table}.${col}`, Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
      }
    }
  }
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else note(`file:${path.slice(ts.config.DATA_DIR.length)}`, readFileSync(path).toString('utf8'));
    }
  };
  walk(ts.config.DATA_DIR);
  return found;
}

describe.each(DIALECTS)('erasure leaves nothing of the person on %s', (dialect) => {
  let ts: TestSystem;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      PUBLIC_URL: 'https://sms.example.com',
    });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await ts?.close();
  });

  type Headers = { headers: Record<string, string> };
  const call = (s: Headers, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  async function ok(response: Promise<{ statusCode: number; body: string; json(): unknown }>, status = 200) {
    const r = await response;
    expect(r.statusCode, r.body).toBe(status);
    // biome-ignore lint/suspicious/noExplicitAny: test answers are checked field by field
    return r.json() as any;
  }

  /** Seeds the three people everywhere the public API reaches. */
  async function seed(s: Session, key: Headers) {
    await ok(
      call(s, 'POST', '/v1/webhooks', {
        url: `${receiver.url}/hook`,
        events: ['message.status', 'message.received'],
      }),
      201,
    );
    const group = (await ok(call(key, 'POST', '/v1/groups', { name: 'Everyone' }), 201)).id as string;

    // An import with a good row and two error rows for each person: a repeated number (the message
    // names it) and a bad country (only the refused row's cells, kept for the error report, name them).
    const people = [BY_PHONE, BY_EMAIL, STAYS];
    const csv = [
      'phone,first_name,last_name,email,country',
      ...people.flatMap((p) => [
        `${p.phone},${p.firstName},${p.lastName},${p.email},`,
        `+371 ${p.spaced},${p.firstName},${p.lastName},${p.email},`,
        `+371 ${p.spaced},${p.firstName},${p.lastName},${p.email},X1`,
      ]),
    ].join('\n');
    const form = multipart(
      { name: 'file', fileName: 'people.csv', contentType: 'text/csv', data: csv },
      { groupId: group },
    );
    const imp = await ok(
      ts.app.inject({
        method: 'POST',
        url: '/v1/imports',
        headers: { ...key.headers, ...form.headers },
        payload: form.payload,
      }),
      202,
    );
    await ts.system.workOnce();
    const report = await ok(call(key, 'GET', `/v1/imports/${imp.id}`));
    expect(report).toMatchObject({ status: 'completed', imported: 3, failed: 6 });

    const contacts = (await ok(call(key, 'GET', '/v1/contacts?limit=500'))).data as Array<{
      id: string;
      phone: string;
    }>;
    for (const p of people) {
      const c = contacts.find((x) => x.phone === p.phone)!;
      await ok(
        call(key, 'POST', `/v1/contacts/${c.id}/consents`, {
          purpose: 'marketing',
          granted: true,
          source: 'web_form',
          evidence: `form signed by ${p.firstName} ${p.lastName}`,
        }),
        201,
      );
      // An idempotent send with the person's own text.
      await ok(
        ts.app.inject({
          method: 'POST',
          url: '/v1/messages',
          headers: { ...key.headers, 'idempotency-key': `send-${p.national}` },
          payload: { to: p.phone, text: p.text },
        }),
        202,
      );
    }
    // A campaign whose tracked link carries the name and e-mail; each person clicks theirs.
    const campaign = await ok(
      call(key, 'POST', '/v1/campaigns', {
        name: 'Spring',
        text: 'Hi {{first_name}} {{last_name}}: https://shop.example.com/p?n={{first_name}}&e={{email}} STOP',
        type: 'marketing',
        groupIds: [group],
        trackLinks: true,
        quietHours: null,
      }),
      201,
    );
    await ok(call(key, 'POST', `/v1/campaigns/${campaign.id}/start`));
    await ts.system.workOnce();
    ts.clock.advance(2000);
    await ts.system.workOnce();
    const sent = await ts.system.storage.db
      .selectFrom('messages')
      .select('text')
      .where('campaign_id', '=', campaign.id)
      .execute();
    expect(sent).toHaveLength(3);
    for (const m of sent) {
      const code = /\/l\/([A-Za-z0-9]+)/.exec(m.text)?.[1];
      expect(code, m.text).toBeDefined();
      const follow = await ts.app.inject({
        method: 'GET',
        url: `/l/${code}`,
        headers: { 'user-agent': 'Mozilla/5.0 Chrome/120' },
      });
      expect(follow.statusCode).toBe(302);
    }

    // Replies: the inbound number belongs to the account.
    const staff = await staffSession(ts, 'operator');
    const number = '+37120009999';
    await ok(call(staff, 'POST', '/v1/admin/numbers', { number, accountId: s.accountId }), 201);
    for (const p of people) {
      await ts.system.services.inbound.receive({
        routeId: 'simulator',
        from: p.phone,
        to: number,
        text: p.reply,
        at: ts.clock.now(),
      });
    }
    // An opt-out by reply: the suppression must still hold after erasure (as a hash).
    await ts.system.services.inbound.receive({
      routeId: 'simulator',
      from: BY_PHONE.phone,
      to: number,
      text: 'STOP',
      at: ts.clock.now(),
    });
    await ts.system.workOnce();
    return { group, campaign, importId: imp.id as string };
  }

  it('by phone and by e-mail: no text column of any table and no stored file holds any of their values', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const { importId } = await seed(s, key);

    const erased = [...needles(BY_PHONE), ...needles(BY_EMAIL)];
    const before = await scan(ts, dialect, [...erased, ...needles(STAYS)]);
    // The seeding reached the places the erasure must clean.
    for (const place of [
      'contacts.phone',
      'messages.to_number',
      'messages.text',
      'import_errors.message',
      'import_errors.cells',
      'idempotency_keys.response_body',
      'links.target_url',
      'inbound_messages.text',
      'webhook_deliveries.body',
    ]) {
      const hits = before.get(place) ?? [];
      expect(
        needles(BY_PHONE).some((v) => hits.includes(v)),
        `${place} before erasure: ${hits.join(', ')}`,
      ).toBe(true);
    }
    expect([...before.keys()].some((k) => k.startsWith('file:/files/imports/'))).toBe(true);
    // The README lists every table the person was found in.
    const listed = readmeTables();
    const tables = [
      ...new Set([...before.keys()].filter((k) => !k.startsWith('file:')).map((k) => k.split('.')[0]!)),
    ];
    expect(
      tables.filter((t) => !listed.has(t)),
      'tables holding personal data missing from the README',
    ).toEqual([]);

    const links = await ts.system.storage.db
      .selectFrom('links')
      .select(['code', 'target_url'])
      .where('account_id', '=', s.accountId)
      .execute();
    const linkOf = (p: Person) => links.find((l) => l.target_url?.includes(p.firstName))!.code;
    const erasedLinks = [linkOf(BY_PHONE), linkOf(BY_EMAIL)];

    await ok(call(s, 'POST', '/v1/privacy/subject-erasure', { phone: `+371 ${BY_PHONE.spaced}` }));
    await ok(call(s, 'POST', '/v1/privacy/subject-erasure', { email: BY_EMAIL.email.toUpperCase() }));

    const after = await scan(ts, dialect, [...erased, ...needles(STAYS)]);
    const left = [...after].filter(([, hits]) => hits.some((h) => erased.includes(h)));
    expect(left, 'places still holding an erased person').toEqual([]);
    // The one who stays is still everywhere they were (the scan would have seen the others).
    expect(after.get('contacts.phone')).toEqual(expect.arrayContaining([STAYS.national]));
    expect(after.get('import_errors.message')).toEqual(expect.arrayContaining([STAYS.national]));

    // What the client sees: the report and its CSV no longer name the erased people.
    const report = JSON.stringify(await ok(call(key, 'GET', `/v1/imports/${importId}`))).toLowerCase();
    const errorsCsv = (await call(key, 'GET', `/v1/imports/${importId}/errors.csv`)).body.toLowerCase();
    for (const v of erased) {
      expect(report).not.toContain(v);
      expect(errorsCsv).not.toContain(v);
    }
    for (const code of erasedLinks) {
      const follow = await ts.app.inject({ method: 'GET', url: `/l/${code}` });
      expect(follow.statusCode).toBe(410);
      expect(follow.headers.location).toBeUndefined();
    }
    // The opt-out (STOP to a marketing campaign) still holds: no marketing reaches the number again.
    const again = await ok(
      call(key, 'POST', '/v1/messages', { to: BY_PHONE.phone, text: 'hello', type: 'marketing' }),
      202,
    );
    expect(again.data[0]).toMatchObject({ status: 'rejected', error: { code: 'recipient_opted_out' } });
  });
});
