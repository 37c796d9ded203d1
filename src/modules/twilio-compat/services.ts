/**
 * Twilio Messaging Services (`MG…`): a named pool of the account's senders (its numbers and alphanumeric
 * sender IDs) with an optional status callback. A message sent with `MessagingServiceSid` and no `From`
 * takes a sender from the pool, sticky per recipient as Twilio's Sticky Sender: the same To keeps the
 * same From while that sender stays in the pool.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { TwilioServiceSendersTable, TwilioServicesTable } from '../../storage/schema-twilio';

/** Services one account may have: a pool is configuration, not data; a page of them is the whole list. */
export const MAX_SERVICES = 100;
/** Senders in one service's pool (Twilio's own default limit). */
export const MAX_POOL = 400;
/** A recipient's sticky sender is forgotten after this long without a message through the service. */
export const STICKY_TTL_MS = 30 * 24 * 3600_000;
/** A sticky pair still in use has its time moved on at most this often (not a write on every send). */
const STICKY_REFRESH_MS = 24 * 3600_000;

export type TwilioService = TwilioServicesTable;
export type TwilioServiceSender = TwilioServiceSendersTable;

/** The recipient as the sticky table knows them: a hash, so the table names no one. */
const recipientHash = (serviceId: string, to: string) =>
  createHash('sha256').update(`${serviceId}\n${to}`).digest('hex').slice(0, 32);

export function createTwilioServices(deps: { db: Db; clock: Clock; ids: IdGenerator }) {
  const { db, clock, ids } = deps;
  let lastSweep = Number.NEGATIVE_INFINITY;

  async function get(accountId: string, id: string): Promise<TwilioService | null> {
    const row = await db
      .selectFrom('twilio_services')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ?? null;
  }

  return {
    get,

    async list(accountId: string): Promise<TwilioService[]> {
      return db
        .selectFrom('twilio_services')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id')
        .limit(MAX_SERVICES)
        .execute();
    },

    /** A new service; null when the account already has MAX_SERVICES. */
    async create(
      accountId: string,
      input: { friendlyName: string; statusCallback: string | null },
    ): Promise<TwilioService | null> {
      const now = clock.now();
      const row: TwilioService = {
        id: ids('mgs'),
        account_id: accountId,
        friendly_name: input.friendlyName,
        status_callback: input.statusCallback,
        created_at: now,
        updated_at: now,
      };
      return db.transaction().execute(async (tx) => {
        const { n } = await tx
          .selectFrom('twilio_services')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', accountId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= MAX_SERVICES) return null;
        await tx.insertInto('twilio_services').values(row).execute();
        return row;
      });
    },

    async update(
      accountId: string,
      id: string,
      input: { friendlyName?: string | undefined; statusCallback?: string | null | undefined },
    ): Promise<TwilioService | null> {
      await db
        .updateTable('twilio_services')
        .set({
          ...(input.friendlyName !== undefined ? { friendly_name: input.friendlyName } : {}),
          ...(input.statusCallback !== undefined ? { status_callback: input.statusCallback } : {}),
          updated_at: clock.now(),
        })
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .execute();
      return get(accountId, id);
    },

    /** Removes a service with its pool and sticky senders; false when it is not the account's. */
    async remove(accountId: string, id: string): Promise<boolean> {
      return db.transaction().execute(async (tx) => {
        const removed = await tx
          .deleteFrom('twilio_services')
          .where('id', '=', id)
          .where('account_id', '=', accountId)
          .executeTakeFirst();
        if (Number(removed.numDeletedRows) === 0) return false;
        await tx.deleteFrom('twilio_service_senders').where('service_id', '=', id).execute();
        await tx.deleteFrom('twilio_sticky_senders').where('service_id', '=', id).execute();
        return true;
      });
    },

    async senders(serviceId: string, kind: TwilioServiceSender['kind']): Promise<TwilioServiceSender[]> {
      return db
        .selectFrom('twilio_service_senders')
        .selectAll()
        .where('service_id', '=', serviceId)
        .where('kind', '=', kind)
        .orderBy('created_at')
        .orderBy('sender')
        .limit(MAX_POOL)
        .execute();
    },

    /**
     * Adds a sender to the pool (the caller checked it is the account's); an existing one is answered as
     * it is. `full` when the pool has MAX_POOL senders; `taken` when the number is in another service of
     * the account (a number belongs to one service at a time, as with Twilio).
     */
    async addSender(
      accountId: string,
      serviceId: string,
      sender: { sender: string; kind: 'phone'; ref: string } | { sender: string; kind: 'alpha' },
    ): Promise<TwilioServiceSender | 'full' | 'taken'> {
      return db.transaction().execute(async (tx) => {
        if (sender.kind === 'phone') {
          const elsewhere = await tx
            .selectFrom('twilio_service_senders as s')
            .innerJoin('twilio_services as t', 't.id', 's.service_id')
            .select('s.service_id')
            .where('t.account_id', '=', accountId)
            .where('s.ref', '=', sender.ref)
            .where('s.service_id', '!=', serviceId)
            .executeTakeFirst();
          if (elsewhere) return 'taken';
        }
        const existing = await tx
          .selectFrom('twilio_service_senders')
          .selectAll()
          .where('service_id', '=', serviceId)
          .where('sender', '=', sender.sender)
          .executeTakeFirst();
        if (existing) return existing;
        const { n } = await tx
          .selectFrom('twilio_service_senders')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('service_id', '=', serviceId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= MAX_POOL) return 'full';
        const row: TwilioServiceSender = {
          service_id: serviceId,
          sender: sender.sender,
          kind: sender.kind,
          // An alphanumeric sender has no id of its own: its pool entry gets one (its `AI…` SID).
          ref: sender.kind === 'phone' ? sender.ref : ids('als'),
          created_at: clock.now(),
        };
        await tx.insertInto('twilio_service_senders').values(row).execute();
        return row;
      });
    },

    /** Takes a sender out of the pool; its sticky recipients move to another on their next message. */
    async removeSender(serviceId: string, ref: string): Promise<boolean> {
      const removed = await db
        .deleteFrom('twilio_service_senders')
        .where('service_id', '=', serviceId)
        .where('ref', '=', ref)
        .executeTakeFirst();
      return Number(removed.numDeletedRows) > 0;
    },

    /**
     * The sender for a message to `to`: the one this recipient had, while it is still in the pool;
     * otherwise one picked by the recipient's hash (spreading recipients over the pool), remembered.
     * Null when the pool is empty.
     */
    async pick(serviceId: string, to: string): Promise<string | null> {
      const pool = await db
        .selectFrom('twilio_service_senders')
        .select('sender')
        .where('service_id', '=', serviceId)
        .orderBy('sender')
        .limit(MAX_POOL)
        .execute();
      if (pool.length === 0) return null;
      const toHash = recipientHash(serviceId, to);
      const now = clock.now();
      const sticky = await db
        .selectFrom('twilio_sticky_senders')
        .select(['sender', 'updated_at'])
        .where('service_id', '=', serviceId)
        .where('to_hash', '=', toHash)
        .executeTakeFirst();
      const kept = sticky && pool.some((p) => p.sender === sticky.sender) ? sticky.sender : null;
      if (kept !== null && now - Number(sticky!.updated_at) < STICKY_REFRESH_MS) return kept;
      const sender = kept ?? pool[Number.parseInt(toHash.slice(0, 8), 16) % pool.length]!.sender;
      await db
        .insertInto('twilio_sticky_senders')
        .values({ service_id: serviceId, to_hash: toHash, sender, updated_at: now })
        .onConflict((oc) => oc.columns(['service_id', 'to_hash']).doUpdateSet({ sender, updated_at: now }))
        .execute();
      return sender;
    },

    /**
     * Forgets sticky senders unused for STICKY_TTL_MS (at most once a minute, whatever the caller's pace):
     * a recipient who gets nothing more through a service leaves no trace of it there.
     */
    async sweep(): Promise<number> {
      const now = clock.now();
      if (now - lastSweep < 60_000) return 0;
      lastSweep = now;
      const gone = await db
        .deleteFrom('twilio_sticky_senders')
        .where('updated_at', '<', now - STICKY_TTL_MS)
        .executeTakeFirst();
      return Number(gone.numDeletedRows);
    },

    /** Remembers the service a message went through (its `messaging_service_sid`). */
    async recordMessage(messageId: string, serviceId: string): Promise<void> {
      await db
        .insertInto('twilio_message_services')
        .values({ message_id: messageId, service_id: serviceId })
        .execute();
    },

    /** The services of these messages, by message id (absent: none). */
    async servicesOf(messageIds: string[]): Promise<Map<string, string>> {
      if (messageIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('twilio_message_services')
        .select(['message_id', 'service_id'])
        .where('message_id', 'in', messageIds.slice(0, 1000))
        .execute();
      return new Map(rows.map((r) => [r.message_id, r.service_id]));
    },
  };
}

export type TwilioServices = ReturnType<typeof createTwilioServices>;
