import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CarrierDeployment,
  duplicatesAt,
  postJson,
  startCarrierDeployment,
  waitFor,
} from '../helpers/carrier-deployment';

const BINDS = 2;
const WINDOW = 10;
const TOTAL = 2000;

describe('kill -9 in the middle of dispatching to an SMPP carrier', () => {
  let d: CarrierDeployment | null = null;
  afterAll(async () => {
    await d?.close();
  });

  it('re-sends at most what was in flight, takes its own jobs back at once, and ends with every message delivered and charged once', async () => {
    // A slowish carrier: 50 ms per submit_sm_resp, so a whole window is always in flight on each bind.
    d = await startCarrierDeployment({
      name: 'crashco',
      binds: BINDS,
      window: WINDOW,
      carrier: { responseDelayMs: 50, receiptDelayMs: 20, redeliverReceipts: true },
    });
    const { smsc, auth, dataDir } = d;
    let server = d.server;

    const accepted: string[] = [];
    for (let r = 0; r < TOTAL / 250; r++) {
      const to = Array.from({ length: 250 }, (_, i) => `+3712${String(1_000_000 + r * 250 + i)}`);
      const response = await postJson(`${server.url}/v1/messages`, auth, { to, text: 'crash' });
      expect(response.status).toBe(202);
      accepted.push(...((await response.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id));
    }

    await waitFor('carrier receiving', () => smsc.submitCount() >= 600, 60_000, 5);
    await server.kill9();
    const killedAt = Date.now();
    const beforeKill = smsc.submitCount();

    server = await d.restart();
    const restarted = Date.now();
    await waitFor('dispatch resuming', () => smsc.submitCount() > beforeKill, 90_000, 20);
    const resumedAfterMs = Date.now() - restarted;
    const resumedAfterKillMs = Date.now() - killedAt;

    const db = new Database(join(dataDir, 'smsgate.db'), { readonly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      await waitFor(
        'every message delivered',
        () => count("SELECT count(*) AS n FROM messages WHERE status = 'delivered'") === TOTAL,
        90_000,
        200,
      ).catch((error: Error) => {
        const statuses = db.prepare('SELECT status, count(*) AS n FROM messages GROUP BY status').all();
        const jobs = db.prepare('SELECT id, attempts, lease_until, lease_owner, run_at FROM jobs').all();
        const unapplied = count('SELECT count(*) AS n FROM delivery_reports WHERE applied_at IS NULL');
        const stuck = (
          db
            .prepare("SELECT to_number, carrier_ref FROM messages WHERE status = 'sent' LIMIT 5")
            .all() as Array<{
            to_number: string;
            carrier_ref: string;
          }>
        ).map((m) => ({
          m,
          submits: smsc.submits
            .filter((x) => `+${x.destinationAddr}` === m.to_number)
            .map((x) => ({ id: x.messageId, st: x.status, session: x.session })),
          reports: db
            .prepare('SELECT carrier_ref, applied_at FROM delivery_reports WHERE carrier_ref = ?')
            .all(m.carrier_ref),
        }));
        console.log(
          JSON.stringify(
            {
              stuck,
              reports: count('SELECT count(*) AS n FROM delivery_reports'),
              deliveries: smsc.deliveries.length,
              acked: smsc.deliveries.filter((d) => d.ackAt !== null).length,
            },
            null,
            1,
          ),
        );
        throw new Error(
          `${error.message}: ${JSON.stringify({ statuses, jobs, unapplied, submits: smsc.submitCount() })}\n${server.output()}`,
        );
      });
      const duplicates = duplicatesAt(smsc);
      expect.soft(resumedAfterMs, 'a restarted process takes its own jobs back at once').toBeLessThan(10_000);
      expect(duplicates, 'copies sent twice after the kill').toBeLessThanOrEqual(WINDOW * BINDS);
      const rows = db.prepare('SELECT id, price, charged FROM messages').all() as Array<{
        id: string;
        price: number;
        charged: number;
      }>;
      expect(rows).toHaveLength(TOTAL);
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(accepted));
      expect(rows.every((r) => r.charged === 1)).toBe(true);
      const expected = rows.reduce((sum, r) => sum + r.price, 0);
      expect(count("SELECT -sum(amount) AS n FROM credit_ledger WHERE kind = 'charge'")).toBe(expected);
      const balance = db.prepare('SELECT balance, reserved FROM account_balances').get();
      expect(balance).toEqual({ balance: 100000 * 1_000_000 - expected, reserved: 0 });
      expect(count("SELECT count(*) AS n FROM message_events WHERE status = 'sent'")).toBe(TOTAL);
      expect(count('SELECT count(*) AS n FROM jobs')).toBe(0);
      console.log(
        `dispatch crash: resumed ${resumedAfterMs} ms after the restart (${resumedAfterKillMs} ms after the kill), ${duplicates} duplicate(s) at the carrier`,
      );
    } finally {
      db.close();
    }
  }, 240_000);
});
