/** When short links stop working: a campaign's retention sets their expiry, and the sweep marks expired ones deleted. */
import type { Clock } from '../../kernel/clock';
import type { Db, DbOrTx } from '../../storage/database';

const SWEEP_BATCH = 1000;

export function createLinkExpiry({ db, clock }: { db: Db; clock: Clock }) {
  return {
    /** Sets the expiry of every link of a campaign (its retention); null removes it. */
    async expireCampaignLinks(
      tx: DbOrTx,
      input: { accountId: string; campaignId: string; expiresAt: number | null },
    ): Promise<number> {
      const result = await tx
        .updateTable('links')
        .set({ expires_at: input.expiresAt })
        .where('account_id', '=', input.accountId)
        .where('campaign_id', '=', input.campaignId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /**
     * Marks links past their expiry deleted, in batches; returns how many. Idempotent: marked links are
     * not matched again. Their clicks stay for the campaign's statistics until the campaign is purged.
     */
    async sweepLinks(now: number = clock.now()): Promise<number> {
      let done = 0;
      for (;;) {
        const batch = await db
          .selectFrom('links')
          .select('code')
          .where('expires_at', 'is not', null)
          .where('expires_at', '<=', now)
          .where('deleted_at', 'is', null)
          .limit(SWEEP_BATCH)
          .execute();
        if (batch.length === 0) return done;
        await db
          .updateTable('links')
          .set({ deleted_at: now })
          .where(
            'code',
            'in',
            batch.map((b) => b.code),
          )
          .where('deleted_at', 'is', null)
          .execute();
        done += batch.length;
        if (batch.length < SWEEP_BATCH) return done;
      }
    },
  };
}
