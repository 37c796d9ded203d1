import { createHash } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { DbOrTx } from '../../storage/database';
import type { CommitGroup, GroupSink } from '../../storage/group-commit';
import { prepared, slot } from '../../storage/prepared';
import type { AuditEventsTable } from '../../storage/schema';

/** Who did something: a client user, an API key, an operator staff member, or the system itself. */
export interface AuditActor {
  type: AuditEventsTable['actor_type'];
  id: string | null;
  ip?: string | null;
}

export interface AuditEventInput {
  accountId: string | null;
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string };
  data?: Record<string, unknown>;
}

export interface AuditEvent {
  id: string;
  accountId: string | null;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  data: Record<string, unknown> | null;
  at: string;
}

/** The fields of an audit row as the API shows them, except `data` (parsed for reading, raw for exports). */
export function auditEventFields(r: AuditEventsTable): Omit<AuditEvent, 'data'> {
  return {
    id: r.id,
    accountId: r.account_id,
    actorType: r.actor_type,
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    ip: r.ip,
    at: new Date(Number(r.at)).toISOString(),
  };
}

const GENESIS = '0'.repeat(64);

/** The chain an event belongs to: one per account, one for the platform's own events. */
export function chainOf(accountId: string | null): string {
  return accountId ?? 'platform';
}

/** The account of every chain written so far, in chain order: null for the platform's own chain. */
export async function chainAccounts(db: DbOrTx): Promise<Array<string | null>> {
  const rows = await db.selectFrom('audit_chain_heads').select('chain').orderBy('chain').execute();
  return rows.map((r) => (r.chain === 'platform' ? null : r.chain));
}

/**
 * Hash of one event over its fields and the previous event's hash: changing, removing or reordering
 * any event breaks every hash after it.
 */
export function hashEvent(prevHash: string, row: Omit<AuditEventsTable, 'hash'>): string {
  const canonical = JSON.stringify([
    row.id,
    row.chain,
    row.seq,
    row.account_id,
    row.actor_type,
    row.actor_id,
    row.action,
    row.target_type,
    row.target_id,
    row.ip,
    row.data,
    row.at,
  ]);
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}

export interface AuditLog {
  /**
   * Appends an event; call it inside the transaction of the change it records. Inside a group commit,
   * pass its `group`: the chain's head is then written once for the whole group, at its end.
   */
  record(tx: DbOrTx, event: AuditEventInput, group?: CommitGroup): Promise<void>;
  /** Events newest first; `accountId` undefined lists every chain, null the platform's own. */
  list(
    db: DbOrTx,
    filter: { accountId?: string | null | undefined; limit: number; cursor?: string | undefined },
  ): Promise<AuditEvent[]>;
  /** Re-computes a chain; returns the first broken sequence number, or null when intact. */
  verify(db: DbOrTx, accountId: string | null): Promise<{ events: number; brokenAt: number | null }>;
}

// Every audited change runs these three: compiled once.
const advanceHead = prepared<{ chain: string }, { seq: number; hash: string }>((db) =>
  db
    .updateTable('audit_chain_heads')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('chain', '=', slot<string>('chain'))
    .returning(['seq', 'hash']),
);
const EVENT_COLUMNS = [
  'id',
  'chain',
  'seq',
  'account_id',
  'actor_type',
  'actor_id',
  'action',
  'target_type',
  'target_id',
  'ip',
  'data',
  'at',
  'prev_hash',
  'hash',
] as const satisfies ReadonlyArray<keyof AuditEventsTable>;
const insertEvent = prepared<AuditEventsTable>((db) =>
  db
    .insertInto('audit_events')
    .values(Object.fromEntries(EVENT_COLUMNS.map((c) => [c, slot(c)])) as unknown as AuditEventsTable),
);
const setHeadHash = prepared<{ chain: string; hash: string }>((db) =>
  db
    .updateTable('audit_chain_heads')
    .set({ hash: slot<string>('hash') })
    .where('chain', '=', slot<string>('chain')),
);
const setHead = prepared<{ chain: string; seq: number; hash: string }>((db) =>
  db
    .updateTable('audit_chain_heads')
    .set({ seq: slot<number>('seq'), hash: slot<string>('hash') })
    .where('chain', '=', slot<string>('chain')),
);

/**
 * The heads a transaction has already advanced, by chain. Its first event of a chain locks the head row
 * (UPDATE … RETURNING); from then on no other transaction can move that head until this one ends, so
 * the next events of the chain in the same transaction (a group commit of many sends of one account)
 * take their sequence and previous hash from here and write the head once each, instead of reading it
 * again. Keyed by the transaction object: it dies with it, committed or rolled back.
 */
const heldHeads = new WeakMap<object, Map<string, { seq: number; hash: string }>>();

/**
 * The heads a group commit's units advanced, written once per chain at the end of the group: its last
 * event's sequence and hash, as held for the transaction (a hundred sends of one account, one UPDATE).
 */
const headsAtGroupEnd: GroupSink<string> = {
  async flush(tx, chains) {
    const held = heldHeads.get(tx);
    for (const chain of new Set(chains)) {
      const head = held?.get(chain);
      if (head) await setHead(tx, { chain, seq: head.seq, hash: head.hash });
    }
  },
};

export function createAuditLog(deps: { clock: Clock; ids: IdGenerator }): AuditLog {
  return {
    async record(tx, event, group) {
      const chain = chainOf(event.accountId);
      let held = tx.isTransaction ? heldHeads.get(tx) : undefined;
      const previous = held?.get(chain);
      // The head row is the lock that orders concurrent writers of one chain (row lock on PostgreSQL,
      // the single writer on SQLite); a transaction holding it already knows where the chain stands.
      let head: { seq: number; hash: string } | undefined = previous
        ? { seq: previous.seq + 1, hash: previous.hash }
        : (await advanceHead(tx, { chain })).rows[0];
      if (!head) {
        await tx
          .insertInto('audit_chain_heads')
          .values({ chain, seq: 1, hash: GENESIS })
          .onConflict((oc) =>
            oc.column('chain').doUpdateSet((eb) => ({ seq: eb('audit_chain_heads.seq', '+', 1) })),
          )
          .execute();
        head = await tx
          .selectFrom('audit_chain_heads')
          .select(['seq', 'hash'])
          .where('chain', '=', chain)
          .executeTakeFirstOrThrow();
      }
      const row = {
        id: deps.ids('aud'),
        chain,
        seq: Number(head.seq),
        account_id: event.accountId,
        actor_type: event.actor.type,
        actor_id: event.actor.id,
        action: event.action,
        target_type: event.target?.type ?? null,
        target_id: event.target?.id ?? null,
        ip: event.actor.ip ?? null,
        data: event.data ? JSON.stringify(event.data) : null,
        at: deps.clock.now(),
        prev_hash: head.hash,
        hash: '',
      };
      row.hash = hashEvent(head.hash, row);
      await insertEvent(tx, row);
      if (group && tx.isTransaction) group.collect(headsAtGroupEnd, [chain]);
      else if (previous) await setHead(tx, { chain, seq: row.seq, hash: row.hash });
      else await setHeadHash(tx, { chain, hash: row.hash });
      if (tx.isTransaction) {
        if (!held) {
          held = new Map();
          heldHeads.set(tx, held);
        }
        held.set(chain, { seq: row.seq, hash: row.hash });
      }
    },

    async list(db, filter) {
      let q = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(filter.limit);
      if (filter.accountId === null) q = q.where('account_id', 'is', null);
      else if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
      if (filter.cursor) q = q.where('id', '<', filter.cursor);
      const rows = await q.execute();
      return rows.map((r) =>
        Object.assign(auditEventFields(r), {
          data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null,
        }),
      );
    },

    async verify(db, accountId) {
      const chain = chainOf(accountId);
      // Retention purges the oldest events; the chain then starts after the anchor it left behind.
      const anchor = await db
        .selectFrom('audit_chain_anchors')
        .select(['seq', 'hash'])
        .where('chain', '=', chain)
        .executeTakeFirst();
      let prev = anchor?.hash ?? GENESIS;
      let expectedSeq = anchor ? Number(anchor.seq) + 1 : 1;
      let count = 0;
      let lastSeq = anchor ? Number(anchor.seq) : 0;
      // Stream in pages so a long chain never sits in memory whole.
      for (;;) {
        const rows = await db
          .selectFrom('audit_events')
          .selectAll()
          .where('chain', '=', chain)
          .where('seq', '>', lastSeq)
          .orderBy('seq')
          .limit(1000)
          .execute();
        if (rows.length === 0) break;
        for (const row of rows) {
          const { hash } = row;
          const seq = Number(row.seq);
          const normalised = Object.assign({}, row, { seq, at: Number(row.at) });
          if (seq !== expectedSeq || row.prev_hash !== prev || hashEvent(prev, normalised) !== hash) {
            return { events: count, brokenAt: seq };
          }
          prev = hash;
          expectedSeq++;
          count++;
          lastSeq = seq;
        }
      }
      return { events: count, brokenAt: null };
    },
  };
}
