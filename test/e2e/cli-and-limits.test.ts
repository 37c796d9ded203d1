import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileMailer } from '../../src/adapters/mail/file-mailer';
import { createLogger } from '../../src/kernel/logger';
import { FakeClock } from '../helpers/fake-clock';
import { startServerProcess, startWorkerProcess, verifyMailedEmail } from '../helpers/server-process';
import { startTestSystem } from '../helpers/system';

const run = promisify(execFile);

describe('command line, request limits and file mail', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('`smsgate admin create` makes a staff user who can log in; bad arguments exit 1 with usage', async () => {
    const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const created = await run(
      process.execPath,
      // A fresh folder: --create asks for the new database (without it the command refuses to make one).
      [
        'bin/smsgate.mjs',
        'admin',
        'create',
        '--email',
        'ops@example.com',
        '--password',
        'a-long-secret-2',
        '--create',
      ],
      { env },
    );
    expect(created.stdout).toContain('Created superadmin ops@example.com');
    const missing = await run(
      process.execPath,
      ['bin/smsgate.mjs', 'admin', 'create', '--email', 'x@example.com'],
      { env },
    ).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('needs --email and --password');
    const badConfig = await run(process.execPath, ['bin/smsgate.mjs', 'migrate'], {
      env: { ...env, PORT: 'x', DATABASE_URL: 'mysql://nope' },
    }).catch((e) => e);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain('PORT');
    expect(badConfig.stderr).toContain('DATABASE_URL');

    const server = await startServerProcess({ DATA_DIR: dataDir, WORKERS: 'false' });
    try {
      expect(server.output()).toContain('smsgate is running at');
      const login = await fetch(`${server.url}/v1/admin/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ops@example.com', password: 'a-long-secret-2' }),
      });
      expect(login.status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('split deployment: an API process without workers and a `smsgate worker` process deliver together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-split-'));
    const env = { DATA_DIR: dir, SIMULATOR_DELIVERY_DELAY_MS: '100' };
    const api = await startServerProcess({ ...env, WORKERS: 'false' });
    const worker = startWorkerProcess(env);
    try {
      const signup = await fetch(`${api.url}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          company: 'Split',
          name: 'S',
          email: 'split@example.com',
          password: 'a-long-secret-1',
          acceptPolicy: true,
        }),
      });
      const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = ((await signup.json()) as { csrfToken: string }).csrfToken;
      await verifyMailedEmail(api, 'split@example.com');
      const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf };
      const sent = await fetch(`${api.url}/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ to: '+37121234567', text: 'split' }),
      });
      const id = ((await sent.json()) as { data: Array<{ id: string }> }).data[0]!.id;
      let status = '';
      for (let i = 0; i < 100 && status !== 'delivered'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = (
          (await (await fetch(`${api.url}/v1/messages/${id}`, { headers })).json()) as { status: string }
        ).status;
      }
      expect(status).toBe('delivered');
    } finally {
      await worker.stop();
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('`smsgate audit verify` checks every chain and finds a tampered row', async () => {
    const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const ok = await run(process.execPath, ['bin/smsgate.mjs', 'audit', 'verify'], { env });
    expect(ok.stdout).toContain('chains intact');
    const db = new Database(join(dataDir, 'smsgate.db'));
    db.prepare("UPDATE audit_events SET action = 'forged' WHERE chain = 'platform' AND seq = 1").run();
    db.close();
    const bad = await run(process.execPath, ['bin/smsgate.mjs', 'audit', 'verify', '--account', 'platform'], {
      env,
    }).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('BROKEN  platform: event #1');
  }, 60_000);

  it('limits requests per credential and answers 429 with Retry-After', async () => {
    const ts = await startTestSystem('sqlite', { RATE_LIMIT_MAX: '3' });
    try {
      const codes: number[] = [];
      let last: Awaited<ReturnType<typeof ts.app.inject>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await ts.app.inject({
          method: 'GET',
          url: '/v1/me',
          headers: { authorization: 'Bearer sg_live_x' },
        });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 429]);
      expect(last!.json().code).toBe('rate_limited');
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await ts.close();
    }
  });

  it('without SMTP, mails are written to DATA_DIR/mail', async () => {
    const dir = join(dataDir, 'mail');
    const mailer = createFileMailer({
      dir,
      clock: new FakeClock(),
      logger: createLogger({ level: 'silent' }),
      from: 'smsgate <no-reply@localhost>',
    });
    await mailer.send({ to: 'a@example.com', subject: 'Hello', text: 'Body' });
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(dir, files[0]!), 'utf8')).toBe(
      'From: smsgate <no-reply@localhost>\nTo: a@example.com\nSubject: Hello\n\nBody',
    );
  });
});
