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
const CLIENTS = 16;

/**
 * SIGTERM while clients send one message per request and the carrier holds a full window on each bind:
 * the server stops taking requests, finishes those it took, waits for the carrier's answers to what is in
 * flight, unbinds and exits 0. After a restart every message it answered 202 is delivered, none twice.
 */
describe('SIGTERM under load with an SMPP carrier', () => {
  let d: CarrierDeployment | null = null;
  afterAll(async () => {
    await d?.close();
  });

  it('drains, unbinds, exits 0, and loses or repeats nothing it accepted', async () => {
    d = await startCarrierDeployment({
      name: 'drainco',
      binds: BINDS,
      window: WINDOW,
      carrier: { responseDelayMs: 40, receiptDelayMs: 20 },
    });
    const { smsc, auth, dataDir } = d;
    const server = d.server;
    await waitFor('binds up', () => smsc.boundSessions() >= BINDS, 20_000);

    const accepted: string[] = [];
    let refused = 0;
    let sending = true;
    let next = 0;
    const url = server.url;
    const client = async () => {
      while (sending) {
        const to = `+3712${String(2_000_000 + next++)}`;
        try {
          const r = await postJson(`${url}/v1/messages`, auth, { to, text: 'drain' });
          if (r.status === 202)
            accepted.push(((await r.json()) as { data: Array<{ id: string }> }).data[0]!.id);
          else refused++;
        } catch {
          refused++; // the listener closed: refused, never half-accepted
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await waitFor('carrier receiving', () => smsc.submitCount() >= 150, 60_000, 5);

    const exited = new Promise<number | null>((resolve) =>
      server.child.once('exit', (code) => resolve(code)),
    );
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const code = await exited;
    const stoppedMs = Date.now() - signalledAt;
    sending = false;
    await Promise.all(clients);
    expect(code, server.output()).toBe(0);
    expect(stoppedMs).toBeLessThan(15_000);
    const unbinds = smsc.received.filter((p) => p.command === 'unbind');
    expect(unbinds.length, 'each bind closed with unbind').toBeGreaterThanOrEqual(BINDS);
    const submittedBeforeStop = smsc.submitCount();

    await d.restart();
    const db = new Database(join(dataDir, 'smsgate.db'), { readonly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      await waitFor(
        'every accepted message delivered',
        () => count("SELECT count(*) AS n FROM messages WHERE status = 'delivered'") === accepted.length,
        60_000,
        200,
      );
      const ids = (db.prepare('SELECT id FROM messages').all() as Array<{ id: string }>).map((r) => r.id);
      expect(new Set(ids)).toEqual(new Set(accepted));
      expect(count("SELECT count(*) AS n FROM messages WHERE status IN ('queued', 'sending', 'sent')")).toBe(
        0,
      );
      expect(duplicatesAt(smsc), 'copies the carrier received twice').toBe(0);
      expect(smsc.submitCount()).toBe(accepted.length);
      console.log(
        `graceful stop: ${accepted.length} accepted (${refused} refused while stopping), ${submittedBeforeStop} at the carrier before the stop, exited in ${stoppedMs} ms`,
      );
    } finally {
      db.close();
    }
  }, 180_000);
});
