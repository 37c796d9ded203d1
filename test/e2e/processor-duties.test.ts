import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEvent } from '../../src/modules/audit';
import { DAY, HOUR } from '../helpers/fake-clock';
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

/** Adds a team member with a role and signs them in through the invitation link. */
async function member(ts: TestSystem, owner: Session, role: string): Promise<Session> {
  const email = uniqueEmail(role);
  const invite = await ts.app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: owner.headers,
    payload: { email, name: role, role },
  });
  expect(invite.statusCode).toBe(201);
  await ts.app.inject({
    method: 'POST',
    url: '/v1/auth/password-reset/confirm',
    payload: { token: ts.mail.lastToken(email), password: PASSWORD },
  });
  const login = await ts.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  expect(login.statusCode).toBe(200);
  const cookie = cookieFrom(login, 'sg_session');
  const csrf = login.json().csrfToken;
  return {
    cookie,
    csrf,
    accountId: owner.accountId,
    userId: invite.json().id,
    email,
    headers: { cookie, 'x-csrf-token': csrf },
  };
}

/** Splits the CSV export (no quoted line breaks in these tests) into records of cells. */
function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((line) => {
      const cells: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted) {
          if (c === '"' && line[i + 1] === '"') {
            cell += '"';
            i++;
          } else if (c === '"') quoted = false;
          else cell += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') {
          cells.push(cell);
          cell = '';
        } else cell += c;
      }
      cells.push(cell);
      return cells;
    });
}

interface Exported {
  id: string;
  chain: string;
  seq: number;
  accountId: string | null;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  data: string | null;
  at: string;
  atMs: number;
  prevHash: string;
  hash: string;
}

/** What an auditor does offline with the export: re-compute every hash from the exported fields. */
function verifyOffline(events: Exported[]): number | null {
  let prev = events[0]?.prevHash ?? '';
  for (const e of events) {
    const expected = hashEvent(prev, {
      id: e.id,
      chain: e.chain,
      seq: e.seq,
      account_id: e.accountId,
      actor_type: e.actorType as 'user',
      actor_id: e.actorId,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      ip: e.ip,
      data: e.data,
      at: e.atMs,
      prev_hash: e.prevHash,
    });
    if (e.prevHash !== prev || expected !== e.hash) return e.seq;
    prev = e.hash;
  }
  return null;
}

describe.each(DIALECTS)('processor duties on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    // Sessions outlive the 30-day objection period the tests step over.
    ts = await startTestSystem(dialect, { SUBPROCESSOR_OBJECTION_DAYS: '30', SESSION_TTL_HOURS: '5000' });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('exports the audit chain as JSON and CSV that verify offline; a tampered row is found by verify', async () => {
    const owner = await signup(ts.app);
    const key = await createApiKey(ts.app, owner);
    // A few more events, one of them by staff acting on the account.
    await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: key.headers,
      payload: { phone: '+37120000001', firstName: '=cmd' },
    });
    const staff = await staffSession(ts, 'operator');
    const credit = await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${owner.accountId}/credits`,
      headers: staff.headers,
      payload: { amount: 5, reason: 'goodwill' },
    });
    expect(credit.statusCode).toBe(200);

    const json = await ts.app.inject({
      method: 'GET',
      url: '/v1/audit-log/export?format=json',
      headers: owner.headers,
    });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toContain('application/json');
    const events = json.json() as Exported[];
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.every((e) => e.accountId === owner.accountId)).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.prevHash).toBe('0'.repeat(64));
    expect(events.map((e) => e.action)).toContain('account.signup');
    // Staff actions on the account are in the account's own chain.
    expect(events.some((e) => e.actorType === 'staff' && e.actorId === staff.userId)).toBe(true);
    expect(verifyOffline(events)).toBeNull();

    const csv = await ts.app.inject({
      method: 'GET',
      url: '/v1/audit-log/export?format=csv',
      headers: key.headers,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const [header, ...rows] = parseCsv(csv.body);
    expect(header).toEqual([
      'id',
      'chain',
      'seq',
      'accountId',
      'actorType',
      'actorId',
      'action',
      'targetType',
      'targetId',
      'ip',
      'data',
      'at',
      'atMs',
      'prevHash',
      'hash',
    ]);
    // CSV is read back with empty cells as null and numbers as numbers, then verified the same way.
    const fromCsv = rows.map((r) => {
      const o = Object.fromEntries(header!.map((h, i) => [h, r[i] === '' ? null : r[i]]));
      return { ...o, seq: Number(o.seq), atMs: Number(o.atMs) } as unknown as Exported;
    });
    expect(fromCsv.map((e) => e.hash)).toEqual(events.map((e) => e.hash));
    expect(verifyOffline(fromCsv)).toBeNull();

    // A time window exports only the events inside it, still carrying the links to verify them.
    const later = await ts.app.inject({
      method: 'GET',
      url: `/v1/audit-log/export?from=${encodeURIComponent(new Date(ts.clock.now() + 1).toISOString())}`,
      headers: owner.headers,
    });
    expect(later.json()).toEqual([]);
    const bad = await ts.app.inject({
      method: 'GET',
      url: '/v1/audit-log/export?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      headers: owner.headers,
    });
    expect(bad.statusCode).toBe(400);

    // Another account's export holds none of these events.
    const other = await signup(ts.app);
    const theirs = await ts.app.inject({
      method: 'GET',
      url: '/v1/audit-log/export',
      headers: other.headers,
    });
    expect((theirs.json() as Exported[]).every((e) => e.accountId === other.accountId)).toBe(true);

    const ok = await ts.app.inject({ method: 'GET', url: '/v1/audit-log/verify', headers: owner.headers });
    expect(ok.json()).toMatchObject({ ok: true, events: events.length });

    // Tamper: an operator with database access rewrites who did something.
    const victim = events[2]!;
    await ts.system.storage.db
      .updateTable('audit_events')
      .set({ actor_id: 'usr_someone_else' })
      .where('id', '=', victim.id)
      .execute();
    const broken = await ts.app.inject({
      method: 'GET',
      url: '/v1/audit-log/verify',
      headers: owner.headers,
    });
    expect(broken.json()).toEqual({
      ok: false,
      chain: owner.accountId,
      events: 2,
      firstBrokenSeq: victim.seq,
    });
    const staffView = await ts.app.inject({
      method: 'GET',
      url: `/v1/admin/audit-log/verify?accountId=${owner.accountId}`,
      headers: staff.headers,
    });
    expect(staffView.json().firstBrokenSeq).toBe(victim.seq);
    // The re-exported chain fails offline at the same event.
    const again = await ts.app.inject({ method: 'GET', url: '/v1/audit-log/export', headers: owner.headers });
    expect(verifyOffline(again.json())).toBe(victim.seq);
    // Other chains are untouched.
    const otherOk = await ts.app.inject({
      method: 'GET',
      url: '/v1/audit-log/verify',
      headers: other.headers,
    });
    expect(otherOk.json().ok).toBe(true);

    // Staff export of one account's chain, and of the platform's own.
    const staffExport = await ts.app.inject({
      method: 'GET',
      url: `/v1/admin/audit-log/export?accountId=${other.accountId}&format=csv`,
      headers: staff.headers,
    });
    expect(staffExport.statusCode).toBe(200);
    expect(
      parseCsv(staffExport.body)
        .slice(1)
        .every((r) => r[3] === other.accountId),
    ).toBe(true);
    const platform = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/audit-log/export?accountId=platform',
      headers: staff.headers,
    });
    expect((platform.json() as Exported[]).every((e) => e.chain === 'platform')).toBe(true);

    // Roles: a viewer has no audit:read.
    const viewer = await member(ts, owner, 'viewer');
    const denied = await ts.app.inject({
      method: 'GET',
      url: '/v1/audit-log/export',
      headers: viewer.headers,
    });
    expect(denied.statusCode).toBe(403);
  });

  it('the register of processing counts what the account actually holds', async () => {
    const owner = await signup(ts.app, { company: 'Register Co' });
    const key = await createApiKey(ts.app, owner);
    const field = await ts.app.inject({
      method: 'POST',
      url: '/v1/contact-fields',
      headers: key.headers,
      payload: { key: 'plan', label: 'Plan', type: 'text' },
    });
    expect(field.statusCode, field.body).toBe(201);
    const phones = ['+37120000011', '+37120000012', '+37120000013'];
    for (const [i, phone] of phones.entries()) {
      const r = await ts.app.inject({
        method: 'POST',
        url: '/v1/contacts',
        headers: key.headers,
        payload: {
          phone,
          firstName: i === 0 ? 'Ann' : null,
          email: i < 2 ? `c${i}@example.com` : null,
          fields: i === 2 ? { plan: 'gold' } : undefined,
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const deleted = await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: key.headers,
      payload: { phone: '+37120000019' },
    });
    await ts.app.inject({ method: 'DELETE', url: `/v1/contacts/${deleted.json().id}`, headers: key.headers });
    // Two messages to one contact, one to a stranger: two distinct recipients, one new phone number.
    const sent = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: key.headers,
      payload: { to: [phones[0], phones[0], '+37120000099'], text: 'hello' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const sup = await ts.app.inject({
      method: 'POST',
      url: '/v1/suppressions',
      headers: key.headers,
      payload: { phone: '+37120000098' },
    });
    expect(sup.statusCode, sup.body).toBe(201);
    await member(ts, owner, 'viewer');
    // Someone else's data is never counted.
    const other = await signup(ts.app);
    await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: (await createApiKey(ts.app, other)).headers,
      payload: { phone: '+37120000077', firstName: 'Zed' },
    });

    const res = await ts.app.inject({ method: 'GET', url: '/v1/privacy/register', headers: owner.headers });
    expect(res.statusCode).toBe(200);
    const reg = res.json();
    expect(reg.controller).toEqual({ accountId: owner.accountId, name: 'Register Co' });
    const subjects = Object.fromEntries(
      reg.categoriesOfDataSubjects.map((c: { category: string; count: number }) => [c.category, c.count]),
    );
    expect(subjects).toMatchObject({
      contacts: 3,
      'message recipients': 2,
      'opted-out persons': 1,
      'team members': 2,
    });
    const data = Object.fromEntries(
      reg.categoriesOfPersonalData.map((c: { category: string; count: number }) => [c.category, c.count]),
    );
    expect(data).toMatchObject({
      // 3 live contacts + 1 stranger messaged + 1 opted-out number.
      'phone numbers': 5,
      'message texts': 3,
      'custom fields': 1,
      // 1 named contact + 2 users; 2 contacts with e-mail + 2 users.
      names: 3,
      'e-mail addresses': 4,
      'opt-out records': 1,
    });
    expect(reg.purposes.length).toBeGreaterThan(0);
    // Retention periods are the ones in force, as the retention engine applies them.
    const inForce = await ts.system.services.retention.policies();
    expect(reg.retentionPeriods).toEqual(
      inForce.map((p) => ({ rule: p.rule, description: p.description, days: p.days })),
    );
    expect(reg.retentionPeriods.length).toBeGreaterThan(0);
    const md = await ts.app.inject({
      method: 'GET',
      url: '/v1/privacy/register?format=md',
      headers: owner.headers,
    });
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.body).toContain('- contacts: 3');

    const staff = await staffSession(ts, 'auditor');
    const platform = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/register',
      headers: staff.headers,
    });
    expect(platform.statusCode).toBe(200);
    const pContacts = platform
      .json()
      .categoriesOfDataSubjects.find((c: { category: string }) => c.category === 'contacts').count;
    const live = await ts.system.storage.db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(pContacts).toBe(Number(live.n));
    const missing = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/register?accountId=acc_nope',
      headers: staff.headers,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('a new sub-processor notifies every account in-app and by mail; objections are recorded once, before the deadline', async () => {
    const a = await signup(ts.app, { company: 'Objector' });
    const b = await signup(ts.app, { company: 'Quiet' });
    const viewer = await member(ts, a, 'viewer');
    const support = await staffSession(ts, 'support');
    const operator = await staffSession(ts, 'operator');
    const body = {
      name: 'CloudHost Inc.',
      purpose: 'Hosting of the platform database',
      location: 'United States',
      transferSafeguard: 'EU SCCs (2021/914), module 3',
    };
    const refused = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/sub-processors',
      headers: support.headers,
      payload: body,
    });
    expect(refused.statusCode).toBe(403);

    const mailsBefore = ts.mail.sent.length;
    const created = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/sub-processors',
      headers: operator.headers,
      payload: body,
    });
    expect(created.statusCode, created.body).toBe(201);
    const sp = created.json();
    const live = await ts.system.storage.db
      .selectFrom('accounts')
      .select('id')
      .where('status', '!=', 'closed')
      .execute();
    expect(sp.noticesSent).toBe(live.length);
    expect(new Date(sp.objectionDeadline).getTime()).toBe(ts.clock.now() + 30 * DAY);
    // One mail per account owner (each test account has exactly one owner).
    const mails = ts.mail.sent.slice(mailsBefore);
    expect(mails.filter((m) => m.to === a.email)).toHaveLength(1);
    expect(mails.filter((m) => m.to === b.email)).toHaveLength(1);
    expect(mails.some((m) => m.to === viewer.email)).toBe(false);
    expect(mails[0]!.subject).toContain('CloudHost Inc.');

    const noticesA = await ts.app.inject({ method: 'GET', url: '/v1/notices', headers: viewer.headers });
    const notice = noticesA.json().data.find((n: { ref: { id: string } | null }) => n.ref?.id === sp.id);
    expect(notice).toMatchObject({
      kind: 'sub_processor_change',
      read: false,
      objectionDeadline: sp.objectionDeadline,
    });
    // Written for people: a date as people write it, no API paths, no ISO stamps.
    expect(notice.body).toMatch(
      /You may object until \d{1,2} \w+ \d{4} at \d{2}:\d{2} UTC, with the Object button/,
    );
    expect(notice.body).not.toMatch(/\/v1\/|\d{4}-\d{2}-\d{2}T/);
    const listed = await ts.app.inject({ method: 'GET', url: '/v1/sub-processors', headers: viewer.headers });
    expect(listed.json().data.map((s: { id: string }) => s.id)).toContain(sp.id);
    const register = await ts.app.inject({ method: 'GET', url: '/v1/privacy/register', headers: a.headers });
    expect(register.json().transfers).toContainEqual({
      recipient: 'CloudHost Inc.',
      location: 'United States',
      safeguard: body.transferSafeguard,
    });

    // Read state is per account; another account cannot touch it.
    const foreign = await ts.app.inject({
      method: 'POST',
      url: `/v1/notices/${notice.id}/read`,
      headers: b.headers,
    });
    expect(foreign.statusCode).toBe(404);
    const read = await ts.app.inject({
      method: 'POST',
      url: `/v1/notices/${notice.id}/read`,
      headers: a.headers,
    });
    expect(read.json().read).toBe(true);
    const unread = await ts.app.inject({ method: 'GET', url: '/v1/notices?unread=true', headers: a.headers });
    expect(unread.json().data.some((n: { id: string }) => n.id === notice.id)).toBe(false);

    // A viewer cannot object; the owner can, once.
    const byViewer = await ts.app.inject({
      method: 'POST',
      url: `/v1/sub-processors/${sp.id}/objections`,
      headers: viewer.headers,
      payload: { reason: 'no US hosting' },
    });
    expect(byViewer.statusCode).toBe(403);
    const objection = await ts.app.inject({
      method: 'POST',
      url: `/v1/sub-processors/${sp.id}/objections`,
      headers: a.headers,
      payload: { reason: 'Our customers require EU-only hosting.' },
    });
    expect(objection.statusCode, objection.body).toBe(201);
    const twice = await ts.app.inject({
      method: 'POST',
      url: `/v1/sub-processors/${sp.id}/objections`,
      headers: a.headers,
      payload: { reason: 'again' },
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('already_objected');
    const unknown = await ts.app.inject({
      method: 'POST',
      url: '/v1/sub-processors/spr_unknown/objections',
      headers: a.headers,
      payload: { reason: 'x' },
    });
    expect(unknown.statusCode).toBe(404);

    // After the deadline, B's objection is refused.
    ts.clock.advance(30 * DAY + HOUR);
    const late = await ts.app.inject({
      method: 'POST',
      url: `/v1/sub-processors/${sp.id}/objections`,
      headers: b.headers,
      payload: { reason: 'too late' },
    });
    expect(late.statusCode).toBe(422);
    expect(late.json().code).toBe('objection_window_closed');

    const objections = await ts.app.inject({
      method: 'GET',
      url: `/v1/admin/sub-processors/${sp.id}/objections`,
      headers: operator.headers,
    });
    expect(objections.json().data).toEqual([
      expect.objectContaining({
        accountId: a.accountId,
        accountName: 'Objector',
        userId: a.userId,
        reason: 'Our customers require EU-only hosting.',
      }),
    ]);

    // Replacing it retires the old entry and opens a new objection period.
    const replaced = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/sub-processors',
      headers: operator.headers,
      payload: { name: 'EuroHost GmbH', purpose: 'Hosting', location: 'Germany', replacesId: sp.id },
    });
    expect(replaced.statusCode, replaced.body).toBe(201);
    const current = await ts.app.inject({ method: 'GET', url: '/v1/sub-processors', headers: b.headers });
    const ids = current.json().data.map((s: { id: string }) => s.id);
    expect(ids).toContain(replaced.json().id);
    expect(ids).not.toContain(sp.id);
    const lateNow = await ts.app.inject({
      method: 'POST',
      url: `/v1/sub-processors/${replaced.json().id}/objections`,
      headers: b.headers,
      payload: { reason: 'we object' },
    });
    expect(lateNow.statusCode).toBe(201);

    // Staff actions reached each account's own audit chain.
    const log = await ts.app.inject({ method: 'GET', url: '/v1/audit-log?limit=500', headers: b.headers });
    expect(
      log
        .json()
        .data.filter((e: { action: string; actorType: string }) => e.action === 'sub_processor.notice'),
    ).toHaveLength(2);
  });

  it('an incident has a 72-hour deadline, goes overdue, and notify tells each affected account once', async () => {
    const hit = await signup(ts.app, { company: 'Hit' });
    const admin = await member(ts, hit, 'admin');
    const spared = await signup(ts.app, { company: 'Spared' });
    const support = await staffSession(ts, 'support');
    const operator = await staffSession(ts, 'operator');
    const discoveredAt = new Date(ts.clock.now() - HOUR).toISOString();
    const body = {
      title: 'Leaked backup',
      description: 'A database backup was readable without authentication for two hours.',
      discoveredAt,
      affectedAccountIds: [hit.accountId],
      dataCategories: ['phone numbers', 'message texts'],
      severity: 'high',
    };
    const denied = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/incidents',
      headers: support.headers,
      payload: body,
    });
    expect(denied.statusCode).toBe(403);
    const neither = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/incidents',
      headers: operator.headers,
      payload: { ...body, allAccounts: true },
    });
    expect(neither.statusCode).toBe(400);
    const unknownAccount = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/incidents',
      headers: operator.headers,
      payload: { ...body, affectedAccountIds: ['acc_nope'] },
    });
    expect(unknownAccount.statusCode).toBe(404);

    const created = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/incidents',
      headers: operator.headers,
      payload: body,
    });
    expect(created.statusCode, created.body).toBe(201);
    const incident = created.json();
    expect(incident.notificationDeadline).toBe(new Date(Date.parse(discoveredAt) + 72 * HOUR).toISOString());
    expect(incident).toMatchObject({ overdue: false, affectedAccounts: 1, notifiedAccounts: 0 });

    // 12 hours before the deadline, the background check warns operator staff by e-mail, once.
    ts.clock.advance(60 * HOUR);
    await ts.system.workOnce();
    await ts.system.workOnce();
    const warnings = ts.mail.sent.filter((m) => m.to === operator.email && m.subject.includes(incident.id));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.text).toContain('1 of 1 affected accounts are not yet notified');

    ts.clock.advance(13 * HOUR);
    const list = await ts.app.inject({ method: 'GET', url: '/v1/admin/incidents', headers: support.headers });
    expect(list.statusCode).toBe(403);
    const staffList = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/incidents',
      headers: operator.headers,
    });
    expect(staffList.json().data[0]).toMatchObject({ id: incident.id, overdue: true });

    const mailsBefore = ts.mail.sent.length;
    // Two operators pressing "notify" at once still tell the account once.
    const both = await Promise.all(
      [1, 2].map(() =>
        ts.app.inject({
          method: 'POST',
          url: `/v1/admin/incidents/${incident.id}/notify`,
          headers: operator.headers,
        }),
      ),
    );
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both.map((r) => r.json().notifiedNow).sort()).toEqual([0, 1]);
    const notified = both.find((r) => r.json().notifiedNow === 1)!;
    expect(notified.json()).toMatchObject({ notifiedAccounts: 1, overdue: false });
    expect(notified.json().accounts).toEqual([
      { accountId: hit.accountId, notifiedAt: new Date(ts.clock.now()).toISOString() },
    ]);
    const mails = ts.mail.sent.slice(mailsBefore);
    expect(mails.map((m) => m.to).sort()).toEqual([hit.email, admin.email].sort());
    expect(mails[0]!.text).toContain('phone numbers, message texts');

    const twice = await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/incidents/${incident.id}/notify`,
      headers: operator.headers,
    });
    expect(twice.json().notifiedNow).toBe(0);
    expect(ts.mail.sent.length).toBe(mailsBefore + 2);

    const hitNotices = await ts.app.inject({ method: 'GET', url: '/v1/notices', headers: hit.headers });
    const incidentNotices = hitNotices.json().data.filter((n: { kind: string }) => n.kind === 'incident');
    expect(incidentNotices).toHaveLength(1);
    expect(incidentNotices[0].body).toMatch(/Discovered: \d{1,2} \w+ \d{4} at \d{2}:\d{2} UTC\./);
    expect(incidentNotices[0].body).not.toMatch(/\/v1\/|\d{4}-\d{2}-\d{2}T/);
    expect(ts.mail.sent.at(-1)?.text).not.toContain('/v1/');
    const sparedNotices = await ts.app.inject({ method: 'GET', url: '/v1/notices', headers: spared.headers });
    expect(sparedNotices.json().data.some((n: { kind: string }) => n.kind === 'incident')).toBe(false);
    const log = await ts.app.inject({ method: 'GET', url: '/v1/audit-log?limit=500', headers: hit.headers });
    const actions = log.json().data.map((e: { action: string }) => e.action);
    expect(actions).toContain('incident.recorded');
    expect(actions).toContain('incident.notified');

    // When every e-mail to an account fails, it stays untold (and overdue) until a later run succeeds.
    const second = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/incidents',
      headers: operator.headers,
      payload: {
        ...body,
        affectedAccountIds: [spared.accountId],
        discoveredAt: new Date(ts.clock.now()).toISOString(),
      },
    });
    const send = ts.mail.send;
    ts.mail.send = async () => {
      throw new Error('smtp down');
    };
    const failed = await ts.app
      .inject({
        method: 'POST',
        url: `/v1/admin/incidents/${second.json().id}/notify`,
        headers: operator.headers,
      })
      .finally(() => {
        ts.mail.send = send;
      });
    expect(failed.json()).toMatchObject({
      notifiedNow: 0,
      notifiedAccounts: 0,
      mailFailed: [spared.accountId],
    });
    const retried = await ts.app.inject({
      method: 'POST',
      url: `/v1/admin/incidents/${second.json().id}/notify`,
      headers: operator.headers,
    });
    expect(retried.json()).toMatchObject({ notifiedNow: 1, notifiedAccounts: 1, mailFailed: [] });
    expect(
      ts.mail.sent.filter((m) => m.to === spared.email && m.subject.includes('Leaked backup')),
    ).toHaveLength(1);
    const sparedAfter = await ts.app.inject({ method: 'GET', url: '/v1/notices', headers: spared.headers });
    expect(sparedAfter.json().data.filter((n: { kind: string }) => n.kind === 'incident')).toHaveLength(1);

    const patched = await ts.app.inject({
      method: 'PATCH',
      url: `/v1/admin/incidents/${incident.id}`,
      headers: operator.headers,
      payload: { resolved: true, severity: 'medium' },
    });
    expect(patched.json()).toMatchObject({
      severity: 'medium',
      resolvedAt: new Date(ts.clock.now()).toISOString(),
    });
    const missing = await ts.app.inject({
      method: 'GET',
      url: '/v1/admin/incidents/inc_unknown',
      headers: operator.headers,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('a new policy version must be accepted at next login before anything changes', async () => {
    const user = await signup(ts.app);
    const key = await createApiKey(ts.app, user);
    const initial = await ts.app.inject({ method: 'GET', url: '/v1/policy' });
    expect(initial.json()).toMatchObject({ version: ts.config.POLICY_VERSION });
    const me = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: user.headers });
    expect(me.json()).toMatchObject({
      policyAcceptanceRequired: false,
      policyVersion: ts.config.POLICY_VERSION,
    });

    const support = await staffSession(ts, 'support');
    const operator = await staffSession(ts, 'operator');
    const payload = { version: '2027-01-01', text: '# Privacy policy\n\nVersion 2.' };
    expect(
      (await ts.app.inject({ method: 'POST', url: '/v1/admin/policies', headers: support.headers, payload }))
        .statusCode,
    ).toBe(403);
    const published = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/policies',
      headers: operator.headers,
      payload,
    });
    expect(published.statusCode, published.body).toBe(201);
    const dup = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/policies',
      headers: operator.headers,
      payload,
    });
    expect(dup.statusCode).toBe(409);
    expect((await ts.app.inject({ method: 'GET', url: '/v1/policy' })).json()).toMatchObject({
      version: '2027-01-01',
      text: payload.text,
    });

    const login = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    expect(login.json()).toMatchObject({ policyAcceptanceRequired: true, policyVersion: '2027-01-01' });
    const cookie = cookieFrom(login, 'sg_session');
    const headers = { cookie, 'x-csrf-token': login.json().csrfToken };
    const blocked = await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers,
      payload: { phone: '+37120000055' },
    });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('policy_acceptance_required');
    // Reading still works, and programs (API keys) are not stopped.
    expect((await ts.app.inject({ method: 'GET', url: '/v1/contacts', headers })).statusCode).toBe(200);
    const byKey = await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: key.headers,
      payload: { phone: '+37120000056' },
    });
    expect(byKey.statusCode).toBe(201);

    const wrong = await ts.app.inject({
      method: 'POST',
      url: '/v1/policy/accept',
      headers,
      payload: { version: ts.config.POLICY_VERSION },
    });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().code).toBe('policy_version_mismatch');
    const accepted = await ts.app.inject({
      method: 'POST',
      url: '/v1/policy/accept',
      headers: { ...headers, 'user-agent': 'vitest' },
      payload: { version: '2027-01-01' },
    });
    expect(accepted.json()).toEqual({ policyVersion: '2027-01-01', policyAcceptanceRequired: false });
    const row = await ts.system.storage.db
      .selectFrom('policy_consents')
      .selectAll()
      .where('user_id', '=', user.userId)
      .where('policy_version', '=', '2027-01-01')
      .executeTakeFirstOrThrow();
    expect(Number(row.accepted_at)).toBe(ts.clock.now());
    expect(row.user_agent).toBe('vitest');
    expect(row.ip).toBeTruthy();
    const after = await ts.app.inject({ method: 'GET', url: '/v1/me', headers });
    expect(after.json().policyAcceptanceRequired).toBe(false);
    const allowed = await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers,
      payload: { phone: '+37120000055' },
    });
    expect(allowed.statusCode).toBe(201);

    // New sign-ups accept the version in force.
    const fresh = await signup(ts.app);
    const freshMe = await ts.app.inject({ method: 'GET', url: '/v1/me', headers: fresh.headers });
    expect(freshMe.json()).toMatchObject({ policyAcceptanceRequired: false, policyVersion: '2027-01-01' });
    const list = await ts.app.inject({ method: 'GET', url: '/v1/admin/policies', headers: operator.headers });
    expect(list.json().data.map((p: { version: string }) => p.version)).toEqual(['2027-01-01']);

    // Every endpoint is in the generated API document.
    const openapi = await ts.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    expect(Object.keys(openapi.json().paths)).toEqual(
      expect.arrayContaining([
        '/v1/audit-log/export',
        '/v1/privacy/register',
        '/v1/sub-processors/{id}/objections',
        '/v1/admin/incidents/{id}/notify',
        '/v1/policy/accept',
      ]),
    );
  });
});
