/**
 * What a client reads of its campaigns: the list, one campaign with its live progress, and the detailed
 * statistics (delivery, clicks, opt-outs, per variant).
 */
import type { DbOrTx } from '../../storage/database';
import type { CampaignStatus, CampaignsTable } from '../../storage/schema-campaigns';
import type { ClientActor } from '../accounts';
import { type CampaignView, campaignView } from './campaign-model';
import { type CampaignsDeps, ownCampaign } from './shared';
import { createCampaignStats } from './stats';

export function createCampaignProgress(deps: CampaignsDeps) {
  const { db } = deps;
  const stats = createCampaignStats(deps);

  /** The campaign's view with its live counts. */
  async function withStats(row: CampaignsTable, via: DbOrTx = db): Promise<CampaignView> {
    return Object.assign(campaignView(row), { stats: await stats.summary(via, row) });
  }

  return {
    stats,
    withStats,

    async list(
      actor: ClientActor,
      page: { limit: number; cursor?: string | undefined; status?: CampaignStatus | undefined },
    ): Promise<CampaignView[]> {
      let q = db
        .selectFrom('campaigns')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      if (page.status) q = q.where('status', '=', page.status);
      return (await q.execute()).map(campaignView);
    },

    async get(actor: ClientActor, id: string): Promise<CampaignView> {
      return withStats(await ownCampaign(db, actor.accountId, id));
    },

    async statistics(actor: ClientActor, id: string) {
      const row = await ownCampaign(db, actor.accountId, id);
      return stats.detail(db, row);
    },
  };
}

export type CampaignProgress = ReturnType<typeof createCampaignProgress>;
