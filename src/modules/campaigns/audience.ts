import type { DbOrTx } from '../../storage/database';
import { resendableMessages } from './resend';

/** Who a campaign goes to: members of any of the groups, optionally narrowed by tags and countries. */
export interface AudienceSpec {
  accountId: string;
  groupIds: string[];
  filter: { tags?: string[] | undefined; countries?: string[] | undefined } | null;
  type: 'transactional' | 'marketing';
  /**
   * A "resend to failed" audience instead of groups: the contacts whose number had a message of that
   * campaign end failed, undelivered or expired by `before` (see resend.ts).
   */
  resend?: { campaignId: string; before: number } | null;
}

/** The contact fields a campaign renders and addresses. */
export interface AudienceContact {
  id: string;
  phone: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  country: string | null;
  fields: string;
}

/** Numbers that must not be messaged although on no suppression list (e.g. restricted data subjects). */
export type BlockedNumbers = (
  db: DbOrTx,
  accountId: string,
  phones: string[],
) => Promise<Map<string, string>>;

/**
 * One page of the audience in contact-id order, after `afterId`. Deleted contacts and suppressed numbers
 * (scope `all`, and `marketing` for marketing campaigns) are left out by the query itself. Each live
 * contact has its own number (unique per account), and a contact in two groups is one row, so a page holds
 * each number once. `last` is the id to continue after, even when the blocked filter dropped rows.
 */
export async function audiencePage(
  db: DbOrTx,
  spec: AudienceSpec,
  afterId: string | null,
  limit: number,
  blocked?: BlockedNumbers,
): Promise<{ contacts: AudienceContact[]; last: string | null; scanned: number }> {
  const resend = spec.resend ?? null;
  if (spec.groupIds.length === 0 && !resend) return { contacts: [], last: null, scanned: 0 };
  let q = db
    .selectFrom('contacts as c')
    .select(['c.id', 'c.phone', 'c.first_name', 'c.last_name', 'c.email', 'c.country', 'c.fields'])
    .where('c.account_id', '=', spec.accountId)
    .where('c.deleted_at', 'is', null)
    .where((eb) =>
      resend
        ? eb.exists(
            resendableMessages(eb.selectFrom('messages as m'), resend.campaignId, resend.before)
              .select(eb.lit(1).as('one'))
              .whereRef('m.to_number', '=', 'c.phone'),
          )
        : eb.exists(
            eb
              .selectFrom('group_members as gm')
              .select(eb.lit(1).as('one'))
              .whereRef('gm.contact_id', '=', 'c.id')
              .where('gm.group_id', 'in', spec.groupIds),
          ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('suppressions as s')
            .select(eb.lit(1).as('one'))
            .where('s.account_id', '=', spec.accountId)
            .whereRef('s.phone', '=', 'c.phone')
            .$if(spec.type === 'transactional', (sq) => sq.where('s.scope', '=', 'all')),
        ),
      ),
    )
    .orderBy('c.id')
    .limit(limit);
  if (afterId !== null) q = q.where('c.id', '>', afterId);
  const countries = spec.filter?.countries;
  if (countries && countries.length > 0) q = q.where('c.country', 'in', countries);
  const tags = spec.filter?.tags;
  if (tags && tags.length > 0) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('contact_tags as t')
          .select(eb.lit(1).as('one'))
          .whereRef('t.contact_id', '=', 'c.id')
          .where('t.tag', 'in', tags),
      ),
    );
  }
  const rows = (await q.execute()) as AudienceContact[];
  const last = rows.length > 0 ? rows[rows.length - 1]!.id : null;
  if (!blocked || rows.length === 0) return { contacts: rows, last, scanned: rows.length };
  const hits = await blocked(
    db,
    spec.accountId,
    rows.map((r) => r.phone),
  );
  const contacts = rows.filter((r) => {
    const why = hits.get(r.phone);
    return why === undefined || (why === 'marketing' && spec.type === 'transactional');
  });
  return { contacts, last, scanned: rows.length };
}
