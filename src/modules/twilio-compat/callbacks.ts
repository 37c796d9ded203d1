/**
 * Per-message status callbacks (`StatusCallback`), as Twilio sends them: a form-encoded POST with
 * `MessageSid`, `MessageStatus`, … signed with `X-Twilio-Signature`. Status events are turned into
 * delivery rows inside the transaction that changed the status (an event sink, like client webhooks);
 * the rows are POSTed by the webhooks' HTTP sender (public addresses only unless WEBHOOK_ALLOW_PRIVATE)
 * and retried on the webhooks' ladder.
 */
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Logger } from '../../kernel/logger';
import type { SecretBox } from '../../kernel/secret-box';
import { chunks } from '../../storage/chunk';
import type { Db, DbOrTx } from '../../storage/database';
import type { TwilioCallbackDeliveriesTable } from '../../storage/schema-twilio';
import type { ClientEvent, ClientEventSink } from '../messaging';
import { FINAL_STATUSES, type MessageView } from '../messaging';
import { parseWebhookUrl, RETRY_LADDER_MS, type WebhookNet } from '../webhooks';
import { incomingRows, replyContext, twimlMessages } from './incoming';
import { openOrNull } from './open-secret';
import { API_VERSION, TWILIO_STATUS, twilioErrorOf } from './shapes';
import { accountSid, messageSid } from './sids';
import { twilioSignature } from './signature';

export interface TwilioCallbackDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  net: WebhookNet;
  logger: Logger;
  settings: { allowPrivate: boolean; timeoutMs?: number };
  /**
   * Seals the API keys kept to sign with (Twilio signs with the auth token, which here is an API key):
   * stored sealed, opened only to sign or to send a TwiML reply.
   */
  secrets: SecretBox;
  /**
   * Sends a TwiML reply to an inbound message, as the credential that set the number's SMS URL (which
   * may since have been revoked: then nothing is sent). Given by the composition root.
   */
  reply?: (authToken: string, sms: { from: string; to: string; text: string }) => Promise<void>;
}

/** What a status callback says about one status change. */
interface StatusChange {
  messageId: string;
  status: MessageView['status'];
  to: string;
  errorCode?: string | undefined;
}

const BATCH = 50;
/**
 * A callback whose message never reached a final status (deleted, purged, or stuck) is forgotten after
 * this long, with its auth token: the longest schedule (35 days) and a margin.
 */
export const CALLBACK_MAX_AGE_MS = 40 * 24 * 3600_000;

export function createTwilioCallbacks(deps: TwilioCallbackDeps) {
  const { db, clock, ids, settings } = deps;
  const timeoutMs = settings.timeoutMs ?? 10_000;
  const sender = deps.net.createSender({ allowPrivate: settings.allowPrivate, timeoutMs });
  let lastSweep = Number.NEGATIVE_INFINITY;

  function deliveryRow(
    callback: { account_id: string; url: string; from_number: string },
    authToken: string,
    change: StatusChange,
    now: number,
  ): TwilioCallbackDeliveriesTable {
    const status = TWILIO_STATUS[change.status];
    const params: Record<string, string> = {
      AccountSid: accountSid(callback.account_id),
      ApiVersion: API_VERSION,
      From: callback.from_number,
      MessageSid: messageSid(change.messageId),
      MessageStatus: status,
      SmsSid: messageSid(change.messageId),
      SmsStatus: status,
      To: change.to,
    };
    if (change.errorCode) params.ErrorCode = String(twilioErrorOf(change.errorCode).code);
    return {
      id: ids('whd'),
      account_id: callback.account_id,
      message_id: change.messageId,
      kind: 'status',
      url: callback.url,
      method: 'POST',
      body: new URLSearchParams(params).toString(),
      signature: twilioSignature(authToken, callback.url, params),
      attempts: 0,
      next_attempt_at: now,
      last_status_code: null,
      last_error: null,
      created_at: now,
    };
  }

  /** Queues callbacks for the changes of messages that have one; a final status forgets the callback. */
  async function queue(tx: DbOrTx, changes: StatusChange[]): Promise<number> {
    if (changes.length === 0) return 0;
    const now = clock.now();
    const rows: TwilioCallbackDeliveriesTable[] = [];
    const done: string[] = [];
    for (const part of chunks([...new Set(changes.map((c) => c.messageId))], 500)) {
      const callbacks = await tx
        .selectFrom('twilio_callbacks')
        .selectAll()
        .where('message_id', 'in', part)
        .execute();
      const byId = new Map(callbacks.map((c) => [c.message_id, c]));
      for (const change of changes) {
        const callback = byId.get(change.messageId);
        if (!callback) continue;
        if (FINAL_STATUSES.has(change.status)) done.push(change.messageId);
        // A key that does not open cannot sign: this callback is skipped, the status change goes on.
        const authToken = openOrNull(deps.secrets, callback.auth_token, deps.logger, 'status callback');
        if (authToken !== null) rows.push(deliveryRow(callback, authToken, change, now));
      }
    }
    for (const part of chunks(rows, 200))
      await tx.insertInto('twilio_callback_deliveries').values(part).execute();
    // The auth token is kept no longer than the message can change.
    for (const part of chunks(done, 500))
      await tx.deleteFrom('twilio_callbacks').where('message_id', 'in', part).execute();
    return rows.length;
  }

  function changeOf(event: ClientEvent): StatusChange | null {
    // Only messages sent with a StatusCallback are flagged: every other status change costs no lookup.
    if (event.type !== 'message.status' || event.statusCallback !== true) return null;
    const data = event.data as {
      messageId?: unknown;
      status?: unknown;
      to?: unknown;
      error?: { code?: unknown };
    };
    if (typeof data.messageId !== 'string' || typeof data.status !== 'string') return null;
    // Twilio calls back from `sent` on; queued is what the create answer already said.
    if (data.status === 'queued' || data.status === 'scheduled' || !(data.status in TWILIO_STATUS))
      return null;
    return {
      messageId: data.messageId,
      status: data.status as MessageView['status'],
      to: typeof data.to === 'string' ? data.to : '',
      errorCode: typeof data.error?.code === 'string' ? data.error.code : undefined,
    };
  }

  /** Sends the `<Message>` replies of an SMS URL's TwiML answer; a refused reply is logged, not retried. */
  async function answer(row: TwilioCallbackDeliveriesTable, excerpt: string | null): Promise<void> {
    const texts = twimlMessages(excerpt);
    if (texts.length === 0 || !deps.reply) return;
    const context = await replyContext(db, row, deps);
    if (!context) return;
    for (const text of texts) {
      try {
        await deps.reply(context.authToken, { from: context.number, to: context.sender, text });
      } catch (error) {
        deps.logger.warn({ err: error, inboundId: row.message_id }, 'twiml reply refused');
      }
    }
  }

  async function post(row: TwilioCallbackDeliveriesTable, now: number): Promise<void> {
    const outcome =
      row.method === 'GET'
        ? await sender.post(new URL(row.url), { 'x-twilio-signature': row.signature }, '', 'GET')
        : await sender.post(
            new URL(row.url),
            { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': row.signature },
            row.body,
          );
    if (outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300) {
      await db.deleteFrom('twilio_callback_deliveries').where('id', '=', row.id).execute();
      if (row.kind === 'incoming') await answer(row, outcome.responseExcerpt);
      return;
    }
    const attempts = Number(row.attempts) + 1;
    const error = outcome.error ?? `HTTP ${outcome.statusCode}`;
    if (attempts >= RETRY_LADDER_MS.length) {
      deps.logger.warn({ messageId: row.message_id, attempts, error }, 'twilio status callback abandoned');
      await db.deleteFrom('twilio_callback_deliveries').where('id', '=', row.id).execute();
      return;
    }
    await db
      .updateTable('twilio_callback_deliveries')
      .set({
        attempts,
        next_attempt_at: now + RETRY_LADDER_MS[attempts]!,
        last_status_code: outcome.statusCode,
        last_error: error.slice(0, 500),
      })
      .where('id', '=', row.id)
      .execute();
  }

  return {
    /** Refuses (webhook_url_refused) a callback URL our webhooks would refuse. */
    async checkUrl(raw: string): Promise<string> {
      const url = parseWebhookUrl(raw);
      if (!settings.allowPrivate) await deps.net.assertPublicHost(url);
      return url.href;
    },

    /**
     * Remembers a message's callback. `current` is the message as read after that: a status it reached
     * before the callback was stored is called back at once, so no change falls between the two.
     */
    async register(
      input: { messageId: string; accountId: string; url: string; authToken: string; from: string },
      current: () => Promise<MessageView>,
    ): Promise<void> {
      await db
        .insertInto('twilio_callbacks')
        .values({
          message_id: input.messageId,
          account_id: input.accountId,
          url: input.url,
          auth_token: deps.secrets.seal(input.authToken),
          from_number: input.from,
          created_at: clock.now(),
        })
        .execute();
      const m = await current();
      const change = changeOf({
        accountId: input.accountId,
        type: 'message.status',
        data: { messageId: m.id, status: m.status, to: m.to, error: m.error },
        statusCallback: true,
      });
      if (change) await db.transaction().execute((tx) => queue(tx, [change]));
    },

    /** Sets (or, with null, clears) the SMS URL of one of the account's numbers, and its method. */
    async setSmsUrl(input: {
      numberId: string;
      accountId: string;
      number: string;
      url: string | null;
      method: 'POST' | 'GET';
      authToken: string;
    }) {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('twilio_sms_urls').where('number', '=', input.number).execute();
        if (input.url === null) return;
        await tx
          .insertInto('twilio_sms_urls')
          .values({
            number_id: input.numberId,
            account_id: input.accountId,
            number: input.number,
            url: input.url,
            method: input.method,
            auth_token: deps.secrets.seal(input.authToken),
            updated_at: clock.now(),
          })
          .execute();
      });
    },

    /** The SMS URLs of the account's numbers, with their methods, by number id. */
    async smsUrls(accountId: string): Promise<Map<string, { url: string; method: 'POST' | 'GET' }>> {
      const rows = await db
        .selectFrom('twilio_sms_urls')
        .select(['number_id', 'url', 'method'])
        .where('account_id', '=', accountId)
        .execute();
      return new Map(rows.map((r) => [r.number_id, { url: r.url, method: r.method ?? 'POST' }]));
    },

    /** The event sink: called inside the transaction of every status change. */
    sink: {
      async publish(tx, events) {
        const changes = events.map(changeOf).filter((c): c is StatusChange => c !== null);
        await queue(tx, changes);
        const now = clock.now();
        const incoming = await incomingRows(tx, events, deps, (base) =>
          Object.assign(
            { id: ids('whd'), kind: 'incoming' as const, attempts: 0, next_attempt_at: now },
            { last_status_code: null, last_error: null, created_at: now },
            base,
          ),
        );
        for (const part of chunks(incoming, 200))
          await tx.insertInto('twilio_callback_deliveries').values(part).execute();
      },
    } satisfies ClientEventSink,

    /**
     * POSTs the callbacks that are due. Each row is claimed first (its next attempt moved past the request's
     * deadline), so two workers never send the same one at once. Returns how many were attempted.
     */
    async deliverDue(limit = BATCH): Promise<number> {
      const now = clock.now();
      if (now - lastSweep >= 60_000) {
        lastSweep = now;
        await db
          .deleteFrom('twilio_callbacks')
          .where('created_at', '<', now - CALLBACK_MAX_AGE_MS)
          .execute();
      }
      const due = await db
        .selectFrom('twilio_callback_deliveries')
        .selectAll()
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      const claimed: TwilioCallbackDeliveriesTable[] = [];
      for (const row of due) {
        const result = await db
          .updateTable('twilio_callback_deliveries')
          .set({ next_attempt_at: now + timeoutMs + 30_000 })
          .where('id', '=', row.id)
          .where('next_attempt_at', '=', row.next_attempt_at)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 1) claimed.push(row);
      }
      await Promise.all(claimed.map((row) => post(row, now)));
      return claimed.length;
    },

    close() {
      sender.close();
    },
  };
}

export type TwilioCallbacks = ReturnType<typeof createTwilioCallbacks>;
