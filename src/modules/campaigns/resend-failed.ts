/**
 * "Resend to failed": a new draft whose audience is the campaign's recipients whose message did not arrive,
 * and the list of those messages.
 */
import { AppError } from '../../kernel/errors';
import type { CampaignsTable } from '../../storage/schema-campaigns';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { type CampaignView, campaignView, NOT_STARTED, stateError } from './campaign-model';
import { countResendable, listFailed } from './resend';
import { type CampaignsDeps, ownCampaign } from './shared';

export function createResendFailed(deps: CampaignsDeps) {
  const { db, clock, ids, audit } = deps;
  return {
    /**
     * "Resend to failed": a new draft, a copy of the campaign's content and settings, whose audience is
     * the contacts whose message of this campaign ended failed, undelivered or expired by now (cancelled
     * ones were never tried and are left out), less those suppressed or deleted since (the audience query
     * leaves them out at preview, start and fan-out). The numbers are not copied: the draft refers to the
     * campaign and the moment it was made. The user reviews it and starts it like any draft.
     */
    async resendFailed(actor: ClientActor, id: string): Promise<CampaignView & { numbers: number }> {
      return db.transaction().execute(async (tx) => {
        const source = await ownCampaign(tx, actor.accountId, id);
        if (source.started_at === null) throw stateError(source, 'resent before it was started');
        const now = clock.now();
        const numbers = await countResendable(tx, source, now);
        if (numbers === 0)
          throw new AppError(
            'audience_empty',
            'No message of this campaign ended failed, undelivered or expired to a contact that can still receive it.',
          );
        const row: CampaignsTable = Object.assign({}, source, {
          id: ids('cmp'),
          name: `${source.name} (resend to failed)`.slice(0, 200),
          status: 'draft' as const,
          group_ids: '[]',
          contact_filter: null,
          send_at: null,
          released_at: null,
          resend_of: source.id,
          ...NOT_STARTED,
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        });
        await tx.insertInto('campaigns').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.resend_created',
          target: { type: 'campaign', id: row.id },
          data: { source: source.id, numbers },
        });
        return Object.assign(campaignView(row), { numbers });
      });
    },

    /** The campaign's messages that did not arrive, oldest first, and whether a resend would retry each. */
    async failedRecipients(
      actor: ClientActor,
      id: string,
      page: { limit: number; cursor?: string | undefined },
    ) {
      const row = await ownCampaign(db, actor.accountId, id);
      return listFailed(db, row.id, page);
    },
  };
}
