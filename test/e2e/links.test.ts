import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertLinks } from '../../src/modules/campaigns/link-store';
import { DAY } from '../helpers/fake-clock';
import { DIALECTS } from '../helpers/storage';
import { createApiKey, type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';

const MAX_BYTES = 64 * 1024;
const CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const PREVIEW = 'facebookexternalhit/1.1 Facebot Twitterbot/1.0';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.alloc(200, 7),
]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(500, 0x90)]);

/** A multipart/form-data body with one file part (and optional extra text fields). */
function multipart(file: { field?: string; name: string; type: string; bytes: Buffer } | null) {
  const boundary = `----smsgate${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(DIALECTS)('short links and attachments on %s', (dialect) => {
  let ts: TestSystem;
  let owner: Session;
  let key: { headers: Record<string, string> };
  const filesDir = () => join(ts.config.DATA_DIR, 'files', 'attachments');
  const storedFiles = () => (existsSync(filesDir()) ? readdirSync(filesDir()) : []);

  beforeAll(async () => {
    ts = await startTestSystem(dialect, {
      ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
      PUBLIC_URL: 'https://sms.example.com',
    });
    owner = await signup(ts.app);
    key = await createApiKey(ts.app, owner);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const cf = () => ts.system.services.campaignFiles;
  const db = () => ts.system.storage.db;
  const codeOf = (url: string) => url.split('/').pop()!;
  const click = (path: string, ua: string = CHROME) =>
    ts.app.inject({ method: 'GET', url: path, headers: { 'user-agent': ua } });

  async function upload(file: { name: string; type: string; bytes: Buffer }, headers = key.headers) {
    const body = multipart(file);
    return ts.app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: { ...headers, 'content-type': body.contentType },
      payload: body.payload,
    });
  }

  it('issues per-recipient links, redirects with 302 and counts total and unique clicks', async () => {
    const campaignId = 'cmp_links1';
    const urls = await ts.system.storage.db.transaction().execute((tx) =>
      cf().issuer.issueBatch(tx, {
        accountId: owner.accountId,
        campaignId,
        recipients: [
          {
            messageId: 'msg_r1',
            contactId: 'ctc_1',
            urls: ['https://shop.example.com/a?x=1', 'www.example.org/b'],
          },
          { messageId: 'msg_r2', contactId: null, urls: ['https://shop.example.com/a?x=1'] },
          { messageId: 'msg_r3', contactId: 'ctc_3', urls: [] },
        ],
      }),
    );
    expect(urls.map((u) => u.length)).toEqual([2, 1, 0]);
    for (const url of urls.flat()) expect(url).toMatch(/^https:\/\/sms\.example\.com\/l\/[0-9A-Za-z]{8}$/);
    expect(new Set(urls.flat()).size).toBe(3);
    const [r1a, r1b] = urls[0]!.map(codeOf);
    const r2 = codeOf(urls[1]![0]!);

    const first = await click(`/l/${r1a}`);
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe('https://shop.example.com/a?x=1');
    expect((await click(`/l/${r1b}`)).headers.location).toBe('https://www.example.org/b');
    // A second click on the same link, a link-preview fetch, and a HEAD (no click) on it.
    expect((await click(`/l/${r1a}`, SAFARI)).statusCode).toBe(302);
    expect((await click(`/l/${r1a}`, PREVIEW)).statusCode).toBe(302);
    const head = await ts.app.inject({ method: 'HEAD', url: `/l/${r1a}` });
    expect(head.statusCode).toBe(302);

    const rows = await db()
      .selectFrom('link_clicks')
      .selectAll()
      .where('code', '=', r1a!)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.ua_family, Number(r.is_first)])).toEqual([
      ['Chrome', 1],
      ['Safari', 0],
      ['bot', 0],
    ]);
    expect(rows.every((r) => r.account_id === owner.accountId && r.campaign_id === campaignId)).toBe(true);
    expect(Object.keys(rows[0]!).sort()).toEqual(
      ['account_id', 'campaign_id', 'clicked_at', 'code', 'id', 'is_first', 'ua_family'].sort(),
    );

    // A bot alone never makes a unique click; the human after it does.
    expect((await click(`/l/${r2}`, PREVIEW)).statusCode).toBe(302);
    let stats = await cf().stats.clicks(db(), owner.accountId, campaignId);
    expect(stats).toEqual({ total: 5, unique: 2, bots: 2 });
    await click(`/l/${r2}`, SAFARI);
    stats = await cf().stats.clicks(db(), owner.accountId, campaignId);
    expect(stats).toEqual({ total: 6, unique: 3, bots: 2 });
    // Another account sees nothing of it.
    expect(await cf().stats.clicks(db(), 'acc_other', campaignId)).toEqual({ total: 0, unique: 0, bots: 0 });

    const link = await db()
      .selectFrom('links')
      .selectAll()
      .where('code', '=', r1a!)
      .executeTakeFirstOrThrow();
    expect(link).toMatchObject({
      account_id: owner.accountId,
      campaign_id: campaignId,
      message_id: 'msg_r1',
      contact_id: 'ctc_1',
      target_url: 'https://shop.example.com/a?x=1',
      attachment_id: null,
      expires_at: null,
    });
  });

  it('answers 404 for unknown codes and 410 once the link expired', async () => {
    for (const path of ['/l/Zz9Zz9Zz', '/l/bad!code', '/a/Zz9Zz9Zz']) {
      const r = await click(path);
      expect(r.statusCode, path).toBe(404);
      expect(r.json().code).toBe('not_found');
    }
    const expiresAt = ts.clock.now() + 30 * DAY;
    const [[url]] = (await ts.system.storage.db.transaction().execute((tx) =>
      cf().issuer.issueBatch(tx, {
        accountId: owner.accountId,
        campaignId: 'cmp_exp',
        expiresAt,
        recipients: [{ messageId: 'msg_e1', contactId: null, urls: ['https://example.com/'] }],
      }),
    )) as [[string]];
    const code = codeOf(url);
    expect((await click(`/l/${code}`)).statusCode).toBe(302);
    ts.clock.advance(30 * DAY);
    const gone = await click(`/l/${code}`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('link_expired');
    // The sweep marks it; clicks on an expired link are not recorded.
    await ts.system.workOnce();
    const row = await db()
      .selectFrom('links')
      .select('deleted_at')
      .where('code', '=', code)
      .executeTakeFirstOrThrow();
    expect(Number(row.deleted_at)).toBe(ts.clock.now());
    const clicks = await cf().stats.clicks(db(), owner.accountId, 'cmp_exp');
    expect(clicks.total).toBe(1);
  });

  it('campaign retention sets the expiry of its links', async () => {
    const [[url]] = (await ts.system.storage.db.transaction().execute((tx) =>
      cf().issuer.issueBatch(tx, {
        accountId: owner.accountId,
        campaignId: 'cmp_ret',
        recipients: [{ messageId: 'msg_t1', contactId: null, urls: ['https://example.com/t'] }],
      }),
    )) as [[string]];
    const n = await cf().links.expireCampaignLinks(db(), {
      accountId: owner.accountId,
      campaignId: 'cmp_ret',
      expiresAt: ts.clock.now() + DAY,
    });
    expect(n).toBe(1);
    expect((await click(`/l/${codeOf(url)}`)).statusCode).toBe(302);
    ts.clock.advance(DAY);
    expect((await click(`/l/${codeOf(url)}`)).statusCode).toBe(410);
  });

  it('accepts a PNG and a PDF, sniffed by content, and serves them per recipient with the right type', async () => {
    const png = await upload({ name: 'logo.png', type: 'image/png', bytes: PNG });
    expect(png.statusCode, png.body).toBe(201);
    expect(png.json()).toMatchObject({ name: 'logo.png', contentType: 'image/png', bytes: PNG.length });
    expect(png.json().id).toMatch(/^att_/);
    // The declared type and the name are not trusted: a PDF sent as image/jpeg "scan.jpg" is a PDF.
    const pdf = await upload({ name: '../../etc/scan final.jpg', type: 'image/jpeg', bytes: PDF });
    expect(pdf.statusCode, pdf.body).toBe(201);
    expect(pdf.json()).toMatchObject({ name: 'scan final.jpg', contentType: 'application/pdf' });
    expect(await ts.system.services.files.exists(`attachments/${png.json().id}`)).toBe(true);

    const list = await ts.app.inject({ method: 'GET', url: '/v1/attachments', headers: key.headers });
    expect(list.json().data.map((a: { id: string }) => a.id)).toEqual([pdf.json().id, png.json().id]);
    const one = await ts.app.inject({
      method: 'GET',
      url: `/v1/attachments/${png.json().id}`,
      headers: key.headers,
    });
    expect(one.json().sha256).toMatch(/^[0-9a-f]{64}$/);
    const expires = Date.parse(one.json().expiresAt) - Date.parse(one.json().createdAt);
    expect(expires).toBe(60 * DAY);

    for (const [att, bytes, type] of [
      [png.json().id, PNG, 'image/png'],
      [pdf.json().id, PDF, 'application/pdf'],
    ] as const) {
      const links = await db()
        .transaction()
        .execute((tx) =>
          cf().issuer.issueAttachmentLinks(tx, {
            accountId: owner.accountId,
            campaignId: 'cmp_att',
            attachmentId: att,
            recipients: [
              { messageId: 'msg_a1', contactId: null },
              { messageId: 'msg_a2', contactId: 'ctc_2' },
            ],
          }),
        );
      expect(links).toHaveLength(2);
      expect(links[0]).toMatch(/^https:\/\/sms\.example\.com\/a\/[0-9A-Za-z]{8}$/);
      const served = await click(`/a/${codeOf(links[0]!)}`);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe(type);
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      // Served as a download from the app's origin (no FILES_ORIGIN here).
      expect(served.headers['content-disposition']).toMatch(/^attachment; filename="[^"\\/]+"/);
      expect(served.rawPayload.equals(bytes)).toBe(true);
      // HEAD answers the headers without a click.
      const head = await ts.app.inject({ method: 'HEAD', url: `/a/${codeOf(links[1]!)}` });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-type']).toBe(type);
      expect(head.body).toBe('');
      // An attachment code is not a redirect code.
      expect((await click(`/l/${codeOf(links[0]!)}`)).statusCode).toBe(404);
    }
    expect(await cf().stats.clicks(db(), owner.accountId, 'cmp_att')).toEqual({
      total: 2,
      unique: 2,
      bots: 0,
    });
  });

  it('refuses an executable renamed photo.jpg with 415 and stores nothing', async () => {
    const before = storedFiles().length;
    const countRows = async () =>
      Number(
        (
          await db()
            .selectFrom('attachments')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const rowsBefore = await countRows();
    const r = await upload({ name: 'photo.jpg', type: 'image/jpeg', bytes: ELF });
    expect(r.statusCode).toBe(415);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().code).toBe('unsupported_file_type');
    const script = await upload({
      name: 'cat.png',
      type: 'image/png',
      bytes: Buffer.from('#!/bin/sh\necho hi\n'),
    });
    expect(script.json().code).toBe('unsupported_file_type');
    expect(await countRows()).toBe(rowsBefore);
    expect(storedFiles().length).toBe(before);
  });

  it('refuses oversize files with 413, bodies that are not multipart with 415, and a missing file with 400', async () => {
    const before = storedFiles().length;
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_BYTES, 1)]);
    const r = await upload({ name: 'big.png', type: 'image/png', bytes: big });
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBe('payload_too_large');
    expect(storedFiles().length).toBe(before);

    const json = await ts.app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: key.headers,
      payload: {},
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().code).toBe('unsupported_media_type');
    const empty = multipart(null);
    const none = await ts.app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: { ...key.headers, 'content-type': empty.contentType },
      payload: empty.payload,
    });
    expect(none.statusCode).toBe(400);
    expect(none.json().code).toBe('validation_failed');
    const wrongField = multipart({ field: 'upload', name: 'a.png', type: 'image/png', bytes: PNG });
    const wf = await ts.app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: { ...key.headers, 'content-type': wrongField.contentType },
      payload: wrongField.payload,
    });
    expect(wf.statusCode).toBe(400);
    const anonymous = await upload({ name: 'a.png', type: 'image/png', bytes: PNG }, {});
    expect(anonymous.statusCode).toBe(401);
    expect(storedFiles().length).toBe(before);
  });

  it('keeps an attachment on day 59 and deletes it on day 61: the file goes and its link answers 410', async () => {
    const att = (await upload({ name: 'menu.pdf', type: 'application/pdf', bytes: PDF })).json();
    const [link] = await db()
      .transaction()
      .execute((tx) =>
        cf().issuer.issueAttachmentLinks(tx, {
          accountId: owner.accountId,
          campaignId: 'cmp_sweep',
          attachmentId: att.id,
          recipients: [{ messageId: 'msg_s1', contactId: null }],
        }),
      );
    const code = codeOf(link!);
    ts.clock.advance(59 * DAY);
    await ts.system.workOnce();
    expect(await ts.system.services.files.exists(`attachments/${att.id}`)).toBe(true);
    expect((await click(`/a/${code}`)).statusCode).toBe(200);

    ts.clock.advance(2 * DAY);
    await ts.system.workOnce();
    expect(await ts.system.services.files.exists(`attachments/${att.id}`)).toBe(false);
    const row = await db()
      .selectFrom('attachments')
      .select('deleted_at')
      .where('id', '=', att.id)
      .executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    const gone = await click(`/a/${code}`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('link_expired');
    const get = await ts.app.inject({
      method: 'GET',
      url: `/v1/attachments/${att.id}`,
      headers: key.headers,
    });
    expect(get.statusCode).toBe(404);
    // Idempotent: a second sweep finds nothing more.
    expect(await cf().attachments.sweepAttachments(ts.clock.now())).toBe(0);
    // No new links for a deleted attachment.
    await expect(
      db()
        .transaction()
        .execute((tx) =>
          cf().issuer.issueAttachmentLinks(tx, {
            accountId: owner.accountId,
            campaignId: 'cmp_sweep',
            attachmentId: att.id,
            recipients: [{ messageId: 'msg_s2', contactId: null }],
          }),
        ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('DELETE removes the file at once; other accounts get 404 for the id', async () => {
    const att = (await upload({ name: 'a.png', type: 'image/png', bytes: PNG })).json();
    const [link] = await db()
      .transaction()
      .execute((tx) =>
        cf().issuer.issueAttachmentLinks(tx, {
          accountId: owner.accountId,
          campaignId: null,
          attachmentId: att.id,
          recipients: [{ messageId: 'msg_d1', contactId: null }],
        }),
      );
    const other = await signup(ts.app, { company: 'Other' });
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await ts.app.inject({ method, url: `/v1/attachments/${att.id}`, headers: other.headers });
      expect(r.statusCode, method).toBe(404);
    }
    const list = await ts.app.inject({ method: 'GET', url: '/v1/attachments', headers: other.headers });
    expect(list.json().data).toEqual([]);
    await expect(
      db()
        .transaction()
        .execute((tx) =>
          cf().issuer.issueAttachmentLinks(tx, {
            accountId: other.accountId,
            campaignId: null,
            attachmentId: att.id,
            recipients: [{ messageId: 'msg_d2', contactId: null }],
          }),
        ),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect((await click(`/a/${codeOf(link!)}`)).statusCode).toBe(200);

    // The API key: the owner's session has idled out while the fake clock moved on.
    const del = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/attachments/${att.id}`,
      headers: key.headers,
    });
    expect(del.statusCode).toBe(204);
    expect(await ts.system.services.files.exists(`attachments/${att.id}`)).toBe(false);
    expect((await click(`/a/${codeOf(link!)}`)).statusCode).toBe(410);
    const again = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/attachments/${att.id}`,
      headers: key.headers,
    });
    expect(again.statusCode).toBe(404);
    const audit = await db()
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', att.id)
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['attachment.uploaded', 'attachment.deleted']);
  });

  it('purging an account erases its files, links and clicks and nothing of other accounts', async () => {
    const other = await signup(ts.app, { company: 'Purged' });
    const otherKey = await createApiKey(ts.app, other);
    const att = (await upload({ name: 'x.png', type: 'image/png', bytes: PNG }, otherKey.headers)).json();
    const [[url]] = (await db()
      .transaction()
      .execute((tx) =>
        cf().issuer.issueBatch(tx, {
          accountId: other.accountId,
          campaignId: 'cmp_purge',
          recipients: [{ messageId: 'msg_p1', contactId: null, urls: ['https://example.com/p'] }],
        }),
      )) as [[string]];
    await click(`/l/${codeOf(url)}`);
    const mineBefore = await cf().stats.clicks(db(), owner.accountId, 'cmp_links1');
    const purged = await cf().purgeAccount(other.accountId);
    expect(purged).toEqual({ attachments: 1, links: 1, clicks: 1 });
    expect(await ts.system.services.files.exists(`attachments/${att.id}`)).toBe(false);
    expect((await click(`/l/${codeOf(url)}`)).statusCode).toBe(404);
    expect(await cf().stats.clicks(db(), owner.accountId, 'cmp_links1')).toEqual(mineBefore);
    expect(await cf().purgeAccount(other.accountId)).toEqual({ attachments: 0, links: 0, clicks: 0 });
  });

  it('documents the attachment endpoints in OpenAPI and keeps the public link routes out of it', async () => {
    const spec = await ts.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    const paths = Object.keys(spec.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/v1/attachments', '/v1/attachments/{id}']));
    expect(paths.filter((p) => p.startsWith('/l/') || p.startsWith('/a/'))).toEqual([]);
  });

  it('replaces a code taken by an earlier link instead of failing the batch', async () => {
    const taken = await db().selectFrom('links').select('code').limit(1).executeTakeFirstOrThrow();
    // Insert a row whose code collides, through the same path the issuer uses.
    const before = Number(
      (
        await db()
          .selectFrom('links')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    await db()
      .transaction()
      .execute((tx) =>
        insertLinks(tx, [
          {
            code: taken.code,
            account_id: owner.accountId,
            campaign_id: 'cmp_col',
            message_id: 'msg_c1',
            contact_id: null,
            target_url: 'https://example.com/c',
            attachment_id: null,
            created_at: ts.clock.now(),
            expires_at: null,
          },
        ]),
      );
    const rows = await db().selectFrom('links').selectAll().where('campaign_id', '=', 'cmp_col').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.code).not.toBe(taken.code);
    const after = Number(
      (
        await db()
          .selectFrom('links')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(after).toBe(before + 1);
  });
});
