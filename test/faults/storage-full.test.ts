import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
import { Status } from '../../src/adapters/smpp/wire';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

const LV = '+37121234567';

function expectFull(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(response.statusCode, response.body).toBe(503);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(JSON.parse(response.body)).toMatchObject({ code: 'storage_full', status: 503 });
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

/** A tmpfs of `size` mounted on a fresh folder, or null where mounting is not allowed. */
function mountTmpfs(size: string): { dir: string; unmount(): void } | null {
  const dir = mkdtempSync(join(tmpdir(), 'smsgate-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system holding `dir` to the last byte; returns the filler file to delete. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let size = chunk.length; size >= 1; ) {
      try {
        writeSync(fd, chunk, 0, size);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        size = Math.floor(size / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(ts: TestSystem, what: string, done: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    ts.clock.advance(100);
    await ts.system.workOnce();
    await new Promise((r) => setTimeout(r, 20));
  }
}

const send = (ts: TestSystem, owner: Session, text: string) =>
  ts.app.inject({ method: 'POST', url: '/v1/messages', headers: owner.headers, payload: { to: LV, text } });

describe('a full disk (SQLite)', () => {
  it('on a real small file system: sends answer 503 storage_full, reads work, receipts and MO are answered with a temporary error on a live bind, and all recovers when space returns', async (ctx) => {
    const fs = mountTmpfs('64m');
    if (!fs) {
      ctx.skip();
      return;
    }
    cleanups.push(() => fs.unmount());
    const ts = await startTestSystem('sqlite', {}, { storage: { sqliteDir: fs.dir } });
    cleanups.push(() => ts.close());
    const smsc: SmscSimulator = await startSmscSimulator({
      systemId: 'acme',
      password: 'secret1',
      receipts: false,
    });
    cleanups.push(() => smsc.stop());
    const op = await staffSession(ts, 'operator');
    const route = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op.headers,
      payload: {
        name: 'carrier',
        type: 'smpp',
        config: { host: '127.0.0.1', port: smsc.port, systemId: 'acme', password: 'secret1', binds: 1 },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
    const routeId = route.json().id as string;
    const rule = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/routing-rules',
      headers: op.headers,
      payload: { priority: 10, match: { countries: ['LV'] }, routeIds: [routeId] },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const owner = await signup(ts.app);
    const accepted = await send(ts, owner, 'before the disk filled');
    expect(accepted.statusCode, accepted.body).toBe(202);
    const id = accepted.json().data[0].id as string;
    const message = async () =>
      (await ts.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: owner.headers })).json();
    await until(ts, 'the message sent over SMPP', async () => (await message()).status === 'sent');
    const carrierId = smsc.submits[0]!.messageId!;
    const receipt = {
      esm_class: 0x04,
      source_addr: LV.slice(1),
      destination_addr: 'Acme',
      short_message: Buffer.from(
        `id:${carrierId} sub:001 dlvrd:001 submit date:2601010000 done date:2601010000 stat:DELIVRD err:000 text:`,
        'latin1',
      ),
    };

    const filler = fill(fs.dir);
    let freed = false;
    cleanups.push(() => {
      if (!freed) unlinkSync(filler);
    });

    expectFull(await send(ts, owner, 'no room'));
    expectFull(await send(ts, owner, 'still no room'));
    // Reads keep working.
    expect((await message()).status).toBe('sent');
    const list = await ts.app.inject({ method: 'GET', url: '/v1/messages', headers: owner.headers });
    expect(list.statusCode, list.body).toBe(200);
    const ready = await ts.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'unavailable',
      checks: { database: 'ok', storage: 'full' },
    });

    // The carrier is told "not now" (so it sends again later), and the bind stays up.
    expect(await smsc.sendDeliverSm(receipt)).toBe(Status.ESME_RX_T_APPN);
    expect(await smsc.sendMo('37120000001', '37120000002', 'hello while full')).toEqual([
      Status.ESME_RX_T_APPN,
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(smsc.boundSessions()).toBe(1);
    expect(smsc.binds.filter((b) => b.ok)).toHaveLength(1);
    expect((await message()).status).toBe('sent');

    unlinkSync(filler);
    freed = true;
    const after = await send(ts, owner, 'room again');
    expect(after.statusCode, after.body).toBe(202);
    // The carrier's retry is applied.
    expect(await smsc.sendDeliverSm(receipt)).toBe(Status.ESME_ROK);
    expect(await smsc.sendMo('37120000001', '37120000002', 'hello again')).toEqual([Status.ESME_ROK]);
    expect((await message()).status).toBe('delivered');
    const readyAgain = await ts.app.inject({ method: 'GET', url: '/readyz' });
    expect(readyAgain.statusCode, readyAgain.body).toBe(200);
    expect(readyAgain.json().checks.storage).toBe('ok');
    expect(smsc.binds.filter((b) => b.ok)).toHaveLength(1);
  }, 30_000);

  it('at the database size limit (max_page_count): sends answer 503 storage_full, never "cannot rollback", reads work, and writes resume once it is raised', async () => {
    const ts = await startTestSystem('sqlite');
    cleanups.push(() => ts.close());
    const owner = await signup(ts.app);
    const { db } = ts.system.storage;
    const first = await send(ts, owner, 'before the limit');
    expect(first.statusCode, first.body).toBe(202);
    const id = first.json().data[0].id as string;
    const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]!.page_count;
    // The limit applies to the writing connection, which is the one Kysely runs this on.
    await sql.raw(`pragma max_page_count = ${pages}`).execute(db);
    let refused = null;
    for (let i = 0; i < 500 && !refused; i++) {
      const r = await send(ts, owner, `filling ${i} ${'x'.repeat(150)}`);
      if (r.statusCode !== 202) refused = r;
    }
    expect(refused, 'no send was refused').not.toBeNull();
    expectFull(refused!);
    expect(
      (await ts.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: owner.headers })).statusCode,
    ).toBe(200);
    expect((await ts.app.inject({ method: 'GET', url: '/readyz' })).json().checks.storage).toBe('full');

    await sql.raw('pragma max_page_count = 1073741823').execute(db);
    const again = await send(ts, owner, 'room again');
    expect(again.statusCode, again.body).toBe(202);
    expect((await ts.app.inject({ method: 'GET', url: '/readyz' })).json().checks.storage).toBe('ok');
  });
});
