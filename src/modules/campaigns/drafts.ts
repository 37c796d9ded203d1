/** Campaign drafts: create, edit (a draft only) and delete (a draft only; a started campaign is cancelled). */
import { AppError } from '../../kernel/errors';
import type { CampaignsTable } from '../../storage/schema-campaigns';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import {
  type CampaignInput,
  type CampaignPatch,
  type CampaignView,
  campaignView,
  stateError,
} from './campaign-model';
import { checkedDraft, inputOf } from './draft-rules';
import { type CampaignsDeps, ownCampaign } from './shared';

export function createDrafts(deps: CampaignsDeps) {
  const { db, clock, ids, audit } = deps;
  return {
    async create(actor: ClientActor, input: CampaignInput): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const row: CampaignsTable = {
          id: ids('cmp'),
          account_id: actor.accountId,
          status: 'draft',
          ...(await checkedDraft(tx, clock, actor.accountId, input)),
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        };
        await tx.insertInto('campaigns').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.created',
          target: { type: 'campaign', id: row.id },
          data: { type: row.type, groups: JSON.parse(row.group_ids).length },
        });
        return campaignView(row);
      });
    },

    async update(actor: ClientActor, id: string, patch: CampaignPatch): Promise<CampaignView> {
      return db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'draft') throw stateError(row, 'edited');
        const merged: CampaignInput = { ...inputOf(row), ...patch };
        // A new text replaces the template's; a new template brings its text.
        if (patch.templateId && patch.text === undefined) merged.text = undefined;
        if (merged.variants) {
          // A split's texts are its variants': `text` alone would leave it ambiguous which one changes.
          if (patch.variants === undefined && (patch.text !== undefined || patch.templateId))
            throw new AppError(
              'validation_failed',
              'This campaign splits its text: change `variants`, or set `variants` to null first.',
              { errors: [{ path: '/body/text', message: 'the campaign has variants' }] },
            );
          merged.text = undefined;
          merged.templateId = undefined;
        }
        const next: CampaignsTable = {
          ...row,
          ...(await checkedDraft(tx, clock, actor.accountId, merged, row.resend_of)),
          updated_at: clock.now(),
        };
        await tx
          .updateTable('campaigns')
          .set(next)
          .where('id', '=', id)
          .where('status', '=', 'draft')
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.updated',
          target: { type: 'campaign', id },
          data: { fields: Object.keys(patch) },
        });
        return campaignView(next);
      });
    },

    async remove(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const row = await ownCampaign(tx, actor.accountId, id);
        if (row.status !== 'draft') throw stateError(row, 'deleted (cancel it instead)');
        await tx.deleteFrom('campaigns').where('id', '=', id).where('status', '=', 'draft').execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'campaign.deleted',
          target: { type: 'campaign', id },
        });
      });
    },
  };
}
