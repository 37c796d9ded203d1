// The accept path of every front door (API, web, campaigns' single sends, SMPP server, Twilio API): one
// transaction from checks to reservation, kept in one file so that its order of checks reads top to bottom.
import type { Clock } from '../../kernel/clock';
import { AppError, ERROR_CODES } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { JobQueue } from '../../queue/job-queue';
import type { Db, Tx } from '../../storage/database';
import type { GroupCommit, GroupSink } from '../../storage/group-commit';
import { prepared, slot } from '../../storage/prepared';
import type { AccountsTable, MessagesTable } from '../../storage/schema';
import type { ClientActor } from '../accounts';
import { parseMessagingSettings } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import type { Ledger, PriceBook } from '../billing';
import { compose, type RecipientError, type SendItem } from './compose';
import { DISPATCH_JOB, type DispatchPayload } from './jobs';
import type { ClientEvent, ClientEventSink } from './ports';
import { insertOneMessage, newMessageRow } from './rows';
import { type MessageView, messageView } from './views';

const INSERT_CHUNK = 400;
/** Messages per dispatch job: a bulk request becomes a few jobs, not a thousand. */
export const DISPATCH_BATCH = 250;

export interface SendDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  priceBook: PriceBook;
  queue: JobQueue;
  audit: AuditLog;
  events: ClientEventSink;
  groupCommit: GroupCommit;
  /** The operator's shared sender (`DEFAULT_SENDER`), for accounts without one of their own. */
  sharedSender?: string | null;
  /**
   * The trust guard's sender rules (per-country rules, registered sender ids, own numbers, protected names):
   * throws `sender_not_allowed` before anything is written.
   */
  checkSenders?: (
    db: Db,
    accountId: string,
    uses: Array<{ sender: string; country: string | null; path: string }>,
  ) => Promise<void>;
  /**
   * The trust guard's content rules: per distinct text, `reject` (the message is stored `rejected`,
   * `content_blocked`) or `hold` (stored `held`, not charged until the operator releases it).
   */
  checkContent?: (
    db: Db,
    accountId: string,
    texts: string[],
  ) => Promise<Map<string, { action: 'reject' | 'hold'; rule: string; detail: string }>>;
  /** Numbers the account must not message (privacy restrictions, erased subjects); from compliance. */
  blockedNumbers?: (
    db: Db,
    accountId: string,
    phones: string[],
  ) => Promise<Map<string, 'restricted' | 'marketing' | 'all'>>;
}

export interface SendResult {
  data: MessageView[];
  errors?: RecipientError[];
}

export interface Idempotency {
  scope: string;
  key: string;
  requestHash: string;
}

/**
 * Accepts messages: validates and prices them outside any transaction, then in ONE transaction
 * (shared with other requests by group commit) reserves the credits, writes the messages, their
 * dispatch jobs, the audit event and the idempotent answer. The answer goes out only after that commit.
 */
/** Every send reads its account: compiled once. */
const accountForSend = prepared<{ id: string }, Pick<AccountsTable, 'id' | 'status' | 'settings'>>((db) =>
  db.selectFrom('accounts').select(['id', 'status', 'settings']).where('id', '=', slot<string>('id')),
);

export function createSender(deps: SendDeps) {
  const { db, clock, ids } = deps;
  /**
   * The dispatch jobs of a whole commit group, written at its end: a hundred single sends committed
   * together become one job row (inserted, claimed and deleted once) instead of a hundred.
   */
  const dispatchJobs: GroupSink<{ messageId: string; runAt: number }> = {
    async flush(tx, items) {
      const byRunAt = new Map<number, string[]>();
      for (const { messageId, runAt } of items) {
        const list = byRunAt.get(runAt);
        if (list) list.push(messageId);
        else byRunAt.set(runAt, [messageId]);
      }
      const jobs = [];
      for (const [runAt, messageIds] of byRunAt) {
        for (let i = 0; i < messageIds.length; i += DISPATCH_BATCH) {
          const payload: DispatchPayload = { messageIds: messageIds.slice(i, i + DISPATCH_BATCH) };
          jobs.push({ kind: DISPATCH_JOB, payload, runAt });
        }
      }
      if (jobs.length > 0) await deps.queue.enqueue(tx, jobs);
    },
  };

  return async function send(
    actor: ClientActor,
    items: SendItem[],
    options: {
      allOrNothing?: boolean;
      idempotency?: Idempotency | null;
      /**
       * Runs in the accepting transaction right after the messages are written, before their events are
       * published: a front door records what it owes the client about them (the SMPP server's receipts).
       */
      within?: (tx: Tx, result: SendResult) => Promise<void>;
      /** The id of a single message, chosen by the caller (an SMPP client is told it before the last part). */
      messageId?: string;
    },
  ): Promise<SendResult> {
    const [account] = (await accountForSend(db, { id: actor.accountId })).rows;
    if (!account) throw new AppError('not_found', 'No such account.');
    if (account.status !== 'active')
      throw new AppError(
        account.status === 'closed' ? 'account_closed' : 'account_suspended',
        `The account is ${account.status} and cannot send.`,
      );
    const settings = parseMessagingSettings(account.settings);
    const prices = await deps.priceBook.listFor(db, actor.accountId);
    const now = clock.now();
    const { drafts, recipientErrors } = compose(items, {
      settings,
      prices,
      now,
      sharedSender: deps.sharedSender,
    });
    if (deps.checkSenders)
      await deps.checkSenders(
        db,
        actor.accountId,
        drafts.map((d) => ({ sender: d.sender, country: d.country, path: d.senderPath })),
      );
    const blocked = deps.blockedNumbers
      ? await deps.blockedNumbers(
          db,
          actor.accountId,
          drafts.map((d) => d.to),
        )
      : new Map<string, 'restricted' | 'marketing' | 'all'>();
    for (let i = drafts.length - 1; i >= 0; i--) {
      if (blocked.get(drafts[i]!.to) !== 'restricted') continue;
      recipientErrors.push({
        path: '/body/to',
        to: drafts[i]!.to,
        code: 'recipient_restricted',
        detail: ERROR_CODES.recipient_restricted,
      });
      drafts.splice(i, 1);
    }

    if (recipientErrors.length > 0 && (options.allOrNothing || drafts.length === 0)) {
      const first = recipientErrors[0]!;
      throw new AppError(
        first.code,
        recipientErrors.length === 1
          ? `${first.path}: ${first.detail}`
          : `${recipientErrors.length} recipients are invalid; see errors.`,
        {
          errors: recipientErrors.map((e) => ({ path: e.path, message: e.detail })),
        },
      );
    }

    const suppressed = await suppressedNumbers(
      db,
      actor.accountId,
      drafts.map((d) => d.to),
    );
    // An erased subject's number stays suppressed, known only by its hash.
    for (const [phone, scope] of blocked)
      if (scope !== 'restricted' && !suppressed.has(phone)) suppressed.set(phone, scope);
    const content = deps.checkContent
      ? await deps.checkContent(
          db,
          actor.accountId,
          drafts.map((d) => d.text),
        )
      : null;
    const rows: MessagesTable[] = drafts.map((d) => {
      const scope = suppressed.get(d.to);
      const optedOut = scope === 'all' || (scope === 'marketing' && d.type === 'marketing');
      const verdict = optedOut ? undefined : content?.get(d.text);
      // Screened out before sending: opted out or a blocked text (rejected, free), or a text held for review.
      const screen: { status: 'rejected' | 'held'; code: string; detail: string } | null = optedOut
        ? {
            status: 'rejected',
            code: 'recipient_opted_out',
            detail: 'The recipient is on the suppression list.',
          }
        : verdict
          ? verdict.action === 'reject'
            ? { status: 'rejected', code: 'content_blocked', detail: verdict.detail }
            : { status: 'held', code: 'content_held', detail: verdict.detail }
          : null;
      return newMessageRow({
        id: drafts.length === 1 && options.messageId ? options.messageId : ids('msg'),
        account_id: actor.accountId,
        to_number: d.to,
        sender: d.sender,
        text: d.text,
        type: d.type,
        status: screen?.status ?? (d.sendAt ? 'scheduled' : 'queued'),
        encoding: d.analysis.encoding,
        segments: d.analysis.segments,
        // A held message keeps the price it will be charged when released.
        price: screen?.status === 'rejected' ? 0 : d.price,
        country: d.country,
        reference: d.reference,
        status_callback: d.statusCallback ? 1 : 0,
        send_at: d.sendAt,
        valid_until: d.validUntil,
        error_code: screen?.code ?? null,
        error_detail: screen?.detail ?? null,
        created_by: actor.id,
        created_at: now,
        done_at: screen?.status === 'rejected' ? now : null,
      });
    });
    // Held messages are stored but neither charged nor dispatched until the operator releases them.
    const accepted = rows.filter((r) => r.status !== 'rejected' && r.status !== 'held');
    const total = accepted.reduce((sum, r) => sum + Number(r.price), 0);
    const result: SendResult = {
      data: rows.map(messageView),
      ...(recipientErrors.length > 0 ? { errors: recipientErrors } : {}),
    };
    const batchRef = rows[0]!.id;

    return deps.groupCommit.run(async (tx: Tx, group) => {
      // Checks come before the first write of this unit: a refusal must leave nothing behind.
      if (options.idempotency) {
        const inserted = await tx
          .insertInto('idempotency_keys')
          .values({
            scope: options.idempotency.scope,
            key: options.idempotency.key,
            request_hash: options.idempotency.requestHash,
            response_status: 202,
            response_body: JSON.stringify(result),
            created_at: now,
            expires_at: now + 24 * 3600_000,
          })
          .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
          throw new AppError('idempotency_in_progress');
      }
      if (total > 0) {
        try {
          await deps.ledger.reserve(tx, {
            accountId: actor.accountId,
            amountMicro: total,
            ref: { type: 'messages', id: batchRef },
            note: `${accepted.length} message(s)`,
          });
        } catch (error) {
          if (options.idempotency) {
            await tx
              .deleteFrom('idempotency_keys')
              .where('scope', '=', options.idempotency.scope)
              .where('key', '=', options.idempotency.key)
              .execute();
          }
          throw error;
        }
      }
      if (rows.length === 1) await insertOneMessage(tx, rows[0]!);
      else
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          await tx
            .insertInto('messages')
            .values(rows.slice(i, i + INSERT_CHUNK))
            .execute();
        }
      if (options.within) await options.within(tx, result);
      group.collect(
        dispatchJobs,
        accepted.map((r) => ({ messageId: r.id, runAt: r.send_at ?? now })),
      );
      const rejected = rows.filter((r) => r.status === 'rejected');
      const held = rows.filter((r) => r.status === 'held');
      const screened = rejected.concat(held);
      if (screened.length > 0) {
        await tx
          .insertInto('message_events')
          .values(
            screened.map((r) => ({
              id: ids('evt'),
              message_id: r.id,
              status: r.status,
              detail:
                r.error_code === 'recipient_opted_out' ? r.error_code : `${r.error_code}: ${r.error_detail}`,
              at: now,
            })),
          )
          .execute();
        await deps.events.publish(
          tx,
          screened.map((r) =>
            statusEvent(
              r,
              r.status,
              now,
              r.error_code === 'recipient_opted_out'
                ? undefined
                : { code: r.error_code!, detail: r.error_detail },
            ),
          ),
        );
      }
      await deps.audit.record(
        tx,
        {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'messages.accepted',
          target: { type: 'message', id: batchRef },
          data: {
            accepted: accepted.length,
            rejected: rejected.length,
            held: held.length,
            invalid: recipientErrors.length,
            credits: total / 1_000_000,
          },
        },
        group,
      );
      return result;
    });
  };
}

const suppressionOf = prepared<
  { accountId: string; phone: string },
  { phone: string; scope: 'marketing' | 'all' }
>((db) =>
  db
    .selectFrom('suppressions')
    .select(['phone', 'scope'])
    .where('account_id', '=', slot<string>('accountId'))
    .where('phone', '=', slot<string>('phone')),
);

async function suppressedNumbers(
  db: Db,
  accountId: string,
  phones: string[],
): Promise<Map<string, 'marketing' | 'all'>> {
  const found = new Map<string, 'marketing' | 'all'>();
  const unique = [...new Set(phones)];
  if (unique.length === 1) {
    for (const r of (await suppressionOf(db, { accountId, phone: unique[0]! })).rows)
      found.set(r.phone, r.scope);
    return found;
  }
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('suppressions')
      .select(['phone', 'scope'])
      .where('account_id', '=', accountId)
      .where('phone', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of rows) found.set(r.phone, r.scope);
  }
  return found;
}

/** The `data` of a `message.status` webhook event. */
/** The `message.status` event of a message, flagged when its sender asked for per-message callbacks. */
export function statusEvent(
  m: Pick<
    MessagesTable,
    'id' | 'account_id' | 'to_number' | 'reference' | 'segments' | 'price' | 'status_callback'
  >,
  status: string,
  at: number,
  error?: { code: string; detail: string | null; carrierCode?: string },
): ClientEvent {
  const event: ClientEvent = {
    accountId: m.account_id,
    type: 'message.status',
    data: statusEventData(m, status, at, error),
  };
  if (Number(m.status_callback) === 1) event.statusCallback = true;
  return event;
}

export function statusEventData(
  m: Pick<MessagesTable, 'id' | 'to_number' | 'reference' | 'segments' | 'price'>,
  status: string,
  at: number,
  error?: { code: string; detail: string | null; carrierCode?: string },
) {
  return {
    messageId: m.id,
    status,
    to: m.to_number,
    at: new Date(at).toISOString(),
    ...(m.reference ? { reference: m.reference } : {}),
    ...(error ? { error } : {}),
  };
}
