import type { SelectQueryBuilder } from 'kysely';
import type { DbOrTx } from '../../storage/database';
import type { MessagesTable } from '../../storage/schema';
import type { CampaignsTable } from '../../storage/schema-campaigns';

/** The final statuses of a message that did not reach its recipient and that "resend to failed" retries. */
export const RESEND_STATUSES = ['failed', 'undelivered', 'expired'] as const;

/** Failed messages of a campaign that are not worth a resend: they were never tried. */
const NEVER_TRIED = 'campaign_cancelled';

/**
 * Narrows a query over `messages as m` to the messages of `campaignId` that ended failed, undelivered or
 * expired by `before`: the audience of a "resend to failed" draft made at `before`. Messages failed by a
 * cancel (never tried), and messages the client deleted, are left out. The (campaign, number) and
 * (campaign, status) indexes serve it.
 */
export function resendableMessages<DB extends { m: MessagesTable }, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  campaignId: string,
  before: number,
): SelectQueryBuilder<DB, TB, O> {
  const q = qb as unknown as SelectQueryBuilder<{ m: MessagesTable }, 'm', O>;
  return q
    .where('m.campaign_id', '=', campaignId)
    .where('m.status', 'in', [...RESEND_STATUSES])
    .where('m.done_at', '<=', before)
    .where('m.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([eb('m.error_code', 'is', null), eb('m.error_code', '!=', NEVER_TRIED)]),
    ) as unknown as SelectQueryBuilder<DB, TB, O>;
}

/**
 * How many numbers a resend made at `before` would reach today: resendable messages (one per number:
 * a campaign writes each number once) whose number is still a live contact and not suppressed. One
 * query over the campaign's own messages, however large the account.
 */
export async function countResendable(db: DbOrTx, campaign: CampaignsTable, before: number): Promise<number> {
  const row = await resendableMessages(db.selectFrom('messages as m'), campaign.id, before)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('contacts as c')
          .select(eb.lit(1).as('one'))
          .where('c.account_id', '=', campaign.account_id)
          .where('c.deleted_at', 'is', null)
          .whereRef('c.phone', '=', 'm.to_number'),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('suppressions as s')
            .select(eb.lit(1).as('one'))
            .where('s.account_id', '=', campaign.account_id)
            .whereRef('s.phone', '=', 'm.to_number')
            .$if(campaign.type === 'transactional', (sq) => sq.where('s.scope', '=', 'all')),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Statuses the failed-recipients list shows: the resendable ones and refusals (no credit, bad sender…). */
const NOT_ARRIVED = [...RESEND_STATUSES, 'rejected'] as const;

export interface FailedRecipient {
  /** The message id (`msg_…`). */
  id: string;
  to: string;
  status: string;
  errorCode: string | null;
  errorDetail: string | null;
  at: string | null;
  /** True when "resend to failed" would include this number (if still a contact and not suppressed). */
  resendable: boolean;
}

/** One page of a campaign's messages that did not arrive, in message-id order. */
export async function listFailed(
  db: DbOrTx,
  campaignId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<FailedRecipient[]> {
  let q = db
    .selectFrom('messages')
    .select(['id', 'to_number', 'status', 'error_code', 'error_detail', 'done_at'])
    .where('campaign_id', '=', campaignId)
    .where('status', 'in', [...NOT_ARRIVED])
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .limit(page.limit);
  if (page.cursor) q = q.where('id', '>', page.cursor);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    to: r.to_number,
    status: r.status,
    errorCode: r.error_code,
    errorDetail: r.error_detail,
    at: r.done_at === null ? null : new Date(Number(r.done_at)).toISOString(),
    resendable: (RESEND_STATUSES as readonly string[]).includes(r.status) && r.error_code !== NEVER_TRIED,
  }));
}
