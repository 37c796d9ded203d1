import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, verifyMailedEmail } from '../helpers/server-process';

const run = promisify(execFile);

/** `smsgate <args>` with DATA_DIR set; its exit code and output, whatever the code. */
async function smsgate(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/smsgate.mjs', ...args], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const count = (file: string, sql: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return Number((db.prepare(sql).get() as { n: number }).n);
  } finally {
    db.close();
  }
};

describe('backup and restore (SQLite)', () => {
  const root = mkdtempSync(join(tmpdir(), 'smsgate-backup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a backup taken while sends are being written restores into a database whose audit chains verify', async () => {
    const dataDir = join(root, 'live');
    const server = await startServerProcess({ DATA_DIR: dataDir, FREE_CREDITS: '1000' });
    try {
      const signup = await fetch(`${server.url}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          company: 'Backup',
          name: 'B',
          email: 'backup@example.com',
          password: 'a-long-secret-1',
          acceptPolicy: true,
        }),
      });
      const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = String(((await signup.json()) as { csrfToken: string }).csrfToken);
      await verifyMailedEmail(server, 'backup@example.com');
      const key = await fetch(`${server.url}/v1/api-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
        body: JSON.stringify({ name: 'k' }),
      });
      const auth = {
        authorization: `Bearer ${((await key.json()) as { key: string }).key}`,
        'content-type': 'application/json',
      };

      // Sends keep coming (each one a message, a ledger row and audit events) while the backup runs.
      let sending = true;
      let accepted = 0;
      const load = (async () => {
        for (let i = 0; sending; i++) {
          const r = await fetch(`${server.url}/v1/messages`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ to: `+3712${String(1_000_000 + i)}`, text: 'during the backup' }),
          });
          expect(r.status).toBe(202);
          accepted++;
        }
      })();
      while (accepted < 20) await new Promise((resolve) => setTimeout(resolve, 20));
      const out = join(root, 'taken-live.db');
      const backup = await smsgate(dataDir, 'backup', '--out', out);
      sending = false;
      await load;
      expect(backup.code, backup.out).toBe(0);
      expect(backup.out).toContain('integrity ok');

      // The live database is open: restoring over it is refused, and it is left as it was.
      const refused = await smsgate(dataDir, 'restore', out);
      expect(refused.code, refused.out).toBe(1);
      expect(refused.out).toMatch(/-wal is there/);

      // A second backup to the same name is refused: an existing file is never overwritten.
      expect((await smsgate(dataDir, 'backup', '--out', out)).code).toBe(1);

      const restoredDir = join(root, 'restored');
      const restored = await smsgate(restoredDir, 'restore', out);
      expect(restored.code, restored.out).toBe(0);
      expect(restored.out).toMatch(/All \d+ chains intact/);
      const inBackup = count(join(restoredDir, 'smsgate.db'), 'SELECT count(*) AS n FROM messages');
      expect(inBackup).toBeGreaterThanOrEqual(20);
      expect(inBackup).toBeLessThanOrEqual(accepted);
      // Every message in the copy was charged in the copy: a consistent snapshot, not a torn one.
      expect(
        count(
          join(restoredDir, 'smsgate.db'),
          "SELECT count(*) AS n FROM credit_ledger WHERE kind IN ('charge', 'reserve')",
        ),
      ).toBeGreaterThan(0);
      expect((await smsgate(restoredDir, 'migrate', '--dry-run')).out).toContain('up to date');
    } finally {
      await server.stop();
    }

    // Restoring over a stopped server's database needs --force, and keeps the one it replaced.
    const again = await smsgate(dataDir, 'restore', join(root, 'taken-live.db'), '--force');
    expect(again.code, again.out).toBe(0);
    const kept = /kept as (\S+)\)/.exec(again.out)?.[1];
    expect(kept && existsSync(kept)).toBe(true);
  }, 120_000);

  it('refuses a file that is not a database, and says what PostgreSQL users run instead', async () => {
    const dataDir = join(root, 'other');
    const junk = join(root, 'junk.db');
    await import('node:fs').then((fs) => fs.writeFileSync(junk, 'not a database at all'));
    const bad = await smsgate(dataDir, 'restore', junk);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/integrity check/);
    expect(existsSync(join(dataDir, 'smsgate.db'))).toBe(false);

    const { stdout } = await run(process.execPath, ['bin/smsgate.mjs', 'backup', '--out', 'x.dump'], {
      env: { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused', LOG_LEVEL: 'warn' },
    }).catch((e: { stdout: string; stderr: string }) => ({ stdout: e.stdout + e.stderr }));
    expect(stdout).toContain('pg_dump --format=custom --file=x.dump');
  });
});
