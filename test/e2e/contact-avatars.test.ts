import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../helpers/fake-clock';
import { multipart } from '../helpers/multipart';
import { DIALECTS } from '../helpers/storage';
import { signup, startTestSystem, type TestSystem } from '../helpers/system';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);

describe.each(DIALECTS)('contact avatars on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const send = (headers: Record<string, string>, id: string, data: Buffer, fileName = 'me.png') => {
    const body = multipart({ name: 'file', fileName, contentType: 'image/png', data });
    return ts.app.inject({
      method: 'POST',
      url: `/v1/contacts/${id}/avatar`,
      headers: { ...headers, ...body.headers },
      payload: body.payload,
    });
  };

  it('stores an image checked by content, serves it, and deletes it', async () => {
    const s = await signup(ts.app);
    const other = await signup(ts.app);
    const contact = (
      await ts.app.inject({
        method: 'POST',
        url: '/v1/contacts',
        headers: s.headers,
        payload: { phone: '+37121234567' },
      })
    ).json();

    const stored = await send(s.headers, contact.id, PNG);
    expect(stored.statusCode, stored.body).toBe(200);
    expect(stored.json()).toEqual({
      avatarUrl: `/v1/contacts/${contact.id}/avatar`,
      contentType: 'image/png',
      bytes: PNG.length,
    });
    const got = await ts.app.inject({ method: 'GET', url: `/v1/contacts/${contact.id}`, headers: s.headers });
    expect(got.json().avatarUrl).toBe(`/v1/contacts/${contact.id}/avatar`);
    const image = await ts.app.inject({
      method: 'GET',
      url: `/v1/contacts/${contact.id}/avatar`,
      headers: s.headers,
    });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload.equals(PNG)).toBe(true);

    // Content decides: a text file named .png is refused, and the stored image stays.
    const text = await send(s.headers, contact.id, Buffer.from('<svg onload="alert(1)"/>'), 'evil.png');
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported_file_type');
    const big = await send(s.headers, contact.id, Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]));
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('payload_too_large');
    const notMultipart = await ts.app.inject({
      method: 'POST',
      url: `/v1/contacts/${contact.id}/avatar`,
      headers: s.headers,
      payload: { file: 'x' },
    });
    expect(notMultipart.statusCode).toBe(415);

    for (const [method, url] of [
      ['GET', `/v1/contacts/${contact.id}/avatar`],
      ['DELETE', `/v1/contacts/${contact.id}/avatar`],
    ] as const) {
      const r = await ts.app.inject({ method, url, headers: other.headers });
      expect(r.statusCode).toBe(404);
    }
    expect((await send(other.headers, contact.id, PNG)).statusCode).toBe(404);

    const removed = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/contacts/${contact.id}/avatar`,
      headers: s.headers,
    });
    expect(removed.statusCode).toBe(204);
    expect(
      (await ts.app.inject({ method: 'GET', url: `/v1/contacts/${contact.id}/avatar`, headers: s.headers }))
        .statusCode,
    ).toBe(404);
    expect(
      (await ts.app.inject({ method: 'GET', url: `/v1/contacts/${contact.id}`, headers: s.headers })).json()
        .avatarUrl,
    ).toBeNull();
  });

  const stored = (id: string) => existsSync(join(ts.config.DATA_DIR, 'files', 'avatars', id));
  async function contactWithAvatar(headers: Record<string, string>, phone: string) {
    const contact = (
      await ts.app.inject({ method: 'POST', url: '/v1/contacts', headers, payload: { phone } })
    ).json();
    expect((await send(headers, contact.id, PNG)).statusCode).toBe(200);
    expect(stored(contact.id)).toBe(true);
    return contact.id as string;
  }

  it('the image goes when the contact is erased for its data subject', async () => {
    const s = await signup(ts.app);
    const id = await contactWithAvatar(s.headers, '+37122223333');
    const erased = await ts.app.inject({
      method: 'POST',
      url: '/v1/privacy/subject-erasure',
      headers: s.headers,
      payload: { phone: '+37122223333' },
    });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(stored(id)).toBe(false);
  });

  it('the image goes when a deleted contact is purged after the restore window', async () => {
    const s = await signup(ts.app);
    const id = await contactWithAvatar(s.headers, '+37122224444');
    const deleted = await ts.app.inject({ method: 'DELETE', url: `/v1/contacts/${id}`, headers: s.headers });
    expect(deleted.statusCode).toBe(204);
    ts.clock.advance(59 * DAY);
    await ts.system.services.retention.sweepOnce();
    expect(stored(id)).toBe(true);
    ts.clock.advance(2 * DAY);
    await ts.system.services.retention.sweepOnce();
    expect(stored(id)).toBe(false);
  });
});
