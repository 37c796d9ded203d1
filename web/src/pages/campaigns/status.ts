import type { Campaign } from '../../api/campaigns';

/** Statuses in which a campaign still sends (or will): its credits are reserved and it can be cancelled. */
export const LIVE = new Set(['scheduled', 'sending', 'paused']);

/** Still changing: live, or cancelled while its unsent messages are being failed in the background. */
export function moving(c: Campaign): boolean {
  return LIVE.has(c.status) || (c.status === 'cancelled' && (c.stats?.queued ?? 0) > 0);
}

/**
 * Finished handing messages over, but some delivery reports are still to come (for a day at most: a
 * carrier may never send one), so the figures and the failed recipients still change.
 */
export function awaitingReports(c: Campaign): boolean {
  const s = c.stats;
  if (c.status !== 'completed' || !s || !c.completedAt) return false;
  if (Date.now() - new Date(c.completedAt).getTime() > 24 * 3600_000) return false;
  return s.sent > s.delivered + s.undelivered;
}
