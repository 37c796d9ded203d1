import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import {
  createApiKey,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
} from '../helpers/system';

const LV = '+37121234567';
const LV2 = '+37122345678';

type Headers = { headers: Record<string, string> };

describe.each(DIALECTS)('retention sweep on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const call = (s: Headers, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  const sweep = async () => {
    const result = await ts.system.services.retention.sweepOnce();
    expect(result.ran).toBe(true);
    return result;
  };
  /** Sends and delivers messages; returns their ids. */
  async function delivered(key: Headers, to: string[], text = 'Your code is 1234'): Promise<string[]> {
    const r = await call(key, 'POST', '/v1/messages', { to, text });
    expect(r.statusCode, r.body).toBe(202);
    await ts.system.workOnce();
    ts.clock.advance(ts.config.SIMULATOR_DELIVERY_DELAY_MS + 1000);
    await ts.system.workOnce();
    const ids = r.json().data.map((m: { id: string }) => m.id);
    const rows = await db().selectFrom('messages').select('status').where('id', 'in', ids).execute();
    expect(rows.every((m) => m.status === 'delivered')).toBe(true);
    return ids;
  }

  it('deleted contacts stay restorable until day 60, then go with their tags, memberships and consents', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const group = (await call(key, 'POST', '/v1/groups', { name: 'VIP' })).json();
    const gone = (
      await call(key, 'POST', '/v1/contacts', { phone: LV, tags: ['a'], groupIds: [group.id] })
    ).json();
    const kept = (
      await call(key, 'POST', '/v1/contacts', { phone: LV2, tags: ['a'], groupIds: [group.id] })
    ).json();
    expect(
      (
        await call(key, 'POST', `/v1/contacts/${gone.id}/consents`, {
          purpose: 'marketing',
          granted: true,
          source: 'web_form',
        })
      ).statusCode,
    ).toBe(201);
    expect((await call(key, 'DELETE', `/v1/contacts/${gone.id}`)).statusCode).toBe(204);

    const rowsOf = async (contactId: string) => ({
      contacts: (await db().selectFrom('contacts').select('id').where('id', '=', contactId).execute()).length,
      tags: (
        await db().selectFrom('contact_tags').select('tag').where('contact_id', '=', contactId).execute()
      ).length,
      members: (
        await db()
          .selectFrom('group_members')
          .select('group_id')
          .where('contact_id', '=', contactId)
          .execute()
      ).length,
      consents: (
        await db().selectFrom('contact_consents').select('id').where('contact_id', '=', contactId).execute()
      ).length,
    });
    ts.clock.advance(60 * DAY - 60_000);
    await sweep();
    expect(await rowsOf(gone.id)).toEqual({ contacts: 1, tags: 1, members: 1, consents: 1 });
    ts.clock.advance(2 * 60_000);
    const result = await sweep();
    expect(result.counts['contacts.deleted']).toBe(1);
    expect(await rowsOf(gone.id)).toEqual({ contacts: 0, tags: 0, members: 0, consents: 0 });
    expect(await rowsOf(kept.id)).toEqual({ contacts: 1, tags: 1, members: 1, consents: 0 });
    const restore = await call(key, 'POST', '/v1/contacts/restore', { ids: [gone.id] });
    expect(restore.statusCode).toBe(404);
  });

  it('deleted messages: hidden at once, restorable, erased at day 60, removed at day 120 with daily counts kept', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const [gone, kept] = await delivered(key, [LV, LV2]);
    const dlr = await db()
      .selectFrom('delivery_reports')
      .select('id')
      .where('message_id', '=', gone!)
      .execute();
    expect(dlr.length).toBe(1);

    expect((await call(key, 'DELETE', `/v1/messages/${gone}`)).statusCode).toBe(204);
    expect((await call(key, 'GET', `/v1/messages/${gone}`)).statusCode).toBe(404);
    expect((await call(key, 'GET', '/v1/messages')).json().data.map((m: { id: string }) => m.id)).toEqual([
      kept,
    ]);
    expect((await call(key, 'DELETE', `/v1/messages/${gone}`)).statusCode).toBe(404);
    const restored = await call(key, 'POST', '/v1/messages/restore', { ids: [gone] });
    expect(restored.json()).toEqual({ restored: [gone] });
    expect((await call(key, 'GET', `/v1/messages/${gone}`)).statusCode).toBe(200);
    expect((await call(key, 'POST', '/v1/messages/delete', { ids: [gone, 'msg_unknown'] })).json()).toEqual({
      deleted: [gone],
    });

    const row = () => db().selectFrom('messages').selectAll().where('id', '=', gone!).executeTakeFirst();
    const events = async () =>
      (await db().selectFrom('message_events').select('id').where('message_id', '=', gone!).execute()).length;
    ts.clock.advance(60 * DAY - 60_000);
    await sweep();
    expect(await row()).toMatchObject({ to_number: LV, text: 'Your code is 1234' });
    expect(await events()).toBeGreaterThan(0);

    ts.clock.advance(2 * 60_000);
    const erased = await sweep();
    expect(erased.counts['messages.deleted.erased']).toBe(1);
    const after = await row();
    expect(after).toMatchObject({ to_number: '', text: '', status: 'delivered' });
    expect(after?.purged_at).not.toBeNull();
    expect(await events()).toBe(0);
    expect(
      (await db().selectFrom('delivery_reports').select('id').where('message_id', '=', gone!).execute())
        .length,
    ).toBe(0);
    expect((await call(key, 'POST', '/v1/messages/restore', { ids: [gone] })).statusCode).toBe(404);

    ts.clock.advance(60 * DAY - 2 * 60_000);
    await sweep();
    expect(await row()).toBeDefined();
    ts.clock.advance(2 * 60_000);
    const removed = await sweep();
    expect(removed.counts['messages.deleted.removed']).toBe(1);
    expect(await row()).toBeUndefined();
    const stats = await db()
      .selectFrom('message_stats_daily')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .execute();
    expect(stats.map((r) => ({ status: r.status, messages: Number(r.messages) }))).toEqual([
      { status: 'delivered', messages: 1 },
    ]);
    // The other message is untouched.
    expect(
      await db()
        .selectFrom('messages')
        .select(['to_number', 'text'])
        .where('id', '=', kept!)
        .executeTakeFirst(),
    ).toEqual({ to_number: LV2, text: 'Your code is 1234' });
  });

  it('a message still on its way cannot be deleted', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const r = await call(key, 'POST', '/v1/messages', {
      to: LV,
      text: 'later',
      sendAt: new Date(ts.clock.now() + 3600_000).toISOString(),
    });
    const id = r.json().data[0].id;
    const one = await call(key, 'DELETE', `/v1/messages/${id}`);
    expect(one.statusCode).toBe(409);
    expect((await call(key, 'POST', '/v1/messages/delete', { ids: [id] })).json()).toEqual({ deleted: [] });
  });

  it('activity logs (sessions, failed logins, tokens, idempotency answers, webhook deliveries, raw receipts) go after 30 days', async () => {
    const s = await signup(ts.app);
    const now = ts.clock.now();
    const tag = `ret-${now}`;
    await db()
      .insertInto('login_failures')
      .values({ id: `${tag}-lf`, email: 'x@example.com', ip: '192.0.2.1', at: now })
      .execute();
    await db()
      .insertInto('idempotency_keys')
      .values({
        scope: tag,
        key: 'k',
        request_hash: 'h',
        response_status: 202,
        response_body: '{}',
        created_at: now,
        expires_at: now + DAY,
      })
      .execute();
    await db()
      .insertInto('auth_tokens')
      .values({
        id: `${tag}-tok`,
        user_id: s.userId,
        purpose: 'reset_password',
        token_hash: tag,
        created_at: now,
        expires_at: now + 3600_000,
        used_at: null,
      })
      .execute();
    await db()
      .insertInto('sessions')
      .values({
        id: `${tag}-ses`,
        token_hash: tag,
        principal_type: 'user',
        principal_id: s.userId,
        account_id: s.accountId,
        csrf_token: 'c',
        ip: '192.0.2.1',
        user_agent: 'ua',
        created_at: now,
        last_seen_at: now,
        expires_at: now + DAY,
      })
      .execute();
    await db()
      .insertInto('webhook_deliveries')
      .values({
        id: `${tag}-whd`,
        account_id: s.accountId,
        endpoint_id: 'whk_x',
        event_id: 'evt_x',
        event_type: 'message.received',
        body: JSON.stringify({ data: { from: LV, text: 'hi' } }),
        status: 'delivered',
        attempts: 1,
        next_attempt_at: now,
        lease_until: 0,
        last_attempt_at: now,
        last_status_code: 200,
        last_error: null,
        created_at: now,
        completed_at: now,
      })
      .execute();
    await db()
      .insertInto('webhook_attempts')
      .values({
        id: `${tag}-wha`,
        delivery_id: `${tag}-whd`,
        attempt: 1,
        at: now,
        status_code: 200,
        error: null,
        duration_ms: 5,
        response_body: null,
      })
      .execute();
    await db()
      .insertInto('delivery_reports')
      .values({
        id: `${tag}-dlr`,
        route_id: 'simulator',
        carrier_ref: tag,
        status: 'delivered',
        error_code: null,
        raw: `id:${tag} stat:DELIVRD`,
        received_at: now,
        message_id: null,
        applied_at: null,
      })
      .execute();

    const present = async () => ({
      loginFailures: (
        await db().selectFrom('login_failures').select('id').where('id', '=', `${tag}-lf`).execute()
      ).length,
      idempotency: (
        await db().selectFrom('idempotency_keys').select('key').where('scope', '=', tag).execute()
      ).length,
      tokens: (await db().selectFrom('auth_tokens').select('id').where('id', '=', `${tag}-tok`).execute())
        .length,
      sessions: (await db().selectFrom('sessions').select('id').where('id', '=', `${tag}-ses`).execute())
        .length,
      webhookDeliveries: (
        await db().selectFrom('webhook_deliveries').select('id').where('id', '=', `${tag}-whd`).execute()
      ).length,
      webhookAttempts: (
        await db().selectFrom('webhook_attempts').select('id').where('id', '=', `${tag}-wha`).execute()
      ).length,
      receipts: (
        await db().selectFrom('delivery_reports').select('id').where('id', '=', `${tag}-dlr`).execute()
      ).length,
    });
    ts.clock.advance(30 * DAY - 60_000);
    await sweep();
    expect(Object.values(await present())).toEqual([1, 1, 1, 1, 1, 1, 1]);
    ts.clock.advance(2 * 60_000);
    await sweep();
    expect(await present()).toEqual({
      loginFailures: 0,
      idempotency: 0,
      tokens: 0,
      sessions: 0,
      webhookDeliveries: 0,
      webhookAttempts: 0,
      receipts: 0,
    });
  });

  it("closed privacy requests lose the requester's details after 2 years; the record of the answer stays", async () => {
    const s = await signup(ts.app);
    const staff = await staffSession(ts, 'operator');
    const create = async (kind: string, phone: string) => {
      const r = await call(staff, 'POST', '/v1/admin/privacy-requests', {
        kind,
        subject: { phone, email: 'jane@example.com', name: 'Jane Doe' },
        message: 'Please delete what you hold about me',
        receivedAt: new Date(ts.clock.now()).toISOString(),
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id as string;
    };
    const closed = await create('erasure', LV);
    const open = await create('access', LV2);
    expect(
      (await call(staff, 'POST', `/v1/admin/privacy-requests/${closed}/forward`, { accountId: s.accountId }))
        .statusCode,
    ).toBe(200);
    const done = await call(s, 'POST', `/v1/privacy/requests/${closed}/complete`, {
      note: 'Jane Doe erased',
    });
    expect(done.statusCode, done.body).toBe(200);
    const rowOf = (id: string) =>
      db().selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const details = (r: Awaited<ReturnType<typeof rowOf>>) => [
      r.subject_phone,
      r.subject_email,
      r.subject_name,
      r.message,
      r.note,
    ];

    ts.clock.advance(729 * DAY);
    await sweep();
    expect(details(await rowOf(closed))).toEqual([
      LV,
      'jane@example.com',
      'Jane Doe',
      'Please delete what you hold about me',
      'Jane Doe erased',
    ]);

    ts.clock.advance(2 * DAY);
    const result = await sweep();
    expect(result.counts['privacy_requests.closed']).toBe(1);
    const erased = await rowOf(closed);
    expect(details(erased)).toEqual([null, null, null, null, null]);
    expect(erased).toMatchObject({ kind: 'erasure', status: 'completed', account_id: s.accountId });
    expect(erased.closed_at).not.toBeNull();
    // A request still open keeps what the operator needs to answer it.
    expect(details(await rowOf(open))).toEqual([
      LV2,
      'jane@example.com',
      'Jane Doe',
      'Please delete what you hold about me',
      null,
    ]);
    const listed = (
      await call(await staffSession(ts, 'operator'), 'GET', '/v1/admin/privacy-requests')
    ).json().data as Array<{ id: string; subject: object; status: string }>;
    expect(listed.find((r) => r.id === closed)).toMatchObject({
      status: 'completed',
      subject: { phone: null, email: null, name: null },
    });
  });

  it('audit events are kept 2 years, then purged; the chain still verifies from its anchor', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const first = await db()
      .selectFrom('audit_events')
      .select(['seq'])
      .where('account_id', '=', s.accountId)
      .execute();
    expect(first.length).toBeGreaterThan(0);
    const count = async () =>
      (await db().selectFrom('audit_events').select('id').where('account_id', '=', s.accountId).execute())
        .length;
    ts.clock.advance(730 * DAY - 60_000);
    await call(key, 'POST', '/v1/contacts', { phone: LV }); // one event inside the two years
    await sweep();
    expect(await count()).toBe(first.length + 1);
    ts.clock.advance(2 * 60_000);
    const result = await sweep();
    expect(result.counts['audit.events']).toBeGreaterThanOrEqual(first.length);
    expect(await count()).toBe(1);
    const anchor = await db()
      .selectFrom('audit_chain_anchors')
      .selectAll()
      .where('chain', '=', s.accountId)
      .executeTakeFirstOrThrow();
    expect(Number(anchor.seq)).toBe(first.length);
    expect(await ts.system.services.audit.verify(db(), s.accountId)).toEqual({ events: 1, brokenAt: null });
    expect((await ts.system.services.audit.verify(db(), null)).brokenAt).toBeNull();
    // Tampering after the anchor is still detected.
    await db()
      .updateTable('audit_events')
      .set({ action: 'forged' })
      .where('account_id', '=', s.accountId)
      .execute();
    expect((await ts.system.services.audit.verify(db(), s.accountId)).brokenAt).toBe(first.length + 1);
  });

  it('each sweep that purged something writes one platform audit event with counts and no personal data', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const c = (await call(key, 'POST', '/v1/contacts', { phone: LV, email: 'subject@example.com' })).json();
    await call(key, 'DELETE', `/v1/contacts/${c.id}`);
    ts.clock.advance(61 * DAY);
    const before = await db()
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'retention.swept')
      .execute();
    const result = await sweep();
    const after = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'retention.swept')
      .orderBy('id')
      .execute();
    expect(after.length).toBe(before.length + 1);
    const event = after[after.length - 1]!;
    expect(event.account_id).toBeNull();
    expect(JSON.parse(event.data!)).toEqual({ counts: result.counts, total: result.total });
    expect(event.data).not.toContain(LV);
    expect(event.data).not.toContain('subject@');
    // Nothing left: no event.
    await sweep();
    expect(
      (await db().selectFrom('audit_events').select('id').where('action', '=', 'retention.swept').execute())
        .length,
    ).toBe(after.length);
  });

  async function uploadPdf(key: Headers): Promise<string> {
    const boundary = `----smsgate${Date.now()}`;
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="terms.pdf"\r\ncontent-type: application/pdf\r\n\r\n`,
      ),
      pdf,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const up = await ts.app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: { ...key.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(up.statusCode, up.body).toBe(201);
    return `attachments/${up.json().id}`;
  }

  it('attachments are deleted by the sweep 60 days after upload', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const fileKey = await uploadPdf(key);
    ts.clock.advance(60 * DAY - 60_000);
    expect((await sweep()).counts.attachments).toBe(0);
    expect(await ts.system.services.files.exists(fileKey)).toBe(true);
    ts.clock.advance(2 * 60_000);
    expect((await sweep()).counts.attachments).toBe(1);
    expect(await ts.system.services.files.exists(fileKey)).toBe(false);
  });

  it('imported original files are deleted by the sweep 60 days after the import', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const boundary = `----smsgate${Date.now()}`;
    const payload = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="c.csv"\r\ncontent-type: text/csv\r\n\r\n` +
        `phone,first name\r\n${LV},Anna\r\n\r\n--${boundary}--\r\n`,
    );
    const up = await ts.app.inject({
      method: 'POST',
      url: '/v1/imports',
      headers: { ...key.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(up.statusCode, up.body).toBe(202);
    await ts.system.workOnce();
    const row = () =>
      db()
        .selectFrom('imports')
        .select(['file_key', 'original_deleted_at'])
        .where('id', '=', up.json().id)
        .executeTakeFirstOrThrow();
    const { file_key } = await row();
    expect(await ts.system.services.files.exists(file_key)).toBe(true);
    ts.clock.advance(60 * DAY - 60_000);
    expect((await sweep()).counts['imports.originals']).toBe(0);
    expect(await ts.system.services.files.exists(file_key)).toBe(true);
    ts.clock.advance(2 * 60_000);
    expect((await sweep()).counts['imports.originals']).toBe(1);
    expect(await ts.system.services.files.exists(file_key)).toBe(false);
    expect((await row()).original_deleted_at).not.toBeNull();
    expect(
      await db().selectFrom('contacts').select('phone').where('account_id', '=', s.accountId).execute(),
    ).toEqual([{ phone: LV }]);
  });

  it('a period the operator lowered applies to attachments already uploaded', async () => {
    const staff = await staffSession(ts, 'operator');
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const fileKey = await uploadPdf(key);
    const lowered = await call(staff, 'PUT', '/v1/admin/retention', { rules: { attachments: 5 } });
    expect(lowered.statusCode, lowered.body).toBe(200);
    try {
      ts.clock.advance(5 * DAY - 60_000);
      await sweep();
      expect(await ts.system.services.files.exists(fileKey)).toBe(true);
      ts.clock.advance(2 * 60_000);
      expect((await sweep()).counts.attachments).toBe(1);
      expect(await ts.system.services.files.exists(fileKey)).toBe(false);
    } finally {
      await call(staff, 'PUT', '/v1/admin/retention', { rules: { attachments: 60 } });
    }
  });

  it('two workers sweeping at once: one runs, the other skips', async () => {
    const [a, b] = await Promise.all([
      ts.system.services.retention.sweepOnce(),
      ts.system.services.retention.sweepOnce(),
    ]);
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    expect((await ts.system.services.retention.sweepOnce()).ran).toBe(true);
  });

  it('the operator lowers periods; longer than promised is refused without RETENTION_ALLOW_LONGER', async () => {
    const staff = await staffSession(ts, 'operator');
    const support = await staffSession(ts, 'support');
    expect((await call(support, 'GET', '/v1/admin/retention')).statusCode).toBe(403);
    const list = (await call(staff, 'GET', '/v1/admin/retention')).json().data;
    expect(list.find((r: { rule: string }) => r.rule === 'contacts.deleted')).toMatchObject({
      promiseDays: 60,
      days: 60,
    });
    expect(list.map((r: { rule: string }) => r.rule)).toEqual(
      expect.arrayContaining(['audit.events', 'closure.messages']),
    );
    const above = await call(staff, 'PUT', '/v1/admin/retention', { rules: { 'contacts.deleted': 61 } });
    expect(above.statusCode).toBe(422);
    expect(above.json().code).toBe('retention_above_promise');
    const unknown = await call(staff, 'PUT', '/v1/admin/retention', { rules: { nope: 1 } });
    expect(unknown.statusCode).toBe(400);
    const lowered = await call(staff, 'PUT', '/v1/admin/retention', { rules: { 'contacts.deleted': 10 } });
    expect(lowered.statusCode).toBe(200);
    expect(lowered.json().data.find((r: { rule: string }) => r.rule === 'contacts.deleted').days).toBe(10);

    const s: Session = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const c = (await call(key, 'POST', '/v1/contacts', { phone: LV })).json();
    await call(key, 'DELETE', `/v1/contacts/${c.id}`);
    ts.clock.advance(10 * DAY - 60_000);
    await sweep();
    expect(
      await db().selectFrom('contacts').select('id').where('id', '=', c.id).executeTakeFirst(),
    ).toBeDefined();
    ts.clock.advance(2 * 60_000);
    await sweep();
    expect(
      await db().selectFrom('contacts').select('id').where('id', '=', c.id).executeTakeFirst(),
    ).toBeUndefined();
    await call(staff, 'PUT', '/v1/admin/retention', { rules: { 'contacts.deleted': 60 } });

    const longer = await startTestSystem(dialect, { RETENTION_ALLOW_LONGER: 'true' });
    try {
      const op = await staffSession(longer, 'operator');
      const r = await longer.app.inject({
        method: 'PUT',
        url: '/v1/admin/retention',
        headers: op.headers,
        payload: { rules: { 'contacts.deleted': 90 } },
      });
      expect(r.statusCode).toBe(200);
    } finally {
      await longer.close();
    }
  });
});
