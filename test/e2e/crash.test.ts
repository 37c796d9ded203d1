import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, verifyMailedEmail } from '../helpers/server-process';

const json = async (r: Response) =>
  (await r.json()) as Record<string, unknown> & { data: Array<{ id: string; price: number }> };

describe('kill -9 between accept and delivery', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses nothing: after a restart every accepted message reaches a final status and is charged once', async () => {
    const env = { DATA_DIR: dataDir, SIMULATOR_DELIVERY_DELAY_MS: '300', FREE_CREDITS: '1000' };
    let server = await startServerProcess(env);
    const signup = await fetch(`${server.url}/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        company: 'Crash',
        name: 'C',
        email: 'crash@example.com',
        password: 'a-long-secret-1',
        acceptPolicy: true,
      }),
    });
    const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = String(((await signup.json()) as { csrfToken: string }).csrfToken);
    await verifyMailedEmail(server, 'crash@example.com');
    const keyResponse = await fetch(`${server.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ name: 'k' }),
    });
    const auth = {
      authorization: `Bearer ${((await keyResponse.json()) as { key: string }).key}`,
      'content-type': 'application/json',
    };

    // Bulk and single sends in flight together; kill the server as soon as the last answer is in.
    const accepted: Array<{ id: string; price: number }> = [];
    const requests = [
      ...Array.from({ length: 4 }, (_, r) => ({
        to: Array.from({ length: 250 }, (_, i) => `+3712${String(1_000_000 + r * 250 + i)}`),
        text: 'bulk',
      })),
      ...Array.from({ length: 40 }, (_, i) => ({ to: `+3712${String(2_000_000 + i)}`, text: 'single' })),
    ];
    await Promise.all(
      requests.map(async (body) => {
        const r = await fetch(`${server.url}/v1/messages`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify(body),
        });
        expect(r.status).toBe(202);
        accepted.push(...(await json(r)).data);
      }),
    );
    await server.kill9();
    expect(accepted).toHaveLength(1040);

    server = await startServerProcess(env);
    const db = new Database(join(dataDir, 'smsgate.db'), { readonly: true });
    try {
      const deadline = Date.now() + 60_000;
      let final = 0;
      while (Date.now() < deadline) {
        final = (
          db
            .prepare(
              "SELECT count(*) AS n FROM messages WHERE status IN ('delivered','undelivered','expired','failed','rejected')",
            )
            .get() as { n: number }
        ).n;
        if (final === accepted.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(final).toBe(accepted.length);
      const ids = new Set(accepted.map((m) => m.id));
      const rows = db.prepare('SELECT id, status, price, charged FROM messages').all() as Array<{
        id: string;
        status: string;
        price: number;
        charged: number;
      }>;
      expect(rows).toHaveLength(ids.size);
      expect(rows.every((r) => ids.has(r.id) && r.status === 'delivered' && r.charged === 1)).toBe(true);
      const expected = rows.reduce((sum, r) => sum + r.price, 0);
      const charged = db
        .prepare("SELECT -sum(amount) AS n FROM credit_ledger WHERE kind = 'charge'")
        .get() as { n: number };
      expect(charged.n).toBe(expected);
      const balance = db.prepare('SELECT balance, reserved FROM account_balances').get() as {
        balance: number;
        reserved: number;
      };
      expect(balance).toEqual({ balance: 1000 * 1_000_000 - expected, reserved: 0 });
      const events = db
        .prepare("SELECT count(*) AS n FROM message_events WHERE status = 'delivered'")
        .get() as { n: number };
      expect(events.n).toBe(accepted.length);
    } finally {
      db.close();
      await server.stop();
    }
  }, 120_000);
});
