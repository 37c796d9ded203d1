import { AppError, isAppError } from '../../kernel/errors';
import type { Tx } from '../../storage/database';
import type { CampaignsTable } from '../../storage/schema-campaigns';
import { parseMessagingSettings, senderFor } from '../accounts';
import { type CampaignMessage, createTextPricer } from '../messaging';
import { senderIdProblem } from '../phone';
import { audiencePage } from './audience';
import { specOf } from './campaign-model';
import { bodyOf, countryOfNumber, finalText, textPlans, urlsOf } from './plan';
import { createQuietCalendar, zoneOfCountry } from './quiet-hours';
import type { CampaignsDeps } from './shared';
import { parseVariants } from './variants';

/** Contacts per fan-out transaction. */
export const FANOUT_BATCH = 2000;
/** Most messages released to the dispatch queue per campaign and pass. */
const RELEASE_LIMIT = 5000;
/**
 * A pass of `runDue` fans out for about this long before letting the other workers run. A work budget, so it
 * is measured on the monotonic timer (`performance.now()`), not on the clock that dates things.
 */
const FANOUT_SLICE_MS = 1000;

const ACTIVE = ['scheduled', 'sending', 'paused'] as const;

/** A test hook: called inside a batch's transaction after its messages are written. */
export type FanoutFault = (info: { campaignId: string; batch: number }) => void;

/**
 * The fan-out: turns a started campaign's audience into messages, one batch of contacts per transaction.
 * The cursor (last contact id) and the count move in the same transaction as the batch's messages, so a
 * crash repeats at most an uncommitted batch and skips nothing; the unique (campaign, number) index is the
 * second guard. It also moves scheduled campaigns to sending, releases due messages while a campaign is
 * sending, and completes campaigns once everything was handed to a route.
 */
export function createFanout(deps: CampaignsDeps) {
  const { db, clock, ids } = deps;
  const batchSize = deps.batchSize ?? FANOUT_BATCH;

  async function accountContext(accountId: string) {
    const account = await db
      .selectFrom('accounts')
      .select('settings')
      .where('id', '=', accountId)
      .executeTakeFirst();
    const messaging = parseMessagingSettings(account?.settings);
    const prices = await deps.priceBook.listFor(db, accountId);
    return { messaging, pricer: createTextPricer({ settings: messaging, prices }) };
  }

  function calendarOf(row: CampaignsTable) {
    return createQuietCalendar(
      row.quiet_start === null || row.quiet_end === null
        ? null
        : { start: Number(row.quiet_start), end: Number(row.quiet_end) },
    );
  }

  /**
   * One batch of one campaign. Returns how many contacts it wrote messages for, and whether the fan-out
   * of that campaign is now complete; `{ processed: 0, done: false }` when there was nothing to do.
   */
  async function step(
    campaignId: string,
    fault?: FanoutFault,
  ): Promise<{ processed: number; done: boolean }> {
    const before = await db
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', campaignId)
      .executeTakeFirst();
    if (!before || Number(before.fanout_done) === 1 || !(ACTIVE as readonly string[]).includes(before.status))
      return { processed: 0, done: false };
    const { messaging, pricer } = await accountContext(before.account_id);
    const wanted = before.sender ?? senderFor(messaging, deps.sharedSender);
    // Checked again here: a value stored before sender ids were checked never reaches a carrier. The
    // batch's messages are refused instead (the campaign's stats count them failed, each names the code),
    // and the refused rows do not keep the bad value either.
    const senderProblem = senderIdProblem(wanted);
    const sender = senderProblem ? '' : wanted;
    const nextAllowed = calendarOf(before);
    const plans = textPlans({
      campaignId: before.id,
      text: before.text,
      variants: parseVariants(before.variants),
      footer: before.footer,
      // Turned off by the operator after the start: URLs go out as written, not through the platform's domain.
      trackLinks: Number(before.track_links) === 1 && messaging.trackedLinks && deps.links != null,
      hasAttachment: before.attachment_id !== null && deps.links != null,
      publicUrl: deps.publicUrl,
    });

    return db.transaction().execute(async (tx: Tx) => {
      const now = clock.now();
      // Takes the campaign's row lock first: a concurrent cancel or another worker waits for this batch.
      const locked = await tx
        .updateTable('campaigns')
        .set({ updated_at: now })
        .where('id', '=', campaignId)
        .where('status', 'in', [...ACTIVE])
        .where('fanout_done', '=', 0)
        .executeTakeFirst();
      if (Number(locked.numUpdatedRows) !== 1) return { processed: 0, done: false };
      const row = await tx
        .selectFrom('campaigns')
        .selectAll()
        .where('id', '=', campaignId)
        .executeTakeFirstOrThrow();
      const batchNo = Math.ceil(Number(row.fanout_count) / batchSize);
      const page = await audiencePage(tx, specOf(row), row.fanout_cursor, batchSize, deps.blocked);

      const startAt = Number(row.start_at ?? now);
      const speed = row.speed_per_minute === null ? 0 : Number(row.speed_per_minute);
      const offset = Number(row.fanout_count);
      // The variant of each recipient comes from a hash of the campaign and the number: a batch written
      // again after a crash gives everyone the variant they had.
      const variants = page.contacts.map((c) => plans.pick(c.phone));
      const planOf = (i: number) => plans.plans[variants[i]!]!;
      const bodies = page.contacts.map((c, i) => bodyOf(planOf(i), c));
      const messageIds = page.contacts.map(() => ids('msg'));

      let shortUrls: Array<string[] | null> = page.contacts.map(() => null);
      const plan = plans.plans[0]!;
      if (plan.trackLinks && deps.links) {
        const withUrls: Array<{ index: number; urls: string[] }> = [];
        bodies.forEach((body, index) => {
          const urls = urlsOf(planOf(index), body);
          if (urls.length > 0) withUrls.push({ index, urls });
        });
        if (withUrls.length > 0) {
          const issued = await deps.links.issuer.issueBatch(tx, {
            accountId: row.account_id,
            campaignId: row.id,
            recipients: withUrls.map((w) => ({
              messageId: messageIds[w.index]!,
              contactId: page.contacts[w.index]!.id,
              urls: w.urls,
            })),
          });
          shortUrls = page.contacts.map(() => null);
          withUrls.forEach((w, k) => {
            shortUrls[w.index] = issued[k] ?? null;
          });
        }
      }
      let attachmentUrls: string[] | null = null;
      if (plan.hasAttachment && deps.links && row.attachment_id && page.contacts.length > 0) {
        attachmentUrls = await deps.links.issuer.issueAttachmentLinks(tx, {
          accountId: row.account_id,
          campaignId: row.id,
          attachmentId: row.attachment_id,
          recipients: page.contacts.map((c, i) => ({ messageId: messageIds[i]!, contactId: c.id })),
        });
      }

      const messages: CampaignMessage[] = page.contacts.map((c, i) => {
        const text = finalText(planOf(i), bodies[i]!, shortUrls[i] ?? null, attachmentUrls?.[i] ?? null);
        const country = countryOfNumber(c.phone);
        const priced = pricer(text, country);
        const slot = speed > 0 ? startAt + Math.floor(((offset + i) * 60_000) / speed) : startAt;
        return {
          id: messageIds[i]!,
          to: c.phone,
          country,
          text: priced.analysis.text,
          encoding: priced.analysis.encoding,
          segments: priced.analysis.segments,
          price: priced.price,
          sendAt: nextAllowed(slot, zoneOfCountry(country) ?? row.timezone),
          variant: plans.split ? variants[i]! : null,
        };
      });

      // The reservation made at start covers the audience as it was then; contacts added or changed since
      // may need more, reserved now, or their messages are refused rather than sent on credit.
      let left = Number(row.reserve_left);
      const cost = messages.reduce((sum, m) => sum + m.price, 0);
      if (cost > left) {
        try {
          await deps.ledger.reserve(tx, {
            accountId: row.account_id,
            amountMicro: cost - left,
            ref: { type: 'campaign', id: row.id },
            note: 'campaign: audience grew since start',
          });
          left = cost;
        } catch (error) {
          // Unverified free credits refuse like a lack of credits: the messages past the budget are refused.
          if (
            !isAppError(error) ||
            (error.code !== 'insufficient_credits' && error.code !== 'email_unverified')
          )
            throw error;
          const code = error.code;
          let budget = left;
          for (const m of messages) {
            if (m.price <= budget) budget -= m.price;
            else
              m.error = {
                code,
                detail:
                  code === 'insufficient_credits'
                    ? 'The campaign reservation and balance ran out.'
                    : 'The campaign reservation ran out, and the rest of the balance is free credits that wait for a verified e-mail.',
              };
          }
        }
      }
      if (senderProblem) {
        for (const m of messages)
          m.error = { code: 'invalid_sender_id', detail: `The campaign's sender ${senderProblem}.` };
      }
      const written = await deps.messages.insertBatch(tx, {
        accountId: row.account_id,
        campaignId: row.id,
        sender,
        type: row.type,
        createdBy: row.created_by,
        messages,
      });
      left -= written.cost;
      fault?.({ campaignId, batch: batchNo });

      const done = page.scanned < batchSize;
      if (done && left > 0) {
        await deps.ledger.settle(
          tx,
          [{ accountId: row.account_id, kind: 'release', amountMicro: left }],
          'campaign fan-out done',
        );
        left = 0;
      }
      await tx
        .updateTable('campaigns')
        .set({
          fanout_cursor: page.last ?? row.fanout_cursor,
          fanout_count: offset + page.contacts.length,
          fanout_done: done ? 1 : 0,
          reserve_left: left,
          updated_at: now,
        })
        .where('id', '=', campaignId)
        .execute();
      return { processed: page.contacts.length, done };
    });
  }

  /** Runs one campaign's fan-out to the end (the benchmark and tests; workers use `runDue`). */
  async function runToEnd(campaignId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const { processed, done } = await step(campaignId);
      total += processed;
      if (done || processed === 0) {
        if (!done) {
          const row = await db
            .selectFrom('campaigns')
            .select(['fanout_done'])
            .where('id', '=', campaignId)
            .executeTakeFirst();
          if (!row || Number(row.fanout_done) === 1) return total;
          // An empty page that is not the last cannot happen: the page size equals the batch size.
          throw new AppError('internal_error', 'fan-out made no progress');
        }
        return total;
      }
    }
  }

  /**
   * Releases due messages of a sending campaign, holding back countries that are in quiet hours. The
   * speed limit counts from the campaign's `released_at`, read and written in the release transaction
   * after a write to the campaign row (the lock on PostgreSQL, the single writer on SQLite), so several
   * campaign workers together keep one pace. The planned send times already spread the messages; this
   * keeps the pace when many become due at once (a quiet window opening, a resume).
   */
  async function release(row: CampaignsTable): Promise<number> {
    const nextAllowed = calendarOf(row);
    const now = clock.now();
    const speed = row.speed_per_minute === null ? 0 : Number(row.speed_per_minute);
    return db.transaction().execute(async (tx) => {
      await tx.updateTable('campaigns').set({ updated_at: now }).where('id', '=', row.id).execute();
      const still = await tx
        .selectFrom('campaigns')
        .select(['status', 'released_at'])
        .where('id', '=', row.id)
        .executeTakeFirst();
      if (still?.status !== 'sending') return 0;
      let limit = RELEASE_LIMIT;
      if (speed > 0) {
        const since = still.released_at === null ? now - 60_000 : Number(still.released_at);
        limit = Math.min(RELEASE_LIMIT, speed, Math.floor(((now - since) * speed) / 60_000));
        if (limit < 1) return 0;
      }
      const released = await deps.messages.releaseDue(tx, {
        campaignId: row.id,
        limit,
        openingOf: (country) => nextAllowed(now, zoneOfCountry(country) ?? row.timezone),
      });
      if (speed > 0 && released > 0)
        await tx.updateTable('campaigns').set({ released_at: now }).where('id', '=', row.id).execute();
      return released;
    });
  }

  /** Unsent messages of cancelled campaigns fail in short batches (see the cancel in campaigns.ts). */
  async function failCancelled(until: number): Promise<number> {
    const cancelled = await db
      .selectFrom('campaigns')
      .select('id')
      .where('status', '=', 'cancelled')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('messages')
            .select('messages.id')
            .whereRef('messages.campaign_id', '=', 'campaigns.id')
            .where('messages.status', 'in', ['scheduled', 'queued']),
        ),
      )
      .execute();
    let work = 0;
    for (const { id } of cancelled) {
      for (;;) {
        const { cancelled: n } = await db.transaction().execute((tx) => deps.messages.cancel(tx, id));
        work += n;
        if (n === 0 || performance.now() >= until) break;
      }
      if (performance.now() >= until) break;
    }
    return work;
  }

  return {
    step,
    runToEnd,

    /**
     * One pass of the campaign worker: fan-out batches (for about a second), scheduled → sending,
     * release of due messages, completion. Returns a count of work done (0 when idle).
     */
    async runDue(): Promise<number> {
      let work = 0;
      const now = clock.now();
      const pending = await db
        .selectFrom('campaigns')
        .select('id')
        .where('status', 'in', [...ACTIVE])
        .where('fanout_done', '=', 0)
        .orderBy('id')
        .limit(20)
        .execute();
      const until = performance.now() + FANOUT_SLICE_MS;
      for (const { id } of pending) {
        do {
          const { processed, done } = await step(id);
          if (processed === 0 && !done) break;
          work += Math.max(1, processed);
          if (done) break;
        } while (performance.now() < until);
        if (performance.now() >= until) break;
      }
      const woke = await db
        .updateTable('campaigns')
        .set({ status: 'sending', updated_at: now })
        .where('status', '=', 'scheduled')
        .where('start_at', '<=', now)
        .executeTakeFirst();
      work += Number(woke.numUpdatedRows);

      work += await failCancelled(until);

      const sending = await db.selectFrom('campaigns').selectAll().where('status', '=', 'sending').execute();
      for (const row of sending) {
        work += await release(row);
        if (Number(row.fanout_done) !== 1) continue;
        const waiting = await db
          .selectFrom('messages')
          .select('id')
          .where('campaign_id', '=', row.id)
          .where('status', 'in', ['scheduled', 'queued'])
          .limit(1)
          .executeTakeFirst();
        if (waiting) continue;
        const completed = await db
          .updateTable('campaigns')
          .set({ status: 'completed', completed_at: clock.now(), updated_at: clock.now() })
          .where('id', '=', row.id)
          .where('status', '=', 'sending')
          .where('fanout_done', '=', 1)
          .executeTakeFirst();
        work += Number(completed.numUpdatedRows);
      }
      return work;
    },
  };
}

export type Fanout = ReturnType<typeof createFanout>;
