import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaigns } from '../../src/modules/campaigns';
import { createCampaignMessages } from '../../src/modules/messaging';
import { DAY } from '../helpers/fake-clock';
import { multipart } from '../helpers/multipart';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

/**
 * The campaign console's API: editing rules of drafts, "resend to failed" and its audience, the A/B text
 * split (assignment, determinism across a crash, per-variant figures against the message rows).
 * The simulator refuses numbers ending in 11 at submit (`failed`) and reports those ending in 22
 * `undelivered`.
 */
describe.each(DIALECTS)('campaign console on %s', (dialect) => {
  let ts: TestSystem;
  let serial = 0;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      SIMULATOR_DELIVERY_DELAY_MS: '1000',
      SIMULATOR_REJECT_PATTERN: '11$',
      SIMULATOR_UNDELIVERED_PATTERN: '22$',
      PUBLIC_URL: 'https://sms.example.com',
    });
  });
  afterAll(async () => {
    await ts?.close();
  });

  const db = () => ts.system.storage.db;
  const call = (s: Session, method: Method, url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  async function ok(r: Promise<LightMyRequestResponse>, status = 200) {
    const response = await r;
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  }
  async function problem(r: Promise<LightMyRequestResponse>, status: number, code: string) {
    const response = await r;
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe(code);
    return response.json();
  }
  /** A fresh Latvian mobile number ending in `end` (two digits). */
  const lv = (end = '05') => `+3712${String(10_000 + ++serial).padStart(5, '0')}${end}`;
  const group = async (s: Session) =>
    (await ok(call(s, 'POST', '/v1/groups', { name: `g${++serial}` }), 201)).id as string;
  const contact = async (s: Session, phone: string, groupIds: string[], extra: object = {}) =>
    (await ok(call(s, 'POST', '/v1/contacts', { phone, groupIds, ...extra }), 201)).id as string;
  async function credits(s: Session, amount: number) {
    const staff = await staffSession(ts);
    await ok(
      ts.app.inject({
        method: 'POST',
        url: `/v1/admin/accounts/${s.accountId}/credits`,
        headers: staff.headers,
        payload: { amount, reason: 'test top-up' },
      }),
    );
  }
  /** Many contacts at once, into a group, the way a user adds them: a CSV import. */
  async function importContacts(s: Session, phones: string[], groupId: string) {
    const body = multipart(
      { name: 'file', fileName: 'many.csv', data: `phone\n${phones.join('\n')}\n` },
      { groupId },
    );
    const started = await ok(
      ts.app.inject({
        method: 'POST',
        url: '/v1/imports',
        headers: { ...s.headers, ...body.headers },
        payload: body.payload,
      }),
      202,
    );
    for (let i = 0; i < 50; i++) {
      const state = await ok(call(s, 'GET', `/v1/imports/${started.id}`));
      if (state.status === 'completed') {
        expect(state.imported).toBe(phones.length);
        return;
      }
      await ts.system.workOnce();
    }
    throw new Error('the import did not finish');
  }
  async function deliverAll() {
    for (let i = 0; i < 4; i++) {
      await ts.system.workOnce();
      ts.clock.advance(1500);
    }
    await ts.system.workOnce();
  }

  it('drafts are editable (text, split, audience); a started, scheduled or cancelled one answers 409', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    const g2 = await group(s);
    await contact(s, lv(), [g]);
    const draft = await ok(
      call(s, 'POST', '/v1/campaigns', {
        name: 'Edit me',
        text: 'Sale today! Reply STOP to opt out',
        type: 'marketing',
        groupIds: [g],
      }),
      201,
    );
    expect(draft).toMatchObject({ variants: null, resendOf: null });

    const edited = await ok(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, {
        name: 'Edited',
        text: 'Sale tomorrow! Reply STOP to opt out',
        groupIds: [g, g2],
      }),
    );
    expect(edited).toMatchObject({ name: 'Edited', text: 'Sale tomorrow! Reply STOP to opt out' });
    expect(edited.groupIds).toEqual([g, g2]);
    // What an editor sets it can undo: a sender, quiet hours.
    const set = await ok(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, {
        from: 'Acme',
        quietHours: { start: '20:00', end: '09:00' },
      }),
    );
    expect(set).toMatchObject({ from: 'Acme', quietHours: { start: '20:00', end: '09:00' } });
    const unset = await ok(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, { from: null, quietHours: 'account_default' }),
    );
    expect(unset).toMatchObject({ from: null, quietHours: 'account_default' });

    // A split: `text` becomes variant A's; bad splits are refused with the field named.
    const split = await ok(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, {
        variants: [
          { text: 'A: 10% off. Reply STOP to opt out', percent: 70 },
          { text: 'B: 2 for 1. Reply STOP to opt out', percent: 30 },
        ],
      }),
    );
    expect(split.text).toBe('A: 10% off. Reply STOP to opt out');
    expect(split.variants).toEqual([
      { label: 'A', text: 'A: 10% off. Reply STOP to opt out', percent: 70 },
      { label: 'B', text: 'B: 2 for 1. Reply STOP to opt out', percent: 30 },
    ]);
    const sum = await problem(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, {
        variants: [
          { text: 'x STOP', percent: 50 },
          { text: 'y STOP', percent: 40 },
        ],
      }),
      400,
      'validation_failed',
    );
    expect(sum.errors[0]).toMatchObject({ path: '/body/variants' });
    await problem(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, { variants: [{ text: 'x STOP', percent: 100 }] }),
      400,
      'validation_failed',
    );
    const optOut = await problem(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, {
        variants: [
          { text: 'x STOP', percent: 50 },
          { text: 'no way out', percent: 50 },
        ],
      }),
      422,
      'opt_out_missing',
    );
    expect(optOut.errors[0].path).toBe('/body/variants/1/text');
    const invalid = await problem(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, {
        variants: [
          { text: 'Hi {{nickname}} STOP', percent: 50 },
          { text: 'y STOP', percent: 50 },
        ],
      }),
      422,
      'template_invalid',
    );
    expect(invalid.errors[0].path).toBe('/body/variants/0/text');
    // `text` alone on a split is ambiguous; together with variants too.
    await problem(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, { text: 'plain STOP' }),
      400,
      'validation_failed',
    );
    await problem(
      call(s, 'POST', '/v1/campaigns', {
        name: 'both',
        type: 'transactional',
        groupIds: [g],
        text: 'one',
        variants: [
          { text: 'a', percent: 50 },
          { text: 'b', percent: 50 },
        ],
      }),
      400,
      'validation_failed',
    );
    // Nothing of the refused edits was kept.
    expect((await ok(call(s, 'GET', `/v1/campaigns/${draft.id}`))).variants).toEqual(split.variants);
    // Back to one text.
    const single = await ok(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, { variants: null, text: 'One text. Reply STOP' }),
    );
    expect(single).toMatchObject({ variants: null, text: 'One text. Reply STOP' });

    await ok(call(s, 'POST', `/v1/campaigns/${draft.id}/start`));
    const started = await problem(
      call(s, 'PATCH', `/v1/campaigns/${draft.id}`, { name: 'late' }),
      409,
      'campaign_state',
    );
    expect(started.campaignStatus).toBe('sending');

    // Scheduled for tomorrow and started: its credits are reserved, so it is no longer a draft.
    const later = await ok(
      call(s, 'POST', '/v1/campaigns', {
        name: 'Tomorrow',
        text: 'Hello',
        type: 'transactional',
        groupIds: [g],
        sendAt: new Date(ts.clock.now() + DAY).toISOString(),
      }),
      201,
    );
    // Before the start the schedule itself is editable.
    await ok(
      call(s, 'PATCH', `/v1/campaigns/${later.id}`, {
        sendAt: new Date(ts.clock.now() + 2 * DAY).toISOString(),
      }),
    );
    expect((await ok(call(s, 'POST', `/v1/campaigns/${later.id}/start`))).status).toBe('scheduled');
    await problem(call(s, 'PATCH', `/v1/campaigns/${later.id}`, { text: 'Hi' }), 409, 'campaign_state');
    await ok(call(s, 'POST', `/v1/campaigns/${later.id}/cancel`));
    await problem(call(s, 'PATCH', `/v1/campaigns/${later.id}`, { text: 'Hi' }), 409, 'campaign_state');
    const row = await db()
      .selectFrom('campaigns')
      .select(['text', 'name'])
      .where('id', '=', later.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ text: 'Hello', name: 'Tomorrow' });
  });

  it('resend to failed: a draft to exactly the failed, undelivered and expired numbers, less those suppressed or deleted since', async () => {
    const s = await signup(ts.app);
    await credits(s, 100);
    const g = await group(s);
    const delivered = [lv(), lv()];
    const refused = [lv('11'), lv('11'), lv('11')];
    const undelivered = [lv('22'), lv('22')];
    for (const phone of [...delivered, ...refused, ...undelivered])
      await contact(s, phone, [g], { firstName: 'N' });
    const campaign = await ok(
      call(s, 'POST', '/v1/campaigns', {
        name: 'Spring',
        variants: [
          { text: 'Hi {{first_name}}, A', percent: 50 },
          { text: 'Hi {{first_name}}, B', percent: 50 },
        ],
        type: 'transactional',
        groupIds: [g],
        quietHours: null,
      }),
      201,
    );
    // Only a started campaign has failures to resend.
    await problem(call(s, 'POST', `/v1/campaigns/${campaign.id}/resend-failed`), 409, 'campaign_state');
    await ok(call(s, 'POST', `/v1/campaigns/${campaign.id}/start`));
    await deliverAll();
    const rows = await db()
      .selectFrom('messages')
      .select(['to_number', 'status'])
      .where('campaign_id', '=', campaign.id)
      .execute();
    const byStatus = (status: string) =>
      rows
        .filter((r) => r.status === status)
        .map((r) => r.to_number)
        .sort();
    expect(byStatus('failed')).toEqual([...refused].sort());
    expect(byStatus('undelivered')).toEqual([...undelivered].sort());
    expect(byStatus('delivered')).toEqual([...delivered].sort());

    // The list of messages that did not arrive, each marked as a resend would take it.
    const failed = await ok(call(s, 'GET', `/v1/campaigns/${campaign.id}/failed?limit=3`));
    expect(failed.data).toHaveLength(3);
    expect(failed.nextCursor).toBe(failed.data[2].id);
    const rest = await ok(
      call(s, 'GET', `/v1/campaigns/${campaign.id}/failed?cursor=${encodeURIComponent(failed.nextCursor)}`),
    );
    const listed = [...failed.data, ...rest.data];
    expect(listed.map((r: { to: string }) => r.to).sort()).toEqual([...refused, ...undelivered].sort());
    expect(listed.every((r: { resendable: boolean }) => r.resendable)).toBe(true);
    expect(listed.find((r: { to: string }) => r.to === refused[0])).toMatchObject({
      status: 'failed',
      errorCode: expect.any(String),
    });

    // Since then: one refused number opted out, one undelivered contact was deleted.
    await ok(call(s, 'POST', '/v1/suppressions', { phone: refused[0] }), 201);
    const gone = await db()
      .selectFrom('contacts')
      .select('id')
      .where('account_id', '=', s.accountId)
      .where('phone', '=', undelivered[0]!)
      .executeTakeFirstOrThrow();
    expect((await call(s, 'DELETE', `/v1/contacts/${gone.id}`)).statusCode).toBe(204);
    const expected = [refused[1]!, refused[2]!, undelivered[1]!].sort();

    const resend = await ok(call(s, 'POST', `/v1/campaigns/${campaign.id}/resend-failed`), 201);
    expect(resend).toMatchObject({
      status: 'draft',
      resendOf: campaign.id,
      groupIds: [],
      numbers: 3,
      name: 'Spring (resend to failed)',
    });
    expect(resend.variants.map((v: { text: string }) => v.text)).toEqual([
      'Hi {{first_name}}, A',
      'Hi {{first_name}}, B',
    ]);
    const audit = await db()
      .selectFrom('audit_events')
      .select(['action', 'data'])
      .where('account_id', '=', s.accountId)
      .where('action', '=', 'campaign.resend_created')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(String(audit[0]!.data))).toEqual({ source: campaign.id, numbers: 3 });

    // Its audience cannot be changed to groups; its text can.
    await problem(
      call(s, 'PATCH', `/v1/campaigns/${resend.id}`, { groupIds: [g] }),
      400,
      'validation_failed',
    );
    await ok(
      call(s, 'PATCH', `/v1/campaigns/${resend.id}`, {
        variants: null,
        text: 'Hi {{first_name}}, trying again',
      }),
    );
    const preview = await ok(call(s, 'POST', `/v1/campaigns/${resend.id}/preview`));
    expect(preview.recipients).toBe(3);
    // Suppressed after the draft was made: left out at start too.
    await ok(call(s, 'POST', '/v1/suppressions', { phone: refused[1] }), 201);
    const started = await ok(call(s, 'POST', `/v1/campaigns/${resend.id}/start`));
    expect(started.recipients).toBe(2);
    await ts.system.workOnce();
    const resent = await db()
      .selectFrom('messages')
      .select(['to_number', 'text'])
      .where('campaign_id', '=', resend.id)
      .execute();
    expect(resent.map((r) => r.to_number).sort()).toEqual(expected.filter((p) => p !== refused[1]));
    expect(resent.every((r) => r.text === 'Hi N, trying again')).toBe(true);

    // A campaign where everything arrived has nothing to resend.
    const clean = await group(s);
    await contact(s, lv(), [clean]);
    const fine = await ok(
      call(s, 'POST', '/v1/campaigns', {
        name: 'Fine',
        text: 'ok',
        type: 'transactional',
        groupIds: [clean],
      }),
      201,
    );
    await ok(call(s, 'POST', `/v1/campaigns/${fine.id}/start`));
    await deliverAll();
    await problem(call(s, 'POST', `/v1/campaigns/${fine.id}/resend-failed`), 422, 'audience_empty');
    // Another account's campaign is not found.
    const other = await signup(ts.app);
    await problem(call(other, 'POST', `/v1/campaigns/${campaign.id}/resend-failed`), 404, 'not_found');
    await problem(call(other, 'GET', `/v1/campaigns/${campaign.id}/failed`), 404, 'not_found');
  });

  it('resend to failed leaves out messages failed by a cancel (never tried)', async () => {
    const s = await signup(ts.app);
    const g = await group(s);
    for (let i = 0; i < 3; i++) await contact(s, lv(), [g]);
    const c = await ok(
      call(s, 'POST', '/v1/campaigns', {
        name: 'Later',
        text: 'Hi',
        type: 'transactional',
        groupIds: [g],
        sendAt: new Date(ts.clock.now() + DAY).toISOString(),
      }),
      201,
    );
    await ok(call(s, 'POST', `/v1/campaigns/${c.id}/start`));
    await ts.system.workOnce();
    await ok(call(s, 'POST', `/v1/campaigns/${c.id}/cancel`));
    await ts.system.workOnce();
    const failed = await ok(call(s, 'GET', `/v1/campaigns/${c.id}/failed`));
    expect(failed.data).toHaveLength(3);
    expect(failed.data.every((r: { errorCode: string; resendable: boolean }) => !r.resendable)).toBe(true);
    await problem(call(s, 'POST', `/v1/campaigns/${c.id}/resend-failed`), 422, 'audience_empty');
  });

  it('A/B split over 1,000 recipients: shares within tolerance, the same after a crash, figures = message rows', async () => {
    const s = await signup(ts.app);
    await credits(s, 200);
    const g = await group(s);
    const phones: string[] = [];
    // Every 10th number comes back undelivered.
    for (let i = 0; i < 1000; i++) phones.push(lv(i % 10 === 0 ? '22' : '05'));
    await importContacts(s, phones, g);
    const percents = [20, 30, 50];
    const c = await ok(
      call(s, 'POST', '/v1/campaigns', {
        name: 'Split',
        variants: percents.map((percent, i) => ({
          text: `Offer ${'ABC'[i]}: https://shop.example/${'abc'[i]}`,
          percent,
        })),
        type: 'transactional',
        groupIds: [g],
        quietHours: null,
        trackLinks: true,
      }),
      201,
    );
    const preview = await ok(call(s, 'POST', `/v1/campaigns/${c.id}/preview`));
    expect(preview.recipients).toBe(1000);
    expect(preview.variants.map((v: { label: string }) => v.label)).toEqual(['A', 'B', 'C']);
    await ok(call(s, 'POST', `/v1/campaigns/${c.id}/start`));

    // The fan-out in batches of 300, the second one lost to a crash and written again.
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
      publicUrl: 'https://sms.example.com',
      links: { issuer: services.campaignFiles.issuer, stats: services.campaignFiles.stats },
      batchSize: 300,
    }).fanout;
    expect(await fanout.step(c.id)).toEqual({ processed: 300, done: false });
    await expect(
      fanout.step(c.id, () => {
        throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    expect(await fanout.runToEnd(c.id)).toBe(700);

    const rows = await db()
      .selectFrom('messages')
      .select(['id', 'to_number', 'text', 'variant'])
      .where('campaign_id', '=', c.id)
      .execute();
    expect(rows).toHaveLength(1000);
    const counts = [0, 0, 0];
    for (const r of rows) {
      const v = Number(r.variant);
      counts[v]! += 1;
      // Each message carries its own variant's text (its link shortened).
      expect(r.text.startsWith(`Offer ${'ABC'[v]}: https://sms.example.com/l/`)).toBe(true);
    }
    percents.forEach((p, i) => {
      expect(Math.abs(counts[i]! / 10 - p)).toBeLessThanOrEqual(5);
    });
    // The preview, computed before anything was written, counted exactly these shares: the assignment
    // depends only on the campaign and the number.
    expect(preview.variants.map((v: { recipients: number }) => v.recipients)).toEqual(counts);

    await deliverAll();
    // Clicks: the first three messages of each variant, one twice.
    const clicksPer = [0, 0, 0];
    const uniquePer = [0, 0, 0];
    for (const v of [0, 1, 2]) {
      const mine = rows.filter((r) => Number(r.variant) === v).slice(0, 3);
      for (const [k, r] of mine.entries()) {
        const code = /\/l\/([A-Za-z0-9]+)/.exec(r.text)![1];
        const times = k === 0 ? 2 : 1;
        for (let t = 0; t < times; t++) {
          const res = await ts.app.inject({
            method: 'GET',
            url: `/l/${code}`,
            headers: { 'user-agent': CHROME },
          });
          expect(res.statusCode).toBe(302);
          clicksPer[v]! += 1;
        }
        uniquePer[v]! += 1;
      }
    }

    const stats = await ok(call(s, 'GET', `/v1/campaigns/${c.id}/stats`));
    const final = await db()
      .selectFrom('messages')
      .select(['variant', 'status'])
      .where('campaign_id', '=', c.id)
      .execute();
    expect(stats.variants).toHaveLength(3);
    for (const [i, v] of stats.variants.entries()) {
      const mine = final.filter((r) => Number(r.variant) === i);
      const n = (...statuses: string[]) => mine.filter((r) => statuses.includes(r.status)).length;
      expect(v).toMatchObject({
        label: 'ABC'[i],
        percent: percents[i],
        messages: mine.length,
        sent: n('sending', 'sent', 'delivered', 'undelivered', 'expired'),
        delivered: n('delivered'),
        undelivered: n('undelivered', 'expired'),
        failed: n('failed', 'rejected', 'cancelled'),
        queued: n('scheduled', 'queued'),
        clicks: clicksPer[i],
        uniqueClicks: uniquePer[i],
      });
      expect(v.undelivered).toBeGreaterThan(0);
    }
    const sumOf = (k: string) =>
      stats.variants.reduce((n: number, v: Record<string, number>) => n + v[k]!, 0);
    expect(sumOf('delivered')).toBe(stats.delivered);
    expect(sumOf('undelivered')).toBe(stats.undelivered);
    expect(sumOf('clicks')).toBe(stats.clicks);
  });
});
