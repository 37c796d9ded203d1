import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
import { migrationProvider } from '../../src/storage/migrations';
import { DIALECTS, openTestStorage } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';

/** Runs the workers in real time (real TCP to the SMSC), moving the fake clock along, until `done`. */
async function until(ts: TestSystem, done: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    ts.clock.advance(100);
    await ts.system.workOnce();
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached in time');
}

describe.each(DIALECTS)('normalised failure codes on %s', (dialect) => {
  let ts: TestSystem;
  let smsc: SmscSimulator;
  let client: Session;

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    const op = await staffSession(ts, 'operator');
    client = await signup(ts.app);
    // Deliveries to it fail; what counts here is the body each one was queued with.
    const hook = await ts.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: client.headers,
      payload: { url: 'http://127.0.0.1:9/hook', events: ['message.status'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    // The SMSC answers by the destination's last two digits: a given command_status, or an UNDELIV receipt.
    const statuses: Record<string, number> = { '11': 0x0a, '22': 0x66, '33': 0x401, '55': 0x0b };
    smsc = await startSmscSimulator({
      systemId: 'acme',
      password: 'secret1',
      receiptDelayMs: 10,
      failWith: (s) => statuses[s.destinationAddr.slice(-2)] ?? null,
      receiptStat: (s) => (s.destinationAddr.endsWith('44') ? 'UNDELIV' : 'DELIVRD'),
    });
    const route = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/routes',
      headers: op.headers,
      payload: {
        name: 'carrier',
        type: 'smpp',
        config: { host: '127.0.0.1', port: smsc.port, systemId: 'acme', password: 'secret1' },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
  });
  afterAll(async () => {
    await smsc?.stop();
    await ts?.close();
  });

  const message = async (id: string) =>
    (await ts.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: client.headers })).json();

  it('an SMPP refusal or receipt ends as the normalised code, the command_status or err value beside it', async () => {
    const cases = [
      { to: '+37121234511', status: 'failed', code: 'invalid_sender', carrierCode: 'ESME_RINVSRCADR' },
      { to: '+37121234522', status: 'failed', code: 'rejected_by_carrier', carrierCode: 'ESME_RX_R_APPN' },
      { to: '+37121234533', status: 'failed', code: 'rejected_by_carrier', carrierCode: 'SMPP_0x00000401' },
      { to: '+37121234555', status: 'failed', code: 'invalid_destination', carrierCode: 'ESME_RINVDSTADR' },
      { to: '+37121234544', status: 'undelivered', code: 'undelivered', carrierCode: '001' },
    ];
    const sent = await ts.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: client.headers,
      payload: { messages: cases.map((c) => ({ to: c.to, text: 'Your code is 1234' })) },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const ids = (sent.json().data as Array<{ id: string }>).map((m) => m.id);
    await until(ts, async () => {
      const all = await Promise.all(ids.map(message));
      return all.every((m) => ['failed', 'undelivered'].includes(m.status));
    });
    for (const [i, c] of cases.entries()) {
      const m = await message(ids[i]!);
      expect(m, c.to).toMatchObject({
        status: c.status,
        error: { code: c.code, carrierCode: c.carrierCode },
      });
    }
    // Permanent refusals were tried once; each reached the SMSC once.
    expect(smsc.submits.filter((s) => s.destinationAddr.endsWith('11'))).toHaveLength(1);
    // The row keeps both, in their own columns.
    const row = await ts.system.storage.db
      .selectFrom('messages')
      .select(['error_code', 'carrier_error_code'])
      .where('id', '=', ids[0]!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ error_code: 'invalid_sender', carrier_error_code: 'ESME_RINVSRCADR' });
    // The message.status webhooks carry the same pair.
    const bodies = (await ts.system.storage.db.selectFrom('webhook_deliveries').select('body').execute()).map(
      (d) => JSON.parse(d.body) as { data: { messageId: string; error?: object } },
    );
    for (const [i, c] of cases.entries())
      expect(bodies.find((b) => b.data.messageId === ids[i] && b.data.error)?.data.error, c.to).toMatchObject(
        {
          code: c.code,
          carrierCode: c.carrierCode,
        },
      );
  });
});

describe.each(DIALECTS)('migration 0025 on %s', (dialect) => {
  it('rewrites the old route_* and carrier_* codes of existing messages into the code and carrier code', async () => {
    const test = await openTestStorage(dialect, { migrate: false });
    try {
      const db = test.storage.db;
      const migrator = new Migrator({
        db,
        provider: migrationProvider,
        ...(test.pgSchema ? { migrationTableSchema: test.pgSchema } : {}),
      });
      const before = await migrator.migrateTo('0023_route_tests');
      expect(before.error).toBeUndefined();
      const old: Array<[string, string, string | null]> = [
        ['failed', 'route_ESME_RINVDSTADR', null],
        ['failed', 'route_invalid_destination', null],
        ['failed', 'route_ESME_RX_P_APPN', null],
        ['failed', 'route_SMPP_0x00000401', null],
        ['failed', 'route_SEGMENT_MISMATCH', null],
        ['failed', 'route_unavailable', null],
        ['undelivered', 'carrier_001', null],
        ['undelivered', 'carrier_undelivered', null],
        ['rejected', 'carrier_rejected', null],
        ['expired', 'carrier_EXPIRED', null],
        ['expired', 'receipt_timeout', null],
        ['rejected', 'recipient_opted_out', null],
      ];
      await db
        .insertInto('messages')
        .values(
          old.map(([status, code], i) => ({
            id: `msg_old${i}`,
            account_id: 'acc_old',
            to_number: '+37120000000',
            sender: 'Shop',
            text: 'x',
            type: 'transactional',
            status,
            encoding: 'GSM-7',
            segments: 1,
            price: 0,
            error_code: code,
            error_detail: 'old',
            created_at: 1,
            updated_at: 1,
          })) as never,
        )
        .execute();
      await test.storage.migrate();
      const rows = await db
        .selectFrom('messages')
        .select(['id', 'error_code', 'carrier_error_code'])
        .orderBy('created_at')
        .execute();
      const byId = new Map(rows.map((r) => [r.id, [r.error_code, r.carrier_error_code]]));
      expect(old.map((_, i) => byId.get(`msg_old${i}`))).toEqual([
        ['invalid_destination', 'ESME_RINVDSTADR'],
        ['invalid_destination', null],
        ['rejected_by_carrier', 'ESME_RX_P_APPN'],
        ['rejected_by_carrier', 'SMPP_0x00000401'],
        ['invalid_message', null],
        ['route_unavailable', null],
        ['undelivered', '001'],
        ['undelivered', null],
        ['rejected_by_carrier', null],
        ['expired', 'EXPIRED'],
        ['receipt_timeout', null],
        ['recipient_opted_out', null],
      ]);
    } finally {
      await test.dispose();
    }
  });
});
