/**
 * A campaign's lifecycle: start (fix footer, schedule and quiet window, reserve the whole cost in one ledger
 * entry), pause, resume and cancel (the unused reservation goes back at once).
 */
import { AppError } from '../../kernel/errors';
import type { CampaignStatus } from '../../storage/schema-campaigns';
import type { ClientActor } from '../accounts';
import { senderFor } from '../accounts';
import { auditActorOf } from '../audit';
import { microToCredits } from '../billing';
import { assertSenderId } from '../phone';
import { type CampaignView, stateError, textsOf } from './campaign-model';
import type { CostPreview } from './cost-preview';
import { PAST_GRACE_MS, trackedLinksDisabled } from './draft-rules';
import type { CampaignProgress } from './progress';
import { formatClockTime, parseClockTime } from './quiet-hours';
import { campaignSettingsOf } from './settings';
import { type CampaignsDeps, checkTemplate, fieldKeysOf, ownCampaign } from './shared';

export function createLifecycle(
  deps: CampaignsDeps,
  parts: { cost: Pick<CostPreview, 'costing' | 'footerFor'>; progress: Pick<CampaignProgress, 'withStats'> },
) {
  const { db, clock, audit } = deps;
  const { costing, footerFor } = parts.cost;
  const { withStats } = parts.progress;
  return {
    /**
     * Starts a draft: fixes the footer, schedule and quiet window, counts and prices the whole audience,
     * and reserves that total in one ledger entry (or refuses with `insufficient_credits`, changing nothing).
     */
    async start(actor: ClientActor, id: string): Promise<CampaignView> {
      const row = await ownCampaign(db, actor.accountId, id);
      if (row.status !== 'draft') throw stateError(row, 'started');
      const account = await db
        .selectFrom('accounts')
        .select('status')
        .where('id', '=', actor.accountId)
        .executeTakeFirst();
      if (account?.status !== 'active')
        throw new AppError(
          'account_suspended',
          `The account is ${account?.status ?? 'unknown'} and cannot send.`,
        );
      const now = clock.now();
      if (row.send_at !== null && Number(row.send_at) < now - PAST_GRACE_MS)
        throw new AppError('invalid_schedule', '/body/sendAt is in the past: set a new time or none.', {
          errors: [{ path: '/body/sendAt', message: 'is in the past' }],
        });
      const settings = await campaignSettingsOf(db, actor.accountId);
      const footer = footerFor(row, settings);
      // A new custom field may have been deleted since the draft was saved.
      const fieldKeys = await fieldKeysOf(db, actor.accountId);
      textsOf(row).forEach((text, i) => {
        checkTemplate(text, fieldKeys, row.variants ? `/body/variants/${i}/text` : '/body/text');
      });
      if (row.attachment_id) {
        const attachment = await db
          .selectFrom('attachments')
          .select('id')
          .where('id', '=', row.attachment_id)
          .where('account_id', '=', actor.accountId)
          .where('deleted_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (!attachment)
          throw new AppError('not_found', 'No such attachment (or it has expired).', {
            errors: [{ path: '/body/attachmentId', message: 'no such attachment' }],
          });
      }
      const { measured, messaging } = await costing(row, footer);
      // The sender as it will be used: the campaign's own, or the account's default (which may be a value
      // stored before sender ids were checked).
      if (Number(row.track_links) === 1 && !messaging.trackedLinks) throw trackedLinksDisabled();
      if (row.sender !== null) assertSenderId(row.sender, '/body/from');
      else assertSenderId(senderFor(messaging, deps.sharedSender), '/defaultSender');
      if (deps.trust) {
        const sender = row.sender ?? senderFor(messaging, deps.sharedSender);
        const path = row.sender !== null ? '/body/from' : '/defaultSender';
        await deps.trust.checkSenders(
          db,
          actor.accountId,
          [...measured.byCountry.keys()].map((country) => ({ sender, country, path })),
        );
        // A campaign is not held message by message: a text that a rule would reject or hold is refused at
        // start, naming the rule (the operator can give the account an exception).
        const verdicts = await deps.trust.checkContent(db, actor.accountId, textsOf(row));
        const [verdict] = verdicts.values();
        if (verdict)
          throw new AppError('content_blocked', verdict.detail, {
            errors: [{ path: '/body/text', message: verdict.detail }],
            extra: { rule: verdict.rule, action: verdict.action },
          });
      }
      if (measured.recipients === 0)
        throw new AppError('audience_empty', 'No contact of these groups can receive this campaign.');
      if (measured.longest && measured.longest.segments > messaging.maxSegments)
        throw new AppError(
          'message_too_long',
          `The longest rendering needs ${measured.longest.segments} segments; the maximum is ${messaging.maxSegments}.`,
          { errors: [{ path: '/body/text', message: `needs ${measured.longest.segments} segments` }] },
        );
      const quiet =
        row.quiet_hours === 'off'
          ? null
          : row.quiet_hours
            ? (JSON.parse(row.quiet_hours) as { start: string; end: string })
            : row.type === 'marketing'
              ? { start: formatClockTime(settings.quietStart), end: formatClockTime(settings.quietEnd) }
              : null;
      const startAt = row.send_at !== null && Number(row.send_at) > now ? Number(row.send_at) : now;
      const status: CampaignStatus = startAt > now ? 'scheduled' : 'sending';
      return db.transaction().execute(async (tx) => {
        const updated = await tx
          .updateTable('campaigns')
          .set({
            status,
            footer,
            start_at: startAt,
            quiet_start: quiet ? parseClockTime(quiet.start) : null,
            quiet_end: quiet ? parseClockTime(quiet.end) : null,
            recipients: measured.recipients,
            reserved: measured.cost,
            reserve_left: measured.cost,
            started_at: now,
            updated_at: now,
          })
          .where('id', '=', id)
          .where('status', '=', 'draft')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1)
          throw stateError(await ownCampaign(tx, actor.accountId, id), 'started');
        if (measured.cost > 0) {
          await deps.ledger.reserve(tx, {
            accountId: actor.accountId,
            amountMicro: measured.cost,
            ref: { type: 'campaign', id },
            note: `campaign: ${measured.recipients} recipient(s)`,
          });
        }
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.started',
          target: { type: 'campaign', id },
          data: {
            recipients: measured.recipients,
            credits: microToCredits(measured.cost),
            scheduled: status === 'scheduled',
          },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },

    /** Holds every message not yet handed to a route; the fan-out may go on, nothing is released. */
    async pause(actor: ClientActor, id: string): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'sending' && row.status !== 'scheduled') throw stateError(row, 'paused');
        const now = clock.now();
        await tx
          .updateTable('campaigns')
          .set({ status: 'paused', paused_at: now, updated_at: now })
          .where('id', '=', id)
          .where('status', '=', row.status)
          .execute();
        const held = await deps.messages.hold(tx, id);
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.paused',
          target: { type: 'campaign', id },
          data: { held },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },

    /** Continues a paused campaign; its plan moves later by the time it was paused (pacing is kept). */
    async resume(actor: ClientActor, id: string): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'paused') throw stateError(row, 'resumed');
        const now = clock.now();
        const startAt = Number(row.start_at ?? now);
        const pausedAt = Number(row.paused_at ?? now);
        await deps.messages.shift(tx, id, now - Math.max(pausedAt, startAt));
        await tx
          .updateTable('campaigns')
          .set({ status: startAt > now ? 'scheduled' : 'sending', paused_at: null, updated_at: now })
          .where('id', '=', id)
          .where('status', '=', 'paused')
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.resumed',
          target: { type: 'campaign', id },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },

    /**
     * Stops for good. At once: nothing more is fanned out or handed to a route (queued messages go back
     * to held, which the dispatcher skips) and the unused reservation goes back. The campaign worker then
     * fails the unsent messages with `campaign_cancelled` in short batches, releasing their credits, so
     * cancelling a million messages never holds the database for long.
     */
    async cancel(actor: ClientActor, id: string): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (!['sending', 'scheduled', 'paused'].includes(row.status)) throw stateError(row, 'cancelled');
        const now = clock.now();
        const updated = await tx
          .updateTable('campaigns')
          .set({ status: 'cancelled', cancelled_at: now, updated_at: now, reserve_left: 0, fanout_done: 1 })
          .where('id', '=', id)
          .where('status', '=', row.status)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1)
          throw stateError(await ownCampaign(tx, actor.accountId, id), 'cancelled');
        await deps.messages.hold(tx, id);
        const pending = await tx
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('campaign_id', '=', id)
          .where('status', '=', 'scheduled')
          .executeTakeFirstOrThrow();
        const left = Number(row.reserve_left);
        if (left > 0)
          await deps.ledger.settle(
            tx,
            [{ accountId: row.account_id, kind: 'release', amountMicro: left }],
            'campaign cancelled',
          );
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.cancelled',
          target: { type: 'campaign', id },
          data: { unsent: Number(pending.n), credits: microToCredits(left) },
        });
        return withStats(await ownCampaign(tx, actor.accountId, id), tx);
      });
    },
  };
}
