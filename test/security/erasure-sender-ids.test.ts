import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { senderIdProblem } from '../../src/modules/phone';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

/** Sender ids no carrier should ever see: control characters, direction overrides, line breaks, … */
function hostileSenders(): string[] {
  const out = [
    '\u0001<x>\u202E\r\n',
    'Acme\r\nBcc',
    'Shop\u0000',
    '\t',
    ' ',
    '',
    'ABCDEFGHIJKL',
    '1234567890123456',
  ];
  // Every C0/C1 control character and every bidi control, alone and inside a name.
  const specials = [
    ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
    '\u007f',
    '\u0085',
    '\u009b',
    ...['\u200e', '\u200f', '\u061c', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e'],
    ...['\u2066', '\u2067', '\u2068', '\u2069', '\ufeff', '\u200b'],
  ];
  for (const c of specials) out.push(`Ac${c}me`);
  // Letters outside the GSM basic set and look-alikes.
  out.push('Ācme', 'Аcme', 'Ｓhop', 'Shop™', 'Shop<b>', '"Shop"', "Shop'", 'Shop;', '+', '+12a', '++123');
  return out;
}

const GOOD = [
  'Acme',
  'ACME Shop',
  'Shop-24',
  'A.B_C&D',
  'Acme 2',
  '+37120000000',
  '12345',
  '123456789012345',
];

describe('the sender id rule', () => {
  it('accepts ordinary alphanumeric and numeric senders', () => {
    for (const s of GOOD) expect(senderIdProblem(s), s).toBeNull();
  });
  it('refuses control characters, direction overrides, non-GSM letters and over-long ids', () => {
    for (const s of hostileSenders()) expect(senderIdProblem(s), JSON.stringify(s)).not.toBeNull();
  });
});

describe.each(DIALECTS)(
  'sender ids are checked wherever they are stored, and at fan-out, on %s',
  (dialect) => {
    let ts: TestSystem;
    beforeAll(async () => {
      ts = await startTestSystem(dialect);
    });
    afterAll(async () => {
      await ts?.close();
    });
    type Headers = { headers: Record<string, string> };
    const call = (s: Headers, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) =>
      ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
    const db = () => ts.system.storage.db;

    it('PATCH /v1/account/settings refuses a bad defaultSender and keeps the old one', async () => {
      const s = await signup(ts.app);
      expect((await call(s, 'PATCH', '/v1/account/settings', { defaultSender: 'Acme' })).statusCode).toBe(
        200,
      );
      for (const bad of hostileSenders()) {
        const r = await call(s, 'PATCH', '/v1/account/settings', { defaultSender: bad });
        expect(r.statusCode, JSON.stringify(bad)).toBeGreaterThanOrEqual(400);
        expect(r.statusCode, JSON.stringify(bad)).toBeLessThan(500);
        expect(['invalid_sender_id', 'validation_failed']).toContain(r.json().code);
      }
      const r = await call(s, 'PATCH', '/v1/account/settings', { defaultSender: '\u0001<x>\u202E\r\n' });
      expect(r.json()).toMatchObject({
        code: 'invalid_sender_id',
        errors: [expect.objectContaining({ path: '/body/defaultSender' })],
      });
      expect((await call(s, 'GET', '/v1/account/settings')).json().defaultSender).toBe('Acme');
    });

    it('campaigns (create and update) and API sends refuse a bad sender', async () => {
      const s = await signup(ts.app);
      const key = await createApiKey(ts.app, s);
      const group = (await call(s, 'POST', '/v1/groups', { name: 'g' })).json().id;
      const base = { name: 'c', text: 'Hello', type: 'transactional', groupIds: [group], quietHours: null };
      const draft = await call(s, 'POST', '/v1/campaigns', base);
      expect(draft.statusCode, draft.body).toBe(201);
      for (const bad of ['\u0001<x>\u202E\r\n', 'Ac\u202eme', '', 'ABCDEFGHIJKL']) {
        const created = await call(s, 'POST', '/v1/campaigns', { ...base, from: bad });
        expect(created.statusCode, JSON.stringify(bad)).toBe(422);
        expect(created.json().code).toBe('invalid_sender_id');
        const patched = await call(s, 'PATCH', `/v1/campaigns/${draft.json().id}`, { from: bad });
        expect(patched.statusCode, JSON.stringify(bad)).toBe(422);
        const sent = await call(key, 'POST', '/v1/messages', { to: '+37120000001', text: 'hi', from: bad });
        // An empty `from` is refused by the request schema already (400 validation_failed).
        expect([400, 422], JSON.stringify(bad)).toContain(sent.statusCode);
        expect(['invalid_sender_id', 'validation_failed']).toContain(sent.json().code);
      }
      const stored = await db()
        .selectFrom('campaigns')
        .select('sender')
        .where('account_id', '=', s.accountId)
        .execute();
      expect(stored).toEqual([{ sender: null }]);
    });

    it('routing rules refuse a bad sender match', async () => {
      const staff = await staffSession(ts, 'superadmin');
      const r = await call(staff, 'POST', '/v1/admin/routing-rules', {
        priority: 1,
        match: { sender: 'Ac\u202eme' },
        routeIds: ['simulator'],
      });
      expect(r.statusCode, r.body).toBeGreaterThanOrEqual(400);
      expect(r.statusCode).toBeLessThan(500);
    });

    it('a bad sender stored before the check is refused at start and at fan-out; the campaign reports it', async () => {
      const s = await signup(ts.app);
      const group = (await call(s, 'POST', '/v1/groups', { name: 'g' })).json().id;
      for (const phone of ['+37120000011', '+37120000012'])
        await call(s, 'POST', '/v1/contacts', { phone, groupIds: [group] });
      const setBadDefault = () =>
        db()
          .updateTable('accounts')
          .set({ settings: JSON.stringify({ messaging: { defaultSender: '\u0001<x>\u202E\r\n' } }) })
          .where('id', '=', s.accountId)
          .execute();
      const c = (
        await call(s, 'POST', '/v1/campaigns', {
          name: 'c',
          text: 'Hello',
          type: 'transactional',
          groupIds: [group],
          quietHours: null,
        })
      ).json();
      await setBadDefault();
      const refused = await call(s, 'POST', `/v1/campaigns/${c.id}/start`);
      expect(refused.statusCode, refused.body).toBe(422);
      expect(refused.json().code).toBe('invalid_sender_id');

      // Started while the sender was good; the bad value arrives before the fan-out.
      await db().updateTable('accounts').set({ settings: '{}' }).where('id', '=', s.accountId).execute();
      expect((await call(s, 'POST', `/v1/campaigns/${c.id}/start`)).statusCode).toBe(200);
      await setBadDefault();
      await ts.system.workOnce();
      const messages = await db()
        .selectFrom('messages')
        .select(['status', 'sender', 'error_code'])
        .where('campaign_id', '=', c.id)
        .execute();
      expect(messages).toHaveLength(2);
      for (const m of messages) {
        expect(m).toMatchObject({ status: 'rejected', error_code: 'invalid_sender_id' });
        expect(m.sender).not.toMatch(/[\u0000-\u001f\u202e]/);
      }
      const view = (await call(s, 'GET', `/v1/campaigns/${c.id}`)).json();
      expect(view.stats.failed).toBe(2);
      expect(view.stats.queued ?? 0).toBe(0);
    });
  },
);
