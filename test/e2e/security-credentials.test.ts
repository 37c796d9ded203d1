import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import {
  addMember,
  createApiKey,
  type Session,
  signup,
  startTestSystem,
  type TestSystem,
} from '../helpers/system';

describe.each(DIALECTS)('API keys follow their creator on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const send = (headers: Record<string, string>) =>
    ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers,
      payload: { to: '+37121234567', text: 'hello' },
    });
  const setRole = (owner: Session, userId: string, role: string) =>
    ts.app.inject({ method: 'PATCH', url: `/v1/users/${userId}`, headers: owner.headers, payload: { role } });
  const remove = (owner: Session, userId: string) =>
    ts.app.inject({ method: 'DELETE', url: `/v1/users/${userId}`, headers: owner.headers });

  it("a developer's key loses messages:send at once when the developer is demoted to viewer", async () => {
    const owner = await signup(ts.app);
    const dev = await addMember(ts, owner, 'developer');
    const key = await createApiKey(ts.app, dev);
    expect((await send(key.headers)).statusCode).toBe(202);

    expect((await setRole(owner, dev.userId, 'viewer')).statusCode).toBe(200);
    const refused = await send(key.headers);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    // What the viewer may still do, the key may still do.
    const read = await ts.app.inject({ method: 'GET', url: '/v1/messages', headers: key.headers });
    expect(read.statusCode).toBe(200);

    // Promoted back: the key's own scopes come back, never more than it was created with.
    expect((await setRole(owner, dev.userId, 'admin')).statusCode).toBe(200);
    expect((await send(key.headers)).statusCode).toBe(202);
    // An admin may write contacts; the key was never given contacts:write.
    const write = await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: key.headers,
      payload: { phone: '+37121234999' },
    });
    expect(write.statusCode).toBe(403);
  });

  it('removing a developer revokes their keys at once (rows revoked, audited): the key answers 401', async () => {
    const owner = await signup(ts.app);
    const dev = await addMember(ts, owner, 'developer');
    const key = await createApiKey(ts.app, dev);
    const other = await createApiKey(ts.app, owner);
    expect((await send(key.headers)).statusCode).toBe(202);

    expect((await remove(owner, dev.userId)).statusCode).toBe(204);
    const refused = await send(key.headers);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('unauthorized');
    // The owner's own key is untouched.
    expect((await send(other.headers)).statusCode).toBe(202);

    const row = await ts.system.storage.db
      .selectFrom('api_keys')
      .select(['revoked_at'])
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    const audit = await ts.system.storage.db
      .selectFrom('audit_events')
      .selectAll()
      .where('account_id', '=', owner.accountId)
      .where('action', '=', 'api_key.revoked')
      .execute();
    expect(audit.map((a) => a.target_id)).toEqual([key.id]);
  });

  it("a removed admin's key can no longer export contacts", async () => {
    const owner = await signup(ts.app);
    const admin = await addMember(ts, owner, 'admin');
    await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: owner.headers,
      payload: { phone: '+37121234555', firstName: 'Grace' },
    });
    const key = await createApiKey(ts.app, admin, ['contacts:read']);
    const exportAs = () =>
      ts.app.inject({ method: 'GET', url: '/v1/contacts/export?format=json', headers: key.headers });
    const before = await exportAs();
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('+37121234555');

    expect((await remove(owner, admin.userId)).statusCode).toBe(204);
    const after = await exportAs();
    expect(after.statusCode).toBe(401);
    expect(after.body).not.toContain('+37121234555');
  });

  it('even a key row left unrevoked acts for no one once its creator is gone', async () => {
    const owner = await signup(ts.app);
    const dev = await addMember(ts, owner, 'developer');
    const key = await createApiKey(ts.app, dev);
    // As if the member had been removed by an older version that did not revoke keys.
    await ts.system.storage.db.deleteFrom('sessions').where('principal_id', '=', dev.userId).execute();
    await ts.system.storage.db.deleteFrom('auth_tokens').where('user_id', '=', dev.userId).execute();
    await ts.system.storage.db.deleteFrom('users').where('id', '=', dev.userId).execute();
    expect((await send(key.headers)).statusCode).toBe(401);
  });

  it('the key list shows who created each key', async () => {
    const owner = await signup(ts.app);
    const dev = await addMember(ts, owner, 'developer');
    const mine = await createApiKey(ts.app, owner);
    const theirs = await createApiKey(ts.app, dev);
    const list = await ts.app.inject({ method: 'GET', url: '/v1/api-keys', headers: owner.headers });
    expect(list.statusCode).toBe(200);
    const byId = new Map(list.json().data.map((k: { id: string }) => [k.id, k]));
    expect(byId.get(mine.id)).toMatchObject({
      createdBy: { id: owner.userId, email: owner.email, name: 'Ada' },
    });
    expect(byId.get(theirs.id)).toMatchObject({
      createdBy: { id: dev.userId, email: dev.email, name: 'developer member' },
    });
    expect(JSON.stringify(list.json())).not.toContain(mine.key);
  });
});

describe.each(DIALECTS)('Idempotency-Key replays stay with the credential on %s', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  afterAll(async () => {
    await ts?.close();
  });

  const createKey = (session: Session, idempotencyKey: string) =>
    ts.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...session.headers, 'idempotency-key': idempotencyKey },
      payload: { name: 'ci' },
    });

  it("a developer repeating an admin's Idempotency-Key on POST /v1/api-keys does not get the admin's key", async () => {
    const owner = await signup(ts.app);
    const admin = await addMember(ts, owner, 'admin');
    const dev = await addMember(ts, owner, 'developer');
    const first = await createKey(admin, 'deploy-1');
    expect(first.statusCode).toBe(201);
    const adminKey = first.json().key as string;
    expect(adminKey).toMatch(/^sg_live_/);

    const stolen = await createKey(dev, 'deploy-1');
    expect(stolen.headers['idempotent-replayed']).toBeUndefined();
    expect(stolen.body).not.toContain(adminKey);
    expect(stolen.statusCode).toBe(201);
    expect(stolen.json().id).not.toBe(first.json().id);
    expect(stolen.json().createdBy.id).toBe(dev.userId);
  });

  it('the same caller replaying gets the same key without its secret, and is told so', async () => {
    const owner = await signup(ts.app);
    const first = await createKey(owner, 'deploy-2');
    expect(first.statusCode).toBe(201);
    const secret = first.json().key as string;

    const replay = await createKey(owner, 'deploy-2');
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['secret-omitted']).toBe('key');
    const body = replay.json();
    expect(body.id).toBe(first.json().id);
    expect(body.key).toBeUndefined();
    expect(body.secretOmitted).toBe(true);
    expect(replay.body).not.toContain(secret);

    // An API key repeating the session's Idempotency-Key is another credential: no replay.
    const program = await createApiKey(ts.app, owner, ['webhooks:manage']);
    const hook = (headers: Record<string, string>) =>
      ts.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: { ...headers, 'idempotency-key': 'hook-1' },
        payload: { url: 'http://127.0.0.1:9/hook', events: ['message.status'] },
      });
    const h1 = await hook(owner.headers);
    expect(h1.statusCode).toBe(201);
    const webhookSecret = h1.json().secret as string;
    expect(webhookSecret).toBeTruthy();
    const h2 = await hook(program.headers);
    expect(h2.statusCode).toBe(201);
    expect(h2.json().id).not.toBe(h1.json().id);
    const h3 = await hook(owner.headers);
    expect(h3.json()).toMatchObject({ id: h1.json().id, secretOmitted: true });
    expect(h3.json().secret).toBeUndefined();

    const rows = await ts.system.storage.db.selectFrom('idempotency_keys').selectAll().execute();
    const stored = JSON.stringify(rows);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const s of [secret, webhookSecret, h2.json().secret as string]) expect(stored).not.toContain(s);
  });
});
