import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaigns } from '../../src/modules/campaigns';
import { localTime, zonedToUtc } from '../../src/modules/campaigns/quiet-hours';
import { createCampaignMessages } from '../../src/modules/messaging';
import { MINUTE } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

type Headers = { headers: Record<string, string> };
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const STOP_TEXT = 'Hi {{first_name|there}}, spring sale today! Reply STOP to opt out';

describe.each(DIALECTS)('campaigns on %s', (dialect) => {
  let ts: TestSystem;
  let serial = 0;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { SIMULATOR_DELIVERY_DELAY_MS: '1000' });
  });
  afterAll(async () => {
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const call = (s: Headers, method: Method, url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  /** A fresh Latvian mobile number, different in every call. */
  const lv = () => `+3712${String(1_000_000 + ++serial * 13).padStart(7, '0')}`;
  async function ok(r: Promise<LightMyRequestResponse>, status = 200) {
    const response = await r;
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  }
  async function problem(r: Promise<LightMyRequestResponse>, status: number, code: string) {
    const response = await r;
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().code).toBe(code);
    return response.json();
  }
  const group = async (s: Headers, name = 'g') =>
    (await ok(call(s, 'POST', '/v1/groups', { name }), 201)).id as string;
  const contact = async (s: Headers, phone: string, groupIds: string[], extra: object = {}) =>
    (await ok(call(s, 'POST', '/v1/contacts', { phone, groupIds, ...extra }), 201)).id as string;
  const create = (s: Headers, body: object) => ok(call(s, 'POST', '/v1/campaigns', body), 201);
  const control = (s: Headers, id: string, action: string) =>
    call(s, 'POST', `/v1/campaigns/${id}/${action}`);
  const balance = async (s: Headers) =>
    (await ok(call(s, 'GET', '/v1/balance'))) as { credits: number; reserved: number };
  async function campaignMessages(id: string) {
    return db()
      .selectFrom('messages')
      .select(['id', 'to_number', 'text', 'status', 'send_at', 'price', 'error_code'])
      .where('campaign_id', '=', id)
      .orderBy('to_number')
      .execute();
  }
  async function deliverAll() {
    await ts.system.workOnce();
    ts.clock.advance(1500);
    await ts.system.workOnce();
  }

  it('a group campaign: audience without suppressed, deleted and duplicate numbers; preview = reservation; delivered; stats', async () => {
    const s = await signup(ts.app);
    const g1 = await group(s, 'Riga');
    const g2 = await group(s, 'VIP');
    const anna = lv();
    const both = lv();
    const suppressed = lv();
    const gone = lv();
    await contact(s, anna, [g1], { firstName: 'Anna' });
    await contact(s, both, [g1, g2]);
    await contact(s, suppressed, [g2], { firstName: 'Sup' });
    const goneId = await contact(s, gone, [g1], { firstName: 'Gone' });
    await ok(call(s, 'POST', '/v1/suppressions', { phone: suppressed }), 201);
    expect((await call(s, 'DELETE', `/v1/contacts/${goneId}`)).statusCode).toBe(204);

    const draft = await create(s, {
      name: 'Spring',
      text: STOP_TEXT,
      type: 'marketing',
      groupIds: [g1, g2],
      quietHours: null,
    });
    expect(draft).toMatchObject({ status: 'draft', type: 'marketing', groupIds: [g1, g2], quietHours: null });

    const preview = await ok(call(s, 'POST', `/v1/campaigns/${draft.id}/preview`));
    expect(preview).toMatchObject({ recipients: 2, segments: 2, cost: 0.1, currency: 'credits' });
    expect(preview.samples.map((x: { text: string }) => x.text).sort()).toEqual([
      'Hi Anna, spring sale today! Reply STOP to opt out',
      'Hi there, spring sale today! Reply STOP to opt out',
    ]);
    expect(preview.longest).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(await balance(s)).toMatchObject({ credits: 10, reserved: 0 });

    const started = await ok(control(s, draft.id, 'start'));
    expect(started).toMatchObject({ status: 'sending', recipients: 2, reservedCredits: 0.1 });
    expect(await balance(s)).toMatchObject({ credits: 10, reserved: 0.1 });
    await problem(control(s, draft.id, 'start'), 409, 'campaign_state');

    await ts.system.workOnce();
    const rows = await campaignMessages(draft.id);
    expect(rows.map((r) => r.to_number).sort()).toEqual([anna, both].sort());
    expect(rows.find((r) => r.to_number === anna)?.text).toBe(
      'Hi Anna, spring sale today! Reply STOP to opt out',
    );
    const listed = await ok(call(s, 'GET', `/v1/messages?campaignId=${draft.id}`));
    expect(listed.data).toHaveLength(2);
    expect(listed.data[0]).toMatchObject({ campaignId: draft.id });

    ts.clock.advance(1500);
    await ts.system.workOnce();
    const done = await ok(call(s, 'GET', `/v1/campaigns/${draft.id}`));
    expect(done.status).toBe('completed');
    expect(done.stats).toMatchObject({
      recipients: 2,
      queued: 0,
      sent: 2,
      delivered: 2,
      failed: 0,
      cost: 0.1,
    });
    // Invariant: balance = start − charged prices; nothing left reserved.
    expect(await balance(s)).toMatchObject({ credits: 9.9, reserved: 0 });
    const stats = await ok(call(s, 'GET', `/v1/campaigns/${draft.id}/stats`));
    expect(stats.byCountry).toEqual([
      expect.objectContaining({ country: 'LV', messages: 2, delivered: 2, cost: 0.1 }),
    ]);
    expect(stats.overTime.reduce((n: number, h: { sent: number }) => n + h.sent, 0)).toBe(2);
    expect(stats.overTime.reduce((n: number, h: { delivered: number }) => n + h.delivered, 0)).toBe(2);
    await problem(control(s, draft.id, 'pause'), 409, 'campaign_state');
    await problem(call(s, 'PATCH', `/v1/campaigns/${draft.id}`, { name: 'x' }), 409, 'campaign_state');
    await problem(call(s, 'DELETE', `/v1/campaigns/${draft.id}`), 409, 'campaign_state');
    const list = await ok(call(s, 'GET', '/v1/campaigns?status=completed'));
    expect(list.data.map((c: { id: string }) => c.id)).toEqual([draft.id]);
  });

  it('schedules in a named time zone and sends nothing before', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    await contact(s, lv(), [g]);
    const tokyo = localTime('Asia/Tokyo', ts.clock.now() + 2 * 24 * 3600_000);
    const date = `${tokyo.year}-${String(tokyo.month).padStart(2, '0')}-${String(tokyo.day).padStart(2, '0')}`;
    const at = zonedToUtc('Asia/Tokyo', tokyo.year, tokyo.month, tokyo.day, 9, 30);
    const c = await create(s, {
      name: 'Later',
      text: 'Order ready',
      type: 'transactional',
      groupIds: [g],
      sendAt: `${date}T09:30`,
      timezone: 'Asia/Tokyo',
    });
    expect(c.sendAt).toBe(new Date(at).toISOString());
    expect((await ok(control(s, c.id, 'start'))).status).toBe('scheduled');
    await ts.system.workOnce();
    const [m] = await campaignMessages(c.id);
    expect(m).toMatchObject({ status: 'scheduled' });
    expect(Number(m!.send_at)).toBe(at);
    ts.clock.set(at - 1000);
    await ts.system.workOnce();
    expect((await campaignMessages(c.id))[0]!.status).toBe('scheduled');
    ts.clock.set(at);
    await deliverAll();
    expect((await campaignMessages(c.id))[0]!.status).toBe('delivered');
    expect((await ok(call(s, 'GET', `/v1/campaigns/${c.id}`))).status).toBe('completed');
  });

  it('quiet hours: a recipient where it is 23:00 waits until 08:00 local; one in daytime goes now', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    const riga = lv();
    const newYork = '+12127365000';
    await contact(s, riga, [g]);
    await contact(s, newYork, [g]);
    // 23:00 in Riga on the clock's current (or next) day: 16:00 or 17:00 in New York.
    const today = localTime('Europe/Riga', ts.clock.now());
    let night = zonedToUtc('Europe/Riga', today.year, today.month, today.day, 23, 0);
    if (night < ts.clock.now())
      night = zonedToUtc('Europe/Riga', today.year, today.month, today.day + 1, 23, 0);
    ts.clock.set(night);
    const morning = zonedToUtc(
      'Europe/Riga',
      today.year,
      today.month,
      localTime('Europe/Riga', night).day + 1,
      8,
      0,
    );
    const c = await create(s, { name: 'Night', text: STOP_TEXT, type: 'marketing', groupIds: [g] });
    expect(c.quietHours).toBe('account_default');
    const started = await ok(control(s, c.id, 'start'));
    expect(started.quietHours).toEqual({ start: '21:00', end: '08:00' });
    await deliverAll();
    const rows = await campaignMessages(c.id);
    const lvRow = rows.find((r) => r.to_number === riga)!;
    const usRow = rows.find((r) => r.to_number === newYork)!;
    expect(usRow.status).toBe('delivered');
    expect(lvRow.status).toBe('scheduled');
    expect(new Date(Number(lvRow.send_at)).toISOString()).toBe(new Date(morning).toISOString());
    ts.clock.set(morning - MINUTE);
    await deliverAll();
    expect((await campaignMessages(c.id)).find((r) => r.to_number === riga)!.status).toBe('scheduled');
    ts.clock.set(morning);
    await deliverAll();
    expect((await campaignMessages(c.id)).find((r) => r.to_number === riga)!.status).toBe('delivered');
  });

  it('the speed limit holds when many messages wait for the same quiet-hours opening', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    for (let i = 0; i < 3; i++) await contact(s, lv(), [g]);
    const today = localTime('Europe/Riga', ts.clock.now());
    let night = zonedToUtc('Europe/Riga', today.year, today.month, today.day, 22, 0);
    if (night < ts.clock.now())
      night = zonedToUtc('Europe/Riga', today.year, today.month, today.day + 1, 22, 0);
    ts.clock.set(night);
    const c = await create(s, {
      name: 'Paced',
      text: STOP_TEXT,
      type: 'marketing',
      groupIds: [g],
      speedPerMinute: 1,
    });
    await ok(control(s, c.id, 'start'));
    await deliverAll();
    const rows = await campaignMessages(c.id);
    const opening = Number(rows[0]!.send_at);
    expect(rows.every((r) => Number(r.send_at) === opening && r.status === 'scheduled')).toBe(true);
    expect(localTime('Europe/Riga', opening)).toMatchObject({ hour: 8, minute: 0 });
    const sentCount = async () =>
      (await campaignMessages(c.id)).filter((r) => r.status === 'delivered').length;
    ts.clock.set(opening);
    await deliverAll();
    expect(await sentCount()).toBe(1);
    ts.clock.advance(MINUTE);
    await deliverAll();
    expect(await sentCount()).toBe(2);
    ts.clock.advance(MINUTE);
    await deliverAll();
    expect(await sentCount()).toBe(3);
  });

  it('speed limit spreads send_at; pause holds, resume continues, cancel releases unsent credits', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    for (let i = 0; i < 4; i++) await contact(s, lv(), [g]);
    const c = await create(s, {
      name: 'Slow',
      text: 'News',
      type: 'transactional',
      groupIds: [g],
      speedPerMinute: 1,
    });
    const t0 = ts.clock.now();
    await ok(control(s, c.id, 'start'));
    await deliverAll();
    let rows = await campaignMessages(c.id);
    expect(rows.map((r) => Number(r.send_at) - t0).sort((a, b) => a - b)).toEqual([
      0, 60_000, 120_000, 180_000,
    ]);
    expect(rows.filter((r) => r.status === 'delivered')).toHaveLength(1);
    expect(await balance(s)).toMatchObject({ credits: 9.95, reserved: 0.15 });

    const paused = await ok(control(s, c.id, 'pause'));
    expect(paused.status).toBe('paused');
    await problem(control(s, c.id, 'pause'), 409, 'campaign_state');
    ts.clock.advance(5 * MINUTE);
    await deliverAll();
    rows = await campaignMessages(c.id);
    expect(rows.filter((r) => r.status === 'delivered')).toHaveLength(1);

    expect((await ok(control(s, c.id, 'resume'))).status).toBe('sending');
    await problem(control(s, c.id, 'resume'), 409, 'campaign_state');
    await deliverAll();
    expect((await campaignMessages(c.id)).filter((r) => r.status === 'delivered')).toHaveLength(1);
    ts.clock.advance(MINUTE);
    await deliverAll();
    expect((await campaignMessages(c.id)).filter((r) => r.status === 'delivered')).toHaveLength(2);

    const cancelled = await ok(control(s, c.id, 'cancel'));
    expect(cancelled.status).toBe('cancelled');
    // Nothing more is sent from now on; the campaign worker fails the unsent messages in batches.
    expect(cancelled.stats).toMatchObject({ delivered: 2, queued: 2 });
    await ts.system.workOnce();
    const after = await ok(call(s, 'GET', `/v1/campaigns/${c.id}`));
    expect(after.stats).toMatchObject({ delivered: 2, failed: 2, queued: 0, cost: 0.1 });
    rows = await campaignMessages(c.id);
    expect(rows.filter((r) => r.error_code === 'campaign_cancelled')).toHaveLength(2);
    expect(await balance(s)).toMatchObject({ credits: 9.9, reserved: 0 });
    await problem(control(s, c.id, 'cancel'), 409, 'campaign_state');
    ts.clock.advance(10 * MINUTE);
    await deliverAll();
    expect((await campaignMessages(c.id)).filter((r) => r.status === 'delivered')).toHaveLength(2);
  });

  it('two campaign workers together keep one speed limit', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    for (let i = 0; i < 6; i++) await contact(s, lv(), [g]);
    const c = await create(s, {
      name: 'Paced',
      text: 'News',
      type: 'transactional',
      groupIds: [g],
      speedPerMinute: 2,
    });
    await ok(control(s, c.id, 'start'));
    const services = ts.system.services;
    const worker = () =>
      createCampaigns({
        db: services.db,
        clock: services.clock,
        ids: services.ids,
        audit: services.audit,
        ledger: services.ledger,
        priceBook: services.priceBook,
        messages: createCampaignMessages({
          clock: services.clock,
          ids: services.ids,
          ledger: services.ledger,
          queue: services.queue,
          events: { publish: async () => {} },
        }),
        publicUrl: 'http://localhost',
      }).fanout;
    const [a, b] = [worker(), worker()];
    await a.runToEnd(c.id);
    // Every message is due (the clock jumps past their planned times), as after a long pause.
    ts.clock.advance(10 * MINUTE);
    await Promise.all([a.runDue(), b.runDue()]);
    await a.runDue();
    await b.runDue();
    const released = (await campaignMessages(c.id)).filter((m) => m.status !== 'scheduled');
    expect(released).toHaveLength(2);
    ts.clock.advance(MINUTE);
    await b.runDue();
    await a.runDue();
    expect((await campaignMessages(c.id)).filter((m) => m.status !== 'scheduled')).toHaveLength(4);
  });

  it('refuses with insufficient_credits and leaves nothing behind', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    for (let i = 0; i < 21; i++) await contact(s, lv(), [g]);
    // Ten UCS-2 segments (0.5 credits) per recipient: 21 × 0.5 > 10.
    const text = `${'Ā'.repeat(660)} STOP`;
    const c = await create(s, { name: 'Big', text, type: 'marketing', groupIds: [g] });
    const preview = await ok(call(s, 'POST', `/v1/campaigns/${c.id}/preview`));
    expect(preview).toMatchObject({ recipients: 21, segments: 210, cost: 10.5 });
    await problem(control(s, c.id, 'start'), 402, 'insufficient_credits');
    expect((await ok(call(s, 'GET', `/v1/campaigns/${c.id}`))).status).toBe('draft');
    expect(await balance(s)).toMatchObject({ credits: 10, reserved: 0 });
    await ts.system.workOnce();
    expect(await campaignMessages(c.id)).toHaveLength(0);
  });

  it('a campaign start racing ordinary sends never takes the balance below zero', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    for (let i = 0; i < 16; i++) await contact(s, lv(), [g]);
    // Ten UCS-2 segments: 0.5 credits a message. The campaign needs 8 credits, the sends 6 more.
    const text = `${'Ā'.repeat(660)} STOP`;
    const c = await create(s, { name: 'Race', text, type: 'marketing', groupIds: [g], quietHours: null });
    const answers = await Promise.all([
      control(s, c.id, 'start'),
      ...Array.from({ length: 12 }, () =>
        call(s, 'POST', '/v1/messages', { to: lv(), text, type: 'marketing' }),
      ),
    ]);
    const [start, ...sends] = answers;
    const accepted = sends.filter((r) => r.statusCode === 202).length;
    const refused = sends.filter((r) => r.statusCode === 402).length;
    expect(accepted + refused).toBe(12);
    const campaignReserved = start!.statusCode === 200 ? 8 : 0;
    if (start!.statusCode !== 200) expect(start!.json().code).toBe('insufficient_credits');
    expect(campaignReserved + accepted * 0.5).toBeLessThanOrEqual(10);
    const mid = await balance(s);
    expect(mid.credits - mid.reserved).toBeGreaterThanOrEqual(0);
    await deliverAll();
    await deliverAll();
    const after = await balance(s);
    expect(after.reserved).toBe(0);
    expect(after.credits).toBeGreaterThanOrEqual(0);
    expect(after.credits).toBeCloseTo(10 - campaignReserved - accepted * 0.5, 6);
  });

  it('a crash mid-fan-out loses and duplicates nothing', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    const phones: string[] = [];
    for (let i = 0; i < 7; i++) {
      phones.push(lv());
      await contact(s, phones[i]!, [g], { firstName: `N${i}` });
    }
    const c = await create(s, {
      name: 'Crash',
      text: 'Hi {{first_name}}',
      type: 'transactional',
      groupIds: [g],
    });
    await ok(control(s, c.id, 'start'));
    const services = ts.system.services;
    const fanout = createCampaigns({
      db: services.db,
      clock: services.clock,
      ids: services.ids,
      audit: services.audit,
      ledger: services.ledger,
      priceBook: services.priceBook,
      messages: createCampaignMessages({
        clock: services.clock,
        ids: services.ids,
        ledger: services.ledger,
        queue: services.queue,
        events: { publish: async () => {} },
      }),
      publicUrl: 'http://localhost',
      batchSize: 3,
    }).fanout;
    expect(await fanout.step(c.id)).toEqual({ processed: 3, done: false });
    await expect(
      fanout.step(c.id, () => {
        throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    expect(await campaignMessages(c.id)).toHaveLength(3);
    expect(await fanout.runToEnd(c.id)).toBe(4);
    let rows = await campaignMessages(c.id);
    expect(rows.map((r) => r.to_number).sort()).toEqual([...phones].sort());
    expect(new Set(rows.map((r) => r.text)).size).toBe(7);
    // Even with the cursor lost, the unique (campaign, number) index writes no second message.
    await db()
      .updateTable('campaigns')
      .set({ fanout_cursor: null, fanout_done: 0, fanout_count: 0 })
      .where('id', '=', c.id)
      .execute();
    await fanout.runToEnd(c.id);
    rows = await campaignMessages(c.id);
    expect(rows).toHaveLength(7);
    expect(await balance(s)).toMatchObject({ credits: 10, reserved: 0.35 });
    await deliverAll();
    expect(await balance(s)).toMatchObject({ credits: 9.65, reserved: 0 });
  });

  it('bad input: clear 4xx codes and no partial state', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    const empty = await group(s, 'empty');
    await contact(s, lv(), [g]);
    const base = { name: 'Bad', type: 'transactional', groupIds: [g] };
    const unclosed = await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'Hi {{first_name' }),
      422,
      'template_invalid',
    );
    expect(unclosed.errors[0]).toMatchObject({
      path: '/body/text',
      message: expect.stringContaining('at 3'),
    });
    const unknown = await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'Hi {{nickname}}' }),
      422,
      'template_invalid',
    );
    expect(unknown.errors[0].message).toContain('unknown placeholder "nickname"');
    await problem(
      call(s, 'POST', '/v1/campaigns', {
        ...base,
        text: 'x',
        sendAt: new Date(ts.clock.now() - 3600_000).toISOString(),
      }),
      422,
      'invalid_schedule',
    );
    await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'x', sendAt: 'soon' }),
      422,
      'invalid_schedule',
    );
    await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'x', timezone: 'Mars/Olympus' }),
      422,
      'invalid_timezone',
    );
    await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'Sale!', type: 'marketing' }),
      422,
      'opt_out_missing',
    );
    await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'x', groupIds: ['grp_nope'] }),
      404,
      'not_found',
    );
    await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'x', quietHours: { start: '25:00', end: '08:00' } }),
      400,
      'validation_failed',
    );
    await problem(
      call(s, 'POST', '/v1/campaigns', { ...base, text: 'x', bogus: 1 }),
      400,
      'validation_failed',
    );
    expect((await ok(call(s, 'GET', '/v1/campaigns'))).data).toHaveLength(0);

    const none = await create(s, { ...base, text: 'x', groupIds: [empty] });
    await problem(control(s, none.id, 'start'), 422, 'audience_empty');
    await problem(control(s, none.id, 'pause'), 409, 'campaign_state');
    await problem(control(s, none.id, 'cancel'), 409, 'campaign_state');
    expect((await ok(call(s, 'GET', `/v1/campaigns/${none.id}`))).status).toBe('draft');
    expect(await balance(s)).toMatchObject({ credits: 10, reserved: 0 });
    // A draft whose schedule has passed cannot start until it gets a new one.
    const soon = await create(s, {
      ...base,
      text: 'x',
      sendAt: new Date(ts.clock.now() + 60 * MINUTE).toISOString(),
    });
    ts.clock.advance(2 * 60 * MINUTE);
    await problem(control(s, soon.id, 'start'), 422, 'invalid_schedule');
    // Any change to it says so too, until the schedule is replaced.
    await problem(call(s, 'PATCH', `/v1/campaigns/${soon.id}`, { name: 'renamed' }), 422, 'invalid_schedule');
    const fixed = await ok(call(s, 'PATCH', `/v1/campaigns/${soon.id}`, { sendAt: null }));
    expect(fixed.sendAt).toBeNull();
    expect((await call(s, 'DELETE', `/v1/campaigns/${none.id}`)).statusCode).toBe(204);
    await problem(call(s, 'GET', `/v1/campaigns/${none.id}`), 404, 'not_found');
  });

  it('templates: validated at save, previewed with encoding and segments; a campaign uses one; opt-out footer appended', async () => {
    const s = await signup(ts.app);
    await ok(call(s, 'POST', '/v1/contact-fields', { key: 'plan', label: 'Plan', type: 'text' }), 201);
    const text = 'Hi {{first_name|there}}, your {{plan|basic}} plan renews';
    await problem(
      call(s, 'POST', '/v1/templates', { name: 't', text: 'Hi {{first_nme}}' }),
      422,
      'template_invalid',
    );
    const t = await ok(call(s, 'POST', '/v1/templates', { name: 'Renewal', text }), 201);
    expect(t.placeholders[0]).toBe('first_name');
    expect((await ok(call(s, 'GET', '/v1/templates'))).data.map((x: { id: string }) => x.id)).toEqual([t.id]);
    const preview = await ok(
      call(s, 'POST', '/v1/templates/preview', {
        templateId: t.id,
        samples: [{ first_name: 'Ōsaka-Łukasz'.repeat(8) }],
      }),
    );
    expect(preview.renderings[0].text).toContain('Hi there');
    expect(preview.longest).toMatchObject({ source: 'samples/0', encoding: 'UCS-2' });
    expect(preview.longest.segments).toBeGreaterThan(1);
    await ok(call(s, 'PATCH', `/v1/templates/${t.id}`, { name: 'Renewal 2' }));

    await ok(call(s, 'PUT', '/v1/campaign-settings', { optOutFooter: 'STOP to +37120000000' }));
    const settings = await ok(call(s, 'GET', '/v1/campaign-settings'));
    expect(settings).toMatchObject({
      quietHours: { start: '21:00', end: '08:00' },
      optOutFooter: 'STOP to +37120000000',
    });
    const g = await group(s);
    await contact(s, lv(), [g], { firstName: 'Zane' });
    const c = await create(s, {
      name: 'From template',
      templateId: t.id,
      type: 'marketing',
      groupIds: [g],
      quietHours: null,
    });
    expect(c.text).toBe(text);
    const p = await ok(call(s, 'POST', `/v1/campaigns/${c.id}/preview`));
    expect(p.samples[0].text).toBe(
      `${text.replace('{{first_name|there}}', 'Zane').replace('{{plan|basic}}', 'basic')}\nSTOP to +37120000000`,
    );
    await ok(control(s, c.id, 'start'));
    await ts.system.workOnce();
    const [m] = await campaignMessages(c.id);
    expect(m!.text).toBe(p.samples[0].text);
    expect((await call(s, 'DELETE', `/v1/templates/${t.id}`)).statusCode).toBe(204);
    await problem(call(s, 'GET', `/v1/templates/${t.id}`), 404, 'not_found');
  });

  it('STOP replies (and synonyms) suppress the number, count as opted out, and exclude it next time; START lifts it', async () => {
    const s = await signup(ts.app);
    const operator: Session = await staffSession(ts, 'operator');
    const number = `+3712${String(9_000_000 + ++serial).padStart(7, '0')}`;
    await ok(
      ts.app.inject({
        method: 'POST',
        url: '/v1/admin/numbers',
        headers: operator.headers,
        payload: { number, accountId: s.accountId },
      }),
      201,
    );
    const g = await group(s);
    const a = lv();
    const b = lv();
    const c3 = lv();
    for (const p of [a, b, c3]) await contact(s, p, [g]);
    const first = await create(s, {
      name: 'One',
      text: STOP_TEXT,
      type: 'marketing',
      groupIds: [g],
      quietHours: null,
    });
    await ok(control(s, first.id, 'start'));
    await deliverAll();
    const inbound = ts.system.services.inbound;
    const reply = (from: string, text: string) =>
      inbound.receive({ routeId: 'simulator', from, to: number, text, at: ts.clock.now() });
    await reply(a, 'Stop!');
    await reply(b, 'atcel lūdzu');
    await reply(c3, 'Thanks, stop by later');
    const rows = await db()
      .selectFrom('suppressions')
      .selectAll()
      .where('account_id', '=', s.accountId)
      .orderBy('phone')
      .execute();
    expect(rows.map((r) => [r.phone, r.source, r.scope])).toEqual(
      [
        [a, 'stop_reply', 'marketing'],
        [b, 'stop_reply', 'marketing'],
      ].sort(),
    );
    expect((await ok(call(s, 'GET', `/v1/campaigns/${first.id}`))).stats.optedOut).toBe(2);

    const second = await create(s, {
      name: 'Two',
      text: STOP_TEXT,
      type: 'marketing',
      groupIds: [g],
      quietHours: null,
    });
    expect((await ok(call(s, 'POST', `/v1/campaigns/${second.id}/preview`))).recipients).toBe(1);
    const sent = await ok(
      call(s, 'POST', '/v1/messages', { to: a, text: 'Promo STOP', type: 'marketing' }),
      202,
    );
    expect(sent.data[0]).toMatchObject({ status: 'rejected', error: { code: 'recipient_opted_out' } });

    // START undoes the person's own STOP; a suppression the client added stays.
    await ok(call(s, 'POST', '/v1/suppressions', { phone: b, reason: 'asked by phone', scope: 'all' }), 201);
    await reply(a, 'START');
    await reply(b, 'start');
    const left = await db()
      .selectFrom('suppressions')
      .select(['phone', 'source'])
      .where('account_id', '=', s.accountId)
      .orderBy('phone')
      .execute();
    expect(left.map((r) => r.phone)).toEqual([b]);
    const again = await ok(
      call(s, 'POST', '/v1/messages', { to: a, text: 'Promo STOP', type: 'marketing' }),
      202,
    );
    expect(again.data[0].status).toBe('queued');

    // The account's own list replaces the defaults.
    await ok(call(s, 'PUT', '/v1/campaign-settings', { stopWords: ['halt'] }));
    expect((await ok(call(s, 'GET', '/v1/campaign-settings'))).stopWords).toEqual(['HALT']);
    await reply(c3, 'HALT');
    expect(
      await db()
        .selectFrom('suppressions')
        .select('phone')
        .where('account_id', '=', s.accountId)
        .where('phone', '=', c3)
        .executeTakeFirst(),
    ).toBeTruthy();
  });

  it('tracked links: messages carry /l/ links and a click shows in the stats', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    await contact(s, lv(), [g], { firstName: 'Liga' });
    const c = await create(s, {
      name: 'Links',
      text: 'Hi {{first_name}}, see https://shop.example.com/spring?x=1 STOP',
      type: 'marketing',
      groupIds: [g],
      trackLinks: true,
      quietHours: null,
    });
    const preview = await ok(call(s, 'POST', `/v1/campaigns/${c.id}/preview`));
    await ok(control(s, c.id, 'start'));
    await ts.system.workOnce();
    const [m] = await campaignMessages(c.id);
    const link = /https?:\/\/\S+\/l\/([A-Za-z0-9]+)/.exec(m!.text);
    expect(link, m!.text).not.toBeNull();
    expect(m!.text).not.toContain('shop.example.com');
    expect(m!.text.length).toBe(preview.samples[0].text.length);
    const follow = await ts.app.inject({
      method: 'GET',
      url: `/l/${link![1]}`,
      headers: { 'user-agent': 'Mozilla/5.0 Chrome/120' },
    });
    expect(follow.statusCode).toBe(302);
    expect(follow.headers.location).toBe('https://shop.example.com/spring?x=1');
    const got = await ok(call(s, 'GET', `/v1/campaigns/${c.id}`));
    expect(got.stats.clicks).toBe(1);
    expect(got.stats.uniqueClicks).toBe(1);
  });
  it('an attachment: each recipient gets its own link that serves the file, until the file expires (410)', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    await contact(s, lv(), [g], { firstName: 'Anna' });
    await contact(s, lv(), [g], { firstName: 'Juris' });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
    const boundary = '----smsgate-campaign-test';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="menu.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      pdf,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const uploaded = await ts.app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: { ...s.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const c = await create(s, {
      name: 'Menu',
      text: 'Hi {{first_name}}, our new menu:',
      type: 'transactional',
      groupIds: [g],
      attachmentId: uploaded.json().id,
      quietHours: null,
    });
    await ok(control(s, c.id, 'start'));
    await ts.system.workOnce();
    const messages = await campaignMessages(c.id);
    const codes = messages.map((m) => /\/a\/([A-Za-z0-9]+)/.exec(m.text)?.[1]);
    expect(codes.every(Boolean), messages.map((m) => m.text).join(' | ')).toBe(true);
    expect(new Set(codes).size).toBe(2);
    const served = await ts.app.inject({ method: 'GET', url: `/a/${codes[0]}` });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toContain('application/pdf');
    expect(served.rawPayload.equals(pdf)).toBe(true);

    ts.clock.advance(61 * 24 * 60 * MINUTE);
    await ts.system.workOnce();
    expect((await ts.app.inject({ method: 'GET', url: `/a/${codes[1]}` })).statusCode).toBe(410);
  });
});
