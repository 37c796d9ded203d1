import type { Clock } from '../../kernel/clock';
import { isAppError } from '../../kernel/errors';
import type { Logger } from '../../kernel/logger';
import type { Mailer } from '../../kernel/mailer';
import type { JobQueue } from '../../queue/job-queue';
import type { Db, DbOrTx } from '../../storage/database';
import type { InboundMessagesTable } from '../../storage/schema-inbound';
import { type ClientActor, parseMessagingSettings } from '../accounts';
import { campaignSettingsOf, nextAllowedInstant, START_WORDS, zoneOfCountry } from '../campaigns';
import type { SmsRequests } from '../compliance';
import type { KeywordMembership } from '../contacts';
import { foldKeyword, inboundView } from '../inbound';
import type { ClientEvent, ClientEventSink, SendItem, SendResult } from '../messaging';
import { countryOfE164 } from '../phone';
import { type KeywordRuleView, rulesOf, wordsOf } from './rules';
import { privacyWordsOf } from './settings';
import { foldedWords, HELP_WORDS, type Language, PRIVACY_ACKS, type SmsRequestKind } from './words';

/** The job that applies keyword rules to inbound messages, queued in the transaction that stores them. */
export const KEYWORD_JOB = 'keywords';
export interface KeywordJob {
  inboundIds: string[];
}

const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 5;
/** Phones reply from numbers; an alphanumeric sender (`BANK`) cannot be answered. */
const ANSWERABLE = /^\+\d{6,15}$/;
const REPLY_PATH = { to: '/to', text: '/text', from: '/from', sendAt: '/sendAt', validUntil: '/validUntil' };

type Send = (
  actor: ClientActor,
  items: SendItem[],
  options: {
    allOrNothing?: boolean;
    idempotency?: { scope: string; key: string; requestHash: string } | null;
  },
) => Promise<SendResult>;

export interface ResponderDeps {
  db: Db;
  clock: Clock;
  queue: JobQueue;
  /** The accept path every message takes (credits, suppression, audit, dispatch). */
  send: Send;
  /** Where the effects go: e-mail, group membership, privacy requests, webhook events. */
  effects: {
    mailer: Mailer;
    membership: KeywordMembership;
    smsRequests: SmsRequests;
    events: ClientEventSink;
  };
  logger: Logger;
}

/** What one account answers to, read once per job. */
interface AccountWords {
  name: string;
  helpText: string | null;
  optOut: Set<string>;
  help: Map<string, Language>;
  privacy: Map<string, { kind: SmsRequestKind; language: Language }>;
  rules: KeywordRuleView[];
  quiet: { start: number; end: number };
}

/**
 * Answers inbound messages whose first word is a keyword: HELP with the account's help text, DATA and
 * DELETE with a data-subject request and an acknowledgement, and the account's own rules (reply, group,
 * e-mail, webhook). STOP and START are the opt-out list's (contacts), not answered here. Replies go
 * through the same accept path as any message (charged, suppression-checked, audited) and wait for the
 * end of the account's quiet hours in the person's country. A message from any number of the platform
 * is never answered: that is where an auto-reply would come from.
 */
export function createKeywordResponder(deps: ResponderDeps) {
  const { db, clock, queue, logger } = deps;

  async function wordsOfAccount(tx: DbOrTx, accountId: string): Promise<AccountWords | null> {
    const account = await tx
      .selectFrom('accounts')
      .select(['name', 'settings', 'status'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!account || account.status !== 'active') return null;
    const [campaign, privacy, rules] = await Promise.all([
      campaignSettingsOf(tx, accountId),
      privacyWordsOf(tx, accountId),
      rulesOf(tx, accountId),
    ]);
    const privacyMap = new Map<string, { kind: SmsRequestKind; language: Language }>();
    for (const kind of ['access', 'erasure'] as const)
      for (const [w, language] of foldedWords(privacy[kind]))
        if (!privacyMap.has(w)) privacyMap.set(w, { kind, language });
    return {
      name: account.name,
      helpText: parseMessagingSettings(account.settings).helpText,
      optOut: new Set([...[...campaign.stopWords].map(foldKeyword), ...START_WORDS]),
      help: foldedWords(HELP_WORDS),
      privacy: privacyMap,
      rules,
      quiet: { start: campaign.quietStart, end: campaign.quietEnd },
    };
  }

  /** The rule for a word on a number: one limited to that number wins over one on every number. */
  function ruleFor(rules: KeywordRuleView[], word: string, number: string): KeywordRuleView | undefined {
    const matching = rules.filter((r) => wordsOf(r).includes(word));
    return matching.find((r) => r.numbers.includes(number)) ?? matching.find((r) => r.numbers.length === 0);
  }

  /** Sends a reply once: the idempotency key makes a second run of the job replay instead of resend. */
  async function reply(
    row: InboundMessagesTable,
    words: AccountWords,
    actorId: string,
    text: string,
    key: string,
  ) {
    const accountId = row.account_id!;
    const now = clock.now();
    const zone = zoneOfCountry(countryOfE164(row.from_number));
    const at = zone ? nextAllowedInstant(now, zone, words.quiet) : now;
    const actor: ClientActor = {
      kind: 'api_key',
      accountId,
      id: actorId,
      role: null,
      permissions: new Set(),
      sessionId: null,
      csrfToken: null,
      ip: null,
    };
    const item: SendItem = {
      to: row.from_number,
      from: row.to_number,
      text,
      type: 'transactional',
      ...(at > now ? { sendAt: new Date(at).toISOString() } : {}),
      path: REPLY_PATH,
    };
    try {
      await deps.send(actor, [item], {
        allOrNothing: true,
        idempotency: { scope: `keywords:${accountId}`, key, requestHash: key },
      });
    } catch (error) {
      // Already sent by an earlier run; or refused for good (no credits, suspended): not worth a retry.
      if (!isAppError(error)) throw error;
      if (error.code !== 'idempotency_in_progress')
        logger.warn({ accountId, inboundId: row.id, code: error.code }, 'keyword reply refused');
    }
  }

  /** Applies the account's keywords to one message; answers the webhook events to publish. */
  async function answer(row: InboundMessagesTable, words: AccountWords): Promise<ClientEvent[]> {
    const accountId = row.account_id!;
    const word = foldKeyword(row.keyword!);
    if (words.optOut.has(word)) return [];
    const privacy = words.privacy.get(word);
    if (privacy) {
      const request = await db.transaction().execute((tx) =>
        deps.effects.smsRequests.open(tx, {
          accountId,
          kind: privacy.kind,
          phone: row.from_number,
          text: row.text,
        }),
      );
      // Keyed by the request: one acknowledgement per request, however often the person asks that day.
      await reply(row, words, 'keywords', PRIVACY_ACKS[privacy.kind][privacy.language], `ack:${request.id}`);
      return [];
    }
    if (words.help.has(word)) {
      const text = words.helpText ?? `${words.name.slice(0, 60)}: reply STOP to stop receiving messages.`;
      await reply(row, words, 'keywords', text, `help:${row.id}`);
      return [];
    }
    const rule = ruleFor(words.rules, word, row.to_number);
    if (!rule) return [];
    if (rule.reply) await reply(row, words, rule.id, rule.reply, `rule:${row.id}`);
    const membership = { accountId, phone: row.from_number };
    if (rule.addToGroupId || rule.removeFromGroupId)
      await db.transaction().execute(async (tx) => {
        if (rule.removeFromGroupId)
          await deps.effects.membership.leave(tx, { ...membership, groupId: rule.removeFromGroupId });
        if (rule.addToGroupId)
          await deps.effects.membership.join(tx, { ...membership, groupId: rule.addToGroupId });
      });
    if (rule.forwardEmail)
      await deps.effects.mailer.send({
        to: rule.forwardEmail,
        subject: `SMS keyword ${word} from ${row.from_number}`,
        text: `${row.from_number} texted ${row.to_number} at ${new Date(Number(row.received_at)).toISOString()}:\n\n${row.text}\n\n(keyword rule ${rule.id})`,
      });
    if (!rule.forwardWebhook) return [];
    return [
      { accountId, type: 'message.keyword', data: { ...inboundView(row), keyword: word, ruleId: rule.id } },
    ];
  }

  async function process(job: KeywordJob): Promise<ClientEvent[]> {
    const rows = await db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('id', 'in', job.inboundIds)
      .execute();
    const senders = [...new Set(rows.map((r) => r.from_number))];
    // The runtime loop guard: a message from a number of the platform is another account's (or this
    // one's) auto-reply coming back, never a person.
    const ours =
      senders.length === 0
        ? new Set<string>()
        : new Set(
            (await db.selectFrom('numbers').select('number').where('number', 'in', senders).execute()).map(
              (r) => r.number,
            ),
          );
    const accounts = new Map<string, AccountWords | null>();
    const events: ClientEvent[] = [];
    for (const row of rows.sort((a, b) => a.id.localeCompare(b.id))) {
      if (row.account_id === null || row.keyword === null || !ANSWERABLE.test(row.from_number)) continue;
      if (ours.has(row.from_number)) continue;
      if (!accounts.has(row.account_id))
        accounts.set(row.account_id, await wordsOfAccount(db, row.account_id));
      const words = accounts.get(row.account_id);
      if (words) events.push(...(await answer(row, words)));
    }
    return events;
  }

  return {
    /** In the transaction storing inbound messages: queues the ones with a keyword for answering. */
    async enqueue(tx: DbOrTx, rows: InboundMessagesTable[]): Promise<void> {
      const inboundIds = rows
        .filter((r) => r.account_id !== null && r.keyword !== null && ANSWERABLE.test(r.from_number))
        .map((r) => r.id);
      if (inboundIds.length === 0) return;
      const payload: KeywordJob = { inboundIds };
      await queue.enqueue(tx, [{ kind: KEYWORD_JOB, payload }]);
    },

    /** Claims up to `maxJobs` jobs and answers their messages; returns how many jobs it took. */
    async runOnce(maxJobs = 4): Promise<number> {
      const jobs = await queue.claim<KeywordJob>(KEYWORD_JOB, maxJobs, LEASE_MS);
      for (const job of jobs) {
        try {
          const events = await process(job.payload);
          await db.transaction().execute(async (tx) => {
            await deps.effects.events.publish(tx, events);
            await queue.complete(tx, [job.id]);
          });
        } catch (error) {
          const last = job.attempts >= MAX_ATTEMPTS;
          logger.error(
            { err: error, jobId: job.id, attempts: job.attempts },
            last ? 'keyword job given up' : 'keyword job failed',
          );
          await db.transaction().execute(async (tx) => {
            if (last) await queue.complete(tx, [job.id]);
            else await queue.retry(tx, job.id, clock.now() + 30_000 * job.attempts, String(error));
          });
        }
      }
      if (jobs.length > 0) await queue.release(jobs.map((j) => j.id));
      return jobs.length;
    },
  };
}

export type KeywordResponder = ReturnType<typeof createKeywordResponder>;
