/** Click counts of a campaign's links, for its statistics: in all and per A/B variant. */
import type { Db, DbOrTx } from '../../storage/database';

/** Click counts of a campaign: every click (bots too), unique human clicks (one per link), bot clicks. */
export interface ClickStats {
  total: number;
  unique: number;
  bots: number;
}

export function createLinkStats(_deps: { db: Db }) {
  return {
    async clicks(db: DbOrTx, accountId: string, campaignId: string): Promise<ClickStats> {
      const row = await db
        .selectFrom('link_clicks')
        .select((eb) => [
          eb.fn.countAll<number>().as('total'),
          eb.fn.coalesce(eb.fn.sum<number>('is_first'), eb.lit(0)).as('uniq'),
          eb.fn
            .coalesce(
              eb.fn.sum<number>(eb.case().when('ua_family', '=', 'bot').then(1).else(0).end()),
              eb.lit(0),
            )
            .as('bots'),
        ])
        .where('account_id', '=', accountId)
        .where('campaign_id', '=', campaignId)
        .executeTakeFirst();
      return { total: Number(row?.total ?? 0), unique: Number(row?.uniq ?? 0), bots: Number(row?.bots ?? 0) };
    },

    /** The same counts per A/B variant of the campaign, from the message each clicked link was made for. */
    async clicksByVariant(
      db: DbOrTx,
      accountId: string,
      campaignId: string,
    ): Promise<Map<number, ClickStats>> {
      const rows = await db
        .selectFrom('link_clicks as k')
        .innerJoin('links as l', 'l.code', 'k.code')
        .innerJoin('messages as m', 'm.id', 'l.message_id')
        .select((eb) => [
          'm.variant',
          eb.fn.countAll<number>().as('total'),
          eb.fn.coalesce(eb.fn.sum<number>('k.is_first'), eb.lit(0)).as('uniq'),
          eb.fn
            .coalesce(
              eb.fn.sum<number>(eb.case().when('k.ua_family', '=', 'bot').then(1).else(0).end()),
              eb.lit(0),
            )
            .as('bots'),
        ])
        .where('k.account_id', '=', accountId)
        .where('k.campaign_id', '=', campaignId)
        .where('m.variant', 'is not', null)
        .groupBy('m.variant')
        .execute();
      return new Map(
        rows.map((r) => [
          Number(r.variant),
          { total: Number(r.total), unique: Number(r.uniq), bots: Number(r.bots) },
        ]),
      );
    },
  };
}

export type LinkStats = ReturnType<typeof createLinkStats>;
