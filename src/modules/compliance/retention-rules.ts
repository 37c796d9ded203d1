import { sql } from 'kysely';
import type { Db, DbOrTx } from '../../storage/database';
import { removeInboundOfClosedAccounts } from '../inbound';
import type { MessageDeletion } from '../messaging';
import type { RetentionRule } from './retention';

/** The promised maximums, in days (README "Privacy and retention"). */
export const PROMISES = {
  deletedContacts: 60,
  deletedMessagesErased: 60,
  deletedMessagesRemoved: 120,
  closedAccountContacts: 60,
  closedAccountMessages: 120,
  activityLogs: 30,
  auditEvents: 730,
  closedPrivacyRequests: 730,
  importOriginals: 60,
  attachments: 60,
} as const;

async function deleteContacts(tx: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.deleteFrom('contact_tags').where('contact_id', 'in', ids).execute();
  await tx.deleteFrom('group_members').where('contact_id', 'in', ids).execute();
  await tx.deleteFrom('contact_consents').where('contact_id', 'in', ids).execute();
  await tx.deleteFrom('contacts').where('id', 'in', ids).execute();
}

/** A rule that deletes rows of one table by an age column (logs kept in the database). */
function byAge(
  db: Db,
  name: string,
  description: string,
  purge: (tx: DbOrTx, cutoff: number, now: number, limit: number) => Promise<number>,
): RetentionRule {
  return {
    name,
    description,
    promiseDays: PROMISES.activityLogs,
    batch: ({ cutoff, now, limit }) => db.transaction().execute((tx) => purge(tx, cutoff, now, limit)),
  };
}

/**
 * The built-in rules, in the order they run. Removal of old deleted messages runs before their erasure
 * so a message past both deadlines is removed once instead of erased and then removed. The last two
 * are other modules' sweeps run as rules of the one retention sweep, each through that module's own
 * function.
 */
export function builtinRetentionRules(deps: {
  db: Db;
  messages: MessageDeletion;
  /** Deletes the stored files of purged contacts (avatars), after their rows are gone. */
  removeContactFiles: (contactIds: string[]) => Promise<void>;
  /**
   * Campaigns' attachment sweep: files (and their links) whose own expiry has passed at `now`, and those
   * uploaded before `uploadedBefore`.
   */
  sweepAttachments: (now: number, uploadedBefore: number) => Promise<number>;
  /** Contacts' sweep of import originals finished (or, unfinished, created) before `cutoff`. */
  sweepImportOriginals: (options: { limit: number; cutoff: number }) => Promise<number>;
}): RetentionRule[] {
  const { db, messages } = deps;
  /** Purges a batch of contacts chosen by `pick` in one transaction, then their files. */
  const purgeContacts = async (pick: (tx: DbOrTx) => Promise<Array<{ id: string }>>) => {
    const ids = await db.transaction().execute(async (tx) => {
      const rows = await pick(tx);
      await deleteContacts(
        tx,
        rows.map((r) => r.id),
      );
      return rows.map((r) => r.id);
    });
    await deps.removeContactFiles(ids);
    return ids.length;
  };
  const closedBefore = (tx: DbOrTx, cutoff: number) =>
    tx.selectFrom('accounts').select('id').where('status', '=', 'closed').where('closed_at', '<', cutoff);

  return [
    {
      name: 'contacts.deleted',
      description:
        'Contacts deleted by the client: purged (with tags, group memberships, consents) after the restore window.',
      promiseDays: PROMISES.deletedContacts,
      batch: ({ cutoff, limit }) =>
        purgeContacts((tx) =>
          tx.selectFrom('contacts').select('id').where('deleted_at', '<', cutoff).limit(limit).execute(),
        ),
    },
    {
      name: 'messages.deleted.removed',
      description:
        'Messages deleted by the client: rows removed (per-day counts kept in message_stats_daily).',
      promiseDays: PROMISES.deletedMessagesRemoved,
      batch: ({ cutoff, limit }) => messages.removeDeleted(cutoff, limit),
    },
    {
      name: 'messages.deleted.erased',
      description:
        'Messages deleted by the client: number, text, status events and raw receipts erased after the restore window.',
      promiseDays: PROMISES.deletedMessagesErased,
      batch: ({ cutoff, limit }) => messages.purgeDeleted(cutoff, limit),
    },
    {
      name: 'closure.contacts',
      description: 'Closed accounts: contacts purged this long after closure.',
      promiseDays: PROMISES.closedAccountContacts,
      batch: ({ cutoff, limit }) =>
        purgeContacts((tx) =>
          tx
            .selectFrom('contacts')
            .select('id')
            .where('account_id', 'in', closedBefore(tx, cutoff))
            .limit(limit)
            .execute(),
        ),
    },
    {
      name: 'closure.messages',
      description: 'Closed accounts: sent and received messages removed this long after closure.',
      promiseDays: PROMISES.closedAccountMessages,
      batch: async ({ cutoff, limit }) => {
        const removed = await messages.removeOfClosedAccounts(cutoff, limit);
        if (removed >= limit) return removed;
        return removed + (await removeInboundOfClosedAccounts(db, cutoff, limit - removed));
      },
    },
    byAge(
      db,
      'activity.sessions',
      'Sessions (IP, user agent, last activity) ended and idle this long.',
      async (tx, cutoff, now, limit) => {
        const rows = await tx
          .selectFrom('sessions')
          .select('id')
          .where('last_seen_at', '<', cutoff)
          .where('expires_at', '<', now)
          .limit(limit)
          .execute();
        return deleteIds(tx, 'sessions', rows);
      },
    ),
    ...AGED_ROWS.map((r) =>
      byAge(db, r.name, r.description, (tx, cutoff, _now, limit) =>
        purgeOlderThan(tx, r.table, r.age, cutoff, limit),
      ),
    ),
    byAge(
      db,
      'activity.idempotency_keys',
      'Stored API answers for Idempotency-Key replays (they hold request results).',
      async (tx, cutoff, _now, limit) => {
        const rows = await tx
          .selectFrom('idempotency_keys')
          .select(['scope', 'key'])
          .where('created_at', '<', cutoff)
          .limit(limit)
          .execute();
        for (const r of rows)
          await tx
            .deleteFrom('idempotency_keys')
            .where('scope', '=', r.scope)
            .where('key', '=', r.key)
            .execute();
        return rows.length;
      },
    ),
    byAge(
      db,
      'activity.webhook_deliveries',
      'Finished webhook deliveries (their payloads copy numbers and texts) and their attempts.',
      async (tx, cutoff, _now, limit) => {
        const rows = await tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('created_at', '<', cutoff)
          .where('status', '!=', 'pending')
          .limit(limit)
          .execute();
        if (rows.length === 0) return 0;
        await tx
          .deleteFrom('webhook_attempts')
          .where(
            'delivery_id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
        return deleteIds(tx, 'webhook_deliveries', rows);
      },
    ),
    {
      name: 'privacy_requests.closed',
      description:
        "Data-subject requests the operator received: the requester's phone, e-mail, name, message and the closing note are erased this long after the request was closed; its kind, account, dates and status stay as the record that it was answered.",
      promiseDays: PROMISES.closedPrivacyRequests,
      batch: ({ cutoff, now, limit }) =>
        db.transaction().execute(async (tx) => {
          const rows = await tx
            .selectFrom('privacy_requests')
            .select('id')
            .where('closed_at', '<', cutoff)
            .where((eb) =>
              eb.or([
                eb('subject_phone', 'is not', null),
                eb('subject_email', 'is not', null),
                eb('subject_name', 'is not', null),
                eb('message', 'is not', null),
                eb('note', 'is not', null),
              ]),
            )
            .limit(limit)
            .execute();
          if (rows.length === 0) return 0;
          await tx
            .updateTable('privacy_requests')
            .set({
              subject_phone: null,
              subject_email: null,
              subject_name: null,
              message: null,
              note: null,
              updated_at: now,
            })
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
          return rows.length;
        }),
    },
    {
      name: 'audit.events',
      description:
        'Audit events; each purged chain keeps an anchor (the last purged hash) so `smsgate audit verify` still checks the rest.',
      promiseDays: PROMISES.auditEvents,
      batch: ({ cutoff, limit }) =>
        db.transaction().execute(async (tx) => {
          const rows = await tx
            .selectFrom('audit_events')
            .select(['chain', 'seq', 'hash', 'at'])
            .where('at', '<', cutoff)
            .orderBy('at')
            .orderBy('seq')
            .limit(limit)
            .execute();
          const last = new Map<string, { seq: number; hash: string; at: number }>();
          for (const r of rows) {
            const seq = Number(r.seq);
            const cur = last.get(r.chain);
            if (!cur || seq > cur.seq) last.set(r.chain, { seq, hash: r.hash, at: Number(r.at) });
          }
          let purged = 0;
          for (const [chain, anchor] of last) {
            const deleted = await tx
              .deleteFrom('audit_events')
              .where('chain', '=', chain)
              .where('seq', '<=', anchor.seq)
              .executeTakeFirst();
            purged += Number(deleted.numDeletedRows);
            await tx
              .insertInto('audit_chain_anchors')
              .values({ chain, ...anchor })
              .onConflict((oc) =>
                oc.column('chain').doUpdateSet({ seq: anchor.seq, hash: anchor.hash, at: anchor.at }),
              )
              .execute();
          }
          return purged;
        }),
    },
    {
      name: 'attachments',
      description: 'Campaign attachments: files deleted (their links answer 410 Gone) when they expire.',
      promiseDays: PROMISES.attachments,
      // Each file keeps the expiry it was uploaded with (ATTACHMENT_RETENTION_DAYS, at most the promised
      // 60 days); a lower period set by the operator applies too.
      batch: ({ now, cutoff }) => deps.sweepAttachments(now, cutoff),
    },
    {
      name: 'imports.originals',
      description:
        'Uploaded import files (CSV/XLSX originals): deleted 60 days after the import; the contacts stay.',
      promiseDays: PROMISES.importOriginals,
      batch: ({ limit, cutoff }) => deps.sweepImportOriginals({ limit, cutoff }),
    },
  ];
}

/** Logs whose rows go, each once older than the activity-log promise by one time column. */
const AGED_ROWS = [
  {
    name: 'activity.login_failures',
    description: 'Failed sign-in attempts (e-mail, IP).',
    table: 'login_failures',
    age: 'at',
  },
  {
    name: 'activity.auth_tokens',
    description: 'E-mail verification and password reset tokens.',
    table: 'auth_tokens',
    age: 'created_at',
  },
  {
    name: 'activity.route_callbacks',
    description:
      "Carriers' callbacks as received (delivery reports and inbound SMS, with numbers and texts).",
    table: 'route_callbacks',
    age: 'received_at',
  },
  {
    name: 'activity.delivery_reports',
    description: 'Raw delivery reports as carriers sent them (the message keeps its status).',
    table: 'delivery_reports',
    age: 'received_at',
  },
  {
    name: 'activity.route_tests',
    description:
      "Operators' test sends through a route: the number and text typed, the carrier's answer and receipt.",
    table: 'route_tests',
    age: 'created_at',
  },
] as const;

type AgedTable = (typeof AGED_ROWS)[number]['table'];
type IdTable = AgedTable | 'sessions' | 'webhook_deliveries';

/** Deletes up to `limit` rows of `table` whose `age` column is before `cutoff`. */
async function purgeOlderThan(
  tx: DbOrTx,
  table: AgedTable,
  age: (typeof AGED_ROWS)[number]['age'],
  cutoff: number,
  limit: number,
): Promise<number> {
  const rows = await tx
    .selectFrom(table)
    .select('id')
    .where(sql.ref(age), '<', cutoff)
    .limit(limit)
    .execute();
  return deleteIds(tx, table, rows);
}

async function deleteIds(tx: DbOrTx, table: IdTable, rows: Array<{ id: string }>): Promise<number> {
  if (rows.length === 0) return 0;
  await tx
    .deleteFrom(table)
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.length;
}
