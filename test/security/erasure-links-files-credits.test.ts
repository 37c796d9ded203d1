import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import {
  createApiKey,
  type Session,
  signup,
  staffSession,
  startTestSystem,
  type TestSystem,
} from '../helpers/system';

type Headers = { headers: Record<string, string> };

/** A GIF that is also an HTML page with a script (a polyglot), generated here rather than stored. */
function gifHtmlPolyglot(): Buffer {
  return Buffer.concat([
    Buffer.from('GIF89a'),
    Buffer.from([1, 0, 1, 0, 0x80, 0, 0]),
    Buffer.from([0, 0, 0, 0xff, 0xff, 0xff]),
    Buffer.from('<html><script>document.title="owned"</script></html>'),
    Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]),
  ]);
}

/** A PDF whose catalogue runs JavaScript when opened. */
function pdfWithJavaScript(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  );
}

function multipartFile(name: string, type: string, bytes: Buffer) {
  const boundary = `----smsgate${Math.random().toString(16).slice(2)}`;
  return {
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

describe.each(DIALECTS)('links, served files and credit adjustments on %s', (dialect) => {
  let ts: TestSystem;
  let staff: Session;
  let serial = 100;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { PUBLIC_URL: 'https://app.example.com' });
    staff = await staffSession(ts, 'superadmin');
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (s: Headers, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });

  async function campaignWithAttachment(s: Session, file: Buffer, name: string, type: string) {
    const group = (await call(s, 'POST', '/v1/groups', { name: 'g' })).json().id;
    const phone = `+3712000${String(++serial).padStart(4, '0')}`;
    expect((await call(s, 'POST', '/v1/contacts', { phone, groupIds: [group] })).statusCode).toBe(201);
    const body = multipartFile(name, type, file);
    const uploaded = await ts.app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: { ...s.headers, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const c = await call(s, 'POST', '/v1/campaigns', {
      name: 'files',
      text: 'Here:',
      type: 'transactional',
      groupIds: [group],
      attachmentId: uploaded.json().id,
      quietHours: null,
    });
    expect(c.statusCode, c.body).toBe(201);
    expect((await call(s, 'POST', `/v1/campaigns/${c.json().id}/start`)).statusCode).toBe(200);
    await ts.system.workOnce();
    const m = await ts.system.storage.db
      .selectFrom('messages')
      .select('text')
      .where('campaign_id', '=', c.json().id)
      .executeTakeFirstOrThrow();
    return /(https?:\/\/[^/\s]+)\/a\/([A-Za-z0-9]+)/.exec(m.text)!;
  }

  it('attachments are served as downloads, sniff-proof and sandboxed, from the app origin', async () => {
    const s = await signup(ts.app);
    for (const [file, name, type] of [
      [gifHtmlPolyglot(), 'cat.gif', 'image/gif'],
      [pdfWithJavaScript(), 'menu.pdf', 'application/pdf'],
    ] as const) {
      const [, origin, code] = await campaignWithAttachment(s, file, name, type);
      expect(origin).toBe('https://app.example.com');
      for (const method of ['GET', 'HEAD'] as const) {
        const served = await ts.app.inject({ method, url: `/a/${code}` });
        expect(served.statusCode).toBe(200);
        expect(served.headers['content-disposition']).toMatch(/^attachment; filename="/);
        expect(served.headers['x-content-type-options']).toBe('nosniff');
        expect(served.headers['content-security-policy']).toMatch(/(^|;\s*)sandbox(;|$)/);
        expect(served.headers['content-security-policy']).toContain("default-src 'none'");
      }
    }
  });

  it('a contact avatar opened on its own is a sandboxed download too', async () => {
    const s = await signup(ts.app);
    const contact = (await call(s, 'POST', '/v1/contacts', { phone: '+37120000041' })).json();
    const png = await sharp(Buffer.alloc(64 * 64 * 3, 200), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const body = multipartFile('me.png', 'image/png', png);
    const up = await ts.app.inject({
      method: 'POST',
      url: `/v1/contacts/${contact.id}/avatar`,
      headers: { ...s.headers, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(up.statusCode, up.body).toBeLessThan(300);
    const served = await call(s, 'GET', `/v1/contacts/${contact.id}/avatar`);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-disposition']).toMatch(/^attachment; filename="/);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.headers['content-security-policy']).toMatch(/(^|;\s*)sandbox(;|$)/);
  });

  it('with FILES_ORIGIN, attachment links point there and are served inline there only', async () => {
    const other = await startTestSystem(dialect, {
      PUBLIC_URL: 'https://app.example.com',
      FILES_ORIGIN: 'https://files.example-usercontent.com',
    });
    try {
      const saved = ts;
      ts = other;
      try {
        const s = await signup(ts.app);
        const [, origin, code] = await campaignWithAttachment(
          s,
          pdfWithJavaScript(),
          'menu.pdf',
          'application/pdf',
        );
        expect(origin).toBe('https://files.example-usercontent.com');
        const there = await ts.app.inject({
          method: 'GET',
          url: `/a/${code}`,
          headers: { host: 'files.example-usercontent.com' },
        });
        expect(there.statusCode).toBe(200);
        expect(there.headers['content-disposition']).toMatch(/^inline; filename="/);
        expect(there.headers['x-content-type-options']).toBe('nosniff');
        const here = await ts.app.inject({
          method: 'GET',
          url: `/a/${code}`,
          headers: { host: 'app.example.com' },
        });
        expect(here.headers['content-disposition']).toMatch(/^attachment; filename="/);
        expect(here.headers['content-security-policy']).toMatch(/(^|;\s*)sandbox(;|$)/);
      } finally {
        ts = saved;
      }
    } finally {
      await other.close();
    }
  });

  it('the operator turns tracked links off per account: creation refused, old links stop, domains listed', async () => {
    const s = await signup(ts.app);
    const group = (await call(s, 'POST', '/v1/groups', { name: 'g' })).json().id;
    await call(s, 'POST', '/v1/contacts', { phone: '+37120000031', groupIds: [group] });
    const body = {
      name: 'links',
      text: 'See https://phish.example.net/login and www.shop.example.org/x',
      type: 'transactional',
      groupIds: [group],
      trackLinks: true,
      quietHours: null,
    };
    const c = (await call(s, 'POST', '/v1/campaigns', body)).json();
    expect((await call(s, 'POST', `/v1/campaigns/${c.id}/start`)).statusCode).toBe(200);
    await ts.system.workOnce();
    const m = await ts.system.storage.db
      .selectFrom('messages')
      .select('text')
      .where('campaign_id', '=', c.id)
      .executeTakeFirstOrThrow();
    const code = /\/l\/([A-Za-z0-9]+)/.exec(m.text)![1];
    expect((await ts.app.inject({ method: 'GET', url: `/l/${code}` })).statusCode).toBe(302);

    const domains = await call(staff, 'GET', `/v1/admin/link-domains?accountId=${s.accountId}`);
    expect(domains.statusCode, domains.body).toBe(200);
    expect(domains.json().data).toEqual(
      expect.arrayContaining([
        {
          domain: 'phish.example.net',
          accountId: s.accountId,
          links: 1,
          lastSeen: new Date(ts.clock.now()).toISOString(),
        },
        expect.objectContaining({ domain: 'www.shop.example.org', accountId: s.accountId, links: 1 }),
      ]),
    );
    const all = (await call(staff, 'GET', '/v1/admin/link-domains')).json().data;
    expect(all.some((d: { accountId: string }) => d.accountId === s.accountId)).toBe(true);
    // Support staff may look; clients may not.
    expect((await call(s, 'GET', '/v1/admin/link-domains')).statusCode).toBe(401);

    const off = await call(staff, 'PATCH', `/v1/admin/accounts/${s.accountId}/settings`, {
      trackedLinks: false,
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().trackedLinks).toBe(false);
    expect((await call(s, 'GET', '/v1/account/settings')).json().trackedLinks).toBe(false);
    // The client cannot turn it back on.
    expect((await call(s, 'PATCH', '/v1/account/settings', { trackedLinks: true })).statusCode).toBe(400);

    const refused = await call(s, 'POST', '/v1/campaigns', body);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('tracked_links_disabled');
    const draft = (await call(s, 'POST', '/v1/campaigns', { ...body, trackLinks: false })).json();
    const patched = await call(s, 'PATCH', `/v1/campaigns/${draft.id}`, { trackLinks: true });
    expect(patched.json().code).toBe('tracked_links_disabled');
    // Links minted before no longer redirect.
    const old = await ts.app.inject({ method: 'GET', url: `/l/${code}` });
    expect(old.statusCode).toBe(410);
    expect(old.headers.location).toBeUndefined();

    const on = await call(staff, 'PATCH', `/v1/admin/accounts/${s.accountId}/settings`, {
      trackedLinks: true,
    });
    expect(on.json().trackedLinks).toBe(true);
    expect((await call(s, 'POST', '/v1/campaigns', body)).statusCode).toBe(201);
  });

  it('a credit adjustment may take the balance negative and says so: balanceAfter', async () => {
    const s = await signup(ts.app);
    const key = await createApiKey(ts.app, s);
    const before = (await call(key, 'GET', '/v1/balance')).json().credits;
    const r = await call(staff, 'POST', `/v1/admin/accounts/${s.accountId}/credits`, {
      amount: -(before + 5),
      reason: 'chargeback',
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ balanceAfter: -5, credits: -5 });
    const up = await call(staff, 'POST', `/v1/admin/accounts/${s.accountId}/credits`, {
      amount: 7.5,
      reason: 'goodwill',
    });
    expect(up.json().balanceAfter).toBe(2.5);
  });
});
