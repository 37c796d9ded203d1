/** The operator's view of where the platform's short links lead, by target domain and account. */
import type { Db } from '../../storage/database';

/** Most (account, URL) groups one domain listing reads: the newest ones. */
const DOMAIN_GROUPS = 50_000;

/** One target domain of an account's short links. */
export interface LinkDomain {
  domain: string;
  accountId: string;
  links: number;
  lastSeen: string;
}

export function createLinkDomains({ db }: { db: Db }) {
  return {
    /**
     * The operator's view of where the platform's short links lead: per target domain and account, how
     * many links and when the last was made, newest first. Grouped by URL in the database (a campaign's
     * links to one URL are one group), then by host here.
     */
    async domains(filter: { accountId?: string | undefined; limit: number }): Promise<LinkDomain[]> {
      let q = db
        .selectFrom('links')
        .select((eb) => [
          'account_id',
          'target_url',
          eb.fn.countAll<number>().as('n'),
          eb.fn.max('created_at').as('last'),
        ])
        .where('target_url', 'is not', null)
        .groupBy(['account_id', 'target_url'])
        .orderBy('last', 'desc')
        .limit(DOMAIN_GROUPS);
      if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
      const byKey = new Map<string, { domain: string; accountId: string; links: number; last: number }>();
      for (const row of await q.execute()) {
        let domain: string;
        try {
          domain = new URL(row.target_url!).hostname.toLowerCase();
        } catch {
          continue;
        }
        const key = `${row.account_id} ${domain}`;
        const entry = byKey.get(key) ?? { domain, accountId: row.account_id, links: 0, last: 0 };
        entry.links += Number(row.n);
        entry.last = Math.max(entry.last, Number(row.last));
        byKey.set(key, entry);
      }
      return [...byKey.values()]
        .sort((a, b) => b.last - a.last || a.domain.localeCompare(b.domain))
        .slice(0, filter.limit)
        .map((e) => ({
          domain: e.domain,
          accountId: e.accountId,
          links: e.links,
          lastSeen: new Date(e.last).toISOString(),
        }));
    },
  };
}
