import type { DbOrTx } from '../../storage/database';
import type { CampaignsTable } from '../../storage/schema-campaigns';
import { microToCredits } from '../billing';
import type { CampaignsDeps } from './shared';
import { parseVariants, VARIANT_LABELS } from './variants';

/**
 * A campaign's counters. `queued`: written but not handed to a route yet (held or in the dispatch queue);
 * `sent`: handed to a carrier, delivered and undelivered ones included (so `delivered` and `undelivered`
 * are parts of `sent`, never to be added to it); `failed`: failed, rejected or cancelled before sending.
 * `queued + sent + failed` is every message written. `cost`: credits charged so far.
 */
export interface CampaignStats {
  recipients: number;
  queued: number;
  sent: number;
  delivered: number;
  undelivered: number;
  failed: number;
  optedOut: number;
  clicks: number;
  uniqueClicks: number;
  cost: number;
}

const SENT = new Set(['sending', 'sent', 'delivered', 'undelivered', 'expired']);

function tally(rows: Array<{ status: string; count: number }>) {
  const t = { queued: 0, sent: 0, delivered: 0, undelivered: 0, failed: 0 };
  for (const r of rows) {
    if (r.status === 'scheduled' || r.status === 'queued') t.queued += r.count;
    if (SENT.has(r.status)) t.sent += r.count;
    if (r.status === 'delivered') t.delivered += r.count;
    if (r.status === 'undelivered' || r.status === 'expired') t.undelivered += r.count;
    if (r.status === 'failed' || r.status === 'rejected' || r.status === 'cancelled') t.failed += r.count;
  }
  return t;
}

/** Live statistics, read from the messages of the campaign (indexed by campaign and status). */
export function createCampaignStats(deps: Pick<CampaignsDeps, 'messages' | 'links'>) {
  /** STOP replies recorded after the start from numbers this campaign wrote to. */
  async function optedOut(db: DbOrTx, row: CampaignsTable): Promise<number> {
    if (row.started_at === null) return 0;
    const found = await db
      .selectFrom('suppressions as s')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('s.account_id', '=', row.account_id)
      .where('s.source', '=', 'stop_reply')
      .where('s.created_at', '>=', Number(row.started_at))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('messages as m')
            .select(eb.lit(1).as('one'))
            .where('m.campaign_id', '=', row.id)
            .whereRef('m.to_number', '=', 's.phone'),
        ),
      )
      .executeTakeFirst();
    return Number(found?.n ?? 0);
  }

  async function clicks(db: DbOrTx, row: CampaignsTable) {
    if (!deps.links) return { total: 0, unique: 0 };
    return deps.links.stats.clicks(db, row.account_id, row.id);
  }

  /** Per A/B variant: its text and share, and the same counters as the campaign's, clicks included. */
  async function variantFigures(db: DbOrTx, row: CampaignsTable) {
    const variants = parseVariants(row.variants) ?? [];
    const counts = await deps.messages.statsByVariant(db, row.id);
    const clicked = deps.links
      ? await deps.links.stats.clicksByVariant(db, row.account_id, row.id)
      : new Map<number, { total: number; unique: number }>();
    return variants.map((v, i) => {
      const mine = counts.filter((c) => c.variant === i);
      return {
        label: VARIANT_LABELS[i] ?? String(i + 1),
        text: v.text,
        percent: v.percent,
        messages: mine.reduce((n, c) => n + c.count, 0),
        ...tally(mine),
        clicks: clicked.get(i)?.total ?? 0,
        uniqueClicks: clicked.get(i)?.unique ?? 0,
      };
    });
  }

  return {
    async summary(db: DbOrTx, row: CampaignsTable): Promise<CampaignStats> {
      if (row.started_at === null)
        return {
          recipients: 0,
          queued: 0,
          sent: 0,
          delivered: 0,
          undelivered: 0,
          failed: 0,
          optedOut: 0,
          clicks: 0,
          uniqueClicks: 0,
          cost: 0,
        };
      const m = await deps.messages.stats(db, row.id);
      const c = await clicks(db, row);
      return {
        recipients: Number(row.recipients),
        ...tally(m.byStatus),
        optedOut: await optedOut(db, row),
        clicks: c.total,
        uniqueClicks: c.unique,
        cost: microToCredits(m.cost),
      };
    },

    /** The summary, per country, and per hour (sent and delivered). */
    async detail(db: DbOrTx, row: CampaignsTable) {
      const summary = await this.summary(db, row);
      const m = await deps.messages.stats(db, row.id);
      const countries = new Map<string, { rows: Array<{ status: string; count: number }>; cost: number }>();
      for (const r of m.byCountry) {
        const key = r.country ?? '';
        const entry = countries.get(key) ?? { rows: [], cost: 0 };
        entry.rows.push({ status: r.status, count: r.count });
        entry.cost += r.cost;
        countries.set(key, entry);
      }
      const timeline = await deps.messages.timeline(db, row.id);
      // Added up, never overwritten: one hour's figures must hold every row of that hour.
      const hours = new Map<number, { sent: number; delivered: number }>();
      const hour = (at: number) => {
        const entry = hours.get(at) ?? { sent: 0, delivered: 0 };
        hours.set(at, entry);
        return entry;
      };
      for (const s of timeline.sent) hour(s.hour).sent += s.count;
      for (const d of timeline.delivered) hour(d.hour).delivered += d.count;
      return {
        ...summary,
        ...(row.variants ? { variants: await variantFigures(db, row) } : {}),
        byCountry: [...countries]
          .map(([country, v]) => ({
            country: country || null,
            messages: v.rows.reduce((n, r) => n + r.count, 0),
            ...tally(v.rows),
            cost: microToCredits(v.cost),
          }))
          .sort((a, b) => b.messages - a.messages),
        overTime: [...hours]
          .sort((a, b) => a[0] - b[0])
          .map(([hour, v]) => ({ hour: new Date(hour).toISOString(), sent: v.sent, delivered: v.delivered })),
      };
    },
  };
}

export type CampaignStatsService = ReturnType<typeof createCampaignStats>;
