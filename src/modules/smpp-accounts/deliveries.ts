/**
 * What the SMPP server owes its clients: delivery receipts of messages they submitted with
 * registered_delivery, and MO messages to their numbers. Both are queued as rows by an event sink, in the
 * transaction of the change (as webhooks are), and handed to the account's receiver binds until one
 * answers the deliver_sm with ESME_ROK: nothing is lost while no receiver is bound or the process restarts.
 */
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import { chunks } from '../../storage/chunk';
import type { Db, DbOrTx, Tx } from '../../storage/database';
import type { SmppDeliveriesTable } from '../../storage/schema-smpp';
import type { ClientEvent, ClientEventSink, SendResult } from '../messaging';
import { FINAL_STATUSES } from '../messaging';

/** One deliver_sm to send: addresses, text and (for a receipt) the receipted message and its state. */
export interface SmppDelivery {
  id: string;
  accountId: string;
  kind: 'receipt' | 'mo';
  attempts: number;
  sourceAddr: string;
  destAddr: string;
  text: string;
  receipt?: { messageId: string; state: number };
}

export interface SmppDeliveryDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
}

/** SMPP 3.4 §5.2.28 message_state and Appendix B `stat:` of each final status. */
const RECEIPT_STATES: Record<string, { stat: string; state: number }> = {
  delivered: { stat: 'DELIVRD', state: 2 },
  expired: { stat: 'EXPIRED', state: 3 },
  cancelled: { stat: 'DELETED', state: 4 },
  undelivered: { stat: 'UNDELIV', state: 5 },
  failed: { stat: 'UNDELIV', state: 5 },
  rejected: { stat: 'REJECTD', state: 8 },
};

/** SMPP 3.4 message_state of a message's status (§5.2.28): not final yet is ENROUTE (1). */
export function messageStateOf(status: string): number {
  return RECEIPT_STATES[status]?.state ?? 1;
}

/** YYMMDDhhmm in UTC, as the receipt's `submit date:` and `done date:`. */
export function receiptDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}

/** The SMPP 3.4 Appendix B receipt text (one part: `sub:001`; `dlvrd:001` only when delivered). */
export function receiptText(r: {
  messageId: string;
  status: string;
  submittedAt: number;
  doneAt: number;
  errorCode: string | null;
  textHead: string;
}): string {
  const { stat } = RECEIPT_STATES[r.status] ?? { stat: 'UNKNOWN' };
  const err = r.errorCode && /^\d{1,3}$/.test(r.errorCode) ? r.errorCode.padStart(3, '0') : '000';
  return `id:${r.messageId} sub:001 dlvrd:${r.status === 'delivered' ? '001' : '000'} submit date:${receiptDate(r.submittedAt)} done date:${receiptDate(r.doneAt)} stat:${stat} err:${err} text:${r.textHead}`;
}

interface StatusData {
  messageId: string;
  status: string;
  to: string;
  at: string;
  error?: { code: string; carrierCode?: string };
}

interface ReceivedData {
  from: string;
  to: string;
  text: string;
}

/** How much longer than undelivered deliver_sm rows a message's receipt bookkeeping is kept. */
const SUBMIT_EXTRA_MS = 40 * 24 * 3600_000;

/** How long before a deliver_sm that was not answered is offered again, by attempt (then the last). */
const RETRY_MS = [10_000, 30_000, 60_000, 300_000, 900_000];

export function createSmppDeliveries(deps: SmppDeliveryDeps) {
  const { db, clock, ids } = deps;

  function row(
    accountId: string,
    kind: 'receipt' | 'mo',
    body: Omit<SmppDelivery, 'id' | 'accountId' | 'kind' | 'attempts'>,
    now: number,
  ): SmppDeliveriesTable {
    return {
      id: ids('smd'),
      account_id: accountId,
      kind,
      body: JSON.stringify(body),
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    };
  }

  async function receipts(tx: DbOrTx, events: ClientEvent[], now: number): Promise<SmppDeliveriesTable[]> {
    const finals = events
      .filter((e) => e.type === 'message.status')
      .map((e) => e.data as StatusData)
      .filter((d) => FINAL_STATUSES.has(d.status as never) || d.status === 'rejected');
    if (finals.length === 0) return [];
    const out: SmppDeliveriesTable[] = [];
    for (const part of chunks(finals, 500)) {
      const submits = await tx
        .selectFrom('smpp_submits')
        .selectAll()
        .where(
          'message_id',
          'in',
          part.map((d) => d.messageId),
        )
        .execute();
      if (submits.length === 0) continue;
      const byId = new Map(submits.map((s) => [s.message_id, s]));
      for (const d of part) {
        const submit = byId.get(d.messageId);
        if (!submit) continue;
        const wanted = Number(submit.registered_delivery) & 0x03;
        if (wanted === 1 || (wanted === 2 && d.status !== 'delivered')) {
          out.push(
            row(
              submit.account_id,
              'receipt',
              {
                sourceAddr: d.to,
                destAddr: submit.source_addr,
                text: receiptText({
                  messageId: d.messageId,
                  status: d.status,
                  submittedAt: Number(submit.submitted_at),
                  doneAt: Date.parse(d.at) || now,
                  errorCode: d.error?.carrierCode ?? null,
                  textHead: submit.text_head,
                }),
                receipt: { messageId: d.messageId, state: RECEIPT_STATES[d.status]?.state ?? 7 },
              },
              now,
            ),
          );
        }
      }
      await tx
        .deleteFrom('smpp_submits')
        .where(
          'message_id',
          'in',
          submits.map((s) => s.message_id),
        )
        .execute();
    }
    return out;
  }

  async function replies(tx: DbOrTx, events: ClientEvent[], now: number): Promise<SmppDeliveriesTable[]> {
    const received = events.filter((e) => e.type === 'message.received');
    if (received.length === 0) return [];
    const accounts = [...new Set(received.map((e) => e.accountId))];
    const withSmpp = new Set<string>();
    for (const part of chunks(accounts, 500)) {
      const rows = await tx
        .selectFrom('smpp_credentials')
        .select('account_id')
        .distinct()
        .where('account_id', 'in', part)
        .execute();
      for (const r of rows) withSmpp.add(r.account_id);
    }
    return received
      .filter((e) => withSmpp.has(e.accountId))
      .map((e) => {
        const d = e.data as ReceivedData;
        return row(e.accountId, 'mo', { sourceAddr: d.from, destAddr: d.to, text: d.text }, now);
      });
  }

  const sink: ClientEventSink = {
    async publish(tx, events) {
      const now = clock.now();
      const rows = [...(await receipts(tx, events, now)), ...(await replies(tx, events, now))];
      for (const part of chunks(rows, 200)) await tx.insertInto('smpp_deliveries').values(part).execute();
    },
  };

  return {
    /** Queues receipts and MO messages for SMPP clients (register with the other client event sinks). */
    sink,

    /**
     * Remembers, in the accepting transaction, that messages submitted over SMPP with registered_delivery
     * owe a receipt (an opted-out recipient's message is rejected in that same transaction: it gets one too).
     */
    async recordSubmits(
      tx: Tx,
      result: SendResult,
      submit: { credentialId: string; accountId: string; registeredDelivery: number; sourceAddr: string },
    ): Promise<void> {
      if ((submit.registeredDelivery & 0x03) === 0) return;
      const now = clock.now();
      const rows = result.data.map((m) => ({
        message_id: m.id,
        account_id: submit.accountId,
        credential_id: submit.credentialId,
        registered_delivery: submit.registeredDelivery,
        source_addr: submit.sourceAddr,
        text_head: m.text.slice(0, 20),
        submitted_at: now,
      }));
      if (rows.length > 0) await tx.insertInto('smpp_submits').values(rows).execute();
    },

    /**
     * Takes up to `limit` deliveries due for these accounts and leases them for `leaseMs`: a delivery not
     * acknowledged by then is offered again (the client did not answer, or the process died).
     */
    async claim(accountIds: string[], limit: number, leaseMs: number): Promise<SmppDelivery[]> {
      if (accountIds.length === 0) return [];
      const now = clock.now();
      const rows = await db
        .selectFrom('smpp_deliveries')
        .selectAll()
        .where('account_id', 'in', accountIds)
        .where('next_attempt_at', '<=', now)
        .orderBy('created_at')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      // Only the rows this process moved are its own: another SMPP process may have leased some meanwhile.
      // One update per attempt count (each has its own back-off), not one per row.
      const byAttempts = new Map<number, string[]>();
      for (const r of rows) {
        const attempts = Number(r.attempts) + 1;
        byAttempts.set(attempts, [...(byAttempts.get(attempts) ?? []), r.id]);
      }
      const moved = new Set<string>();
      for (const [attempts, rowIds] of byAttempts) {
        const lease = Math.max(leaseMs, RETRY_MS[Math.min(attempts - 1, RETRY_MS.length - 1)]!);
        const updated = await db
          .updateTable('smpp_deliveries')
          .set({ attempts, next_attempt_at: now + lease })
          .where('id', 'in', rowIds)
          .where('next_attempt_at', '<=', now)
          .returning('id')
          .execute();
        for (const u of updated) moved.add(u.id);
      }
      const claimed: SmppDelivery[] = rows
        .filter((r) => moved.has(r.id))
        .map((r) => ({
          ...(JSON.parse(r.body) as Pick<SmppDelivery, 'sourceAddr' | 'destAddr' | 'text' | 'receipt'>),
          id: r.id,
          accountId: r.account_id,
          kind: r.kind,
          attempts: Number(r.attempts) + 1,
        }));
      return claimed;
    },

    /** Deliveries handed to a bind that closed before answering: due again now, for the next bind. */
    async release(deliveryIds: string[]): Promise<void> {
      if (deliveryIds.length === 0) return;
      await db
        .updateTable('smpp_deliveries')
        .set({ next_attempt_at: clock.now() })
        .where('id', 'in', deliveryIds)
        .execute();
    },

    /** The client answered ESME_ROK: the delivery is done. */
    async acknowledge(id: string): Promise<void> {
      await db.deleteFrom('smpp_deliveries').where('id', '=', id).execute();
    },

    /**
     * Retention: deliveries no client took by `cutoff` (no receiver bound for that long), and receipt
     * bookkeeping of messages that never ended, kept 40 days longer (the longest schedule and a margin).
     */
    async purge(cutoff: number, limit: number): Promise<number> {
      const old = await db
        .selectFrom('smpp_deliveries')
        .select('id')
        .where('created_at', '<', cutoff)
        .limit(limit)
        .execute();
      if (old.length > 0)
        await db
          .deleteFrom('smpp_deliveries')
          .where(
            'id',
            'in',
            old.map((r) => r.id),
          )
          .execute();
      const stale = await db
        .selectFrom('smpp_submits')
        .select('message_id')
        .where('submitted_at', '<', cutoff - SUBMIT_EXTRA_MS)
        .limit(limit)
        .execute();
      if (stale.length > 0)
        await db
          .deleteFrom('smpp_submits')
          .where(
            'message_id',
            'in',
            stale.map((r) => r.message_id),
          )
          .execute();
      return old.length + stale.length;
    },

    /** Deliveries still owed to an account (for its Developers page and tests). */
    async pending(accountId: string): Promise<number> {
      const r = await db
        .selectFrom('smpp_deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
}

export type SmppDeliveries = ReturnType<typeof createSmppDeliveries>;
