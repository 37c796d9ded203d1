/**
 * Short links with click tracking, composed from its parts: URLs found in a text (link-urls), codes and
 * their insert (link-codes, link-store), issuing at fan-out (link-issuer), following and click recording
 * (link-follow), click counts (link-stats), the operator's domain view (link-domains) and expiry
 * (link-expiry).
 */
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
