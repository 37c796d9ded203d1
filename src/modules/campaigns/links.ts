/**
 * Short links with click tracking, composed from its parts: URLs found in a text (link-urls), codes and
 * their insert (link-codes, link-store), issuing at fan-out (link-issuer), following and click recording
 * (link-follow), click counts (link-stats), the operator's domain view (link-domains) and expiry
 * (link-expiry).
 */
import type { DbOrTx } from '../../storage/database';
import { createLinkDomains } from './link-domains';
import { createLinkExpiry } from './link-expiry';
import { createLinkFollowing, type LinksDeps } from './link-follow';

/** Following links (the public `/l/` and `/a/` routes), recording clicks, the domain view and the expiry sweep. */
export function createLinks(deps: LinksDeps) {
  const following = createLinkFollowing(deps);
  const domains = createLinkDomains(deps);
  const expiry = createLinkExpiry(deps);
  return {
    resolve: following.resolve,
    recordClick: following.recordClick,
    domains: domains.domains,
    expireCampaignLinks: expiry.expireCampaignLinks,
    sweepLinks: expiry.sweepLinks,
  };
}

export type Links = ReturnType<typeof createLinks>;

/** The accounts that own the given short-link codes (a code no account owns is absent). */
export async function linkOwners(db: DbOrTx, codes: readonly string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const unique = [...new Set(codes)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('links')
      .select(['code', 'account_id'])
      .where('code', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of rows) owners.set(r.code, r.account_id);
  }
  return owners;
}
