import { type Expression, sql } from 'kysely';
import { dateOfDayNumber } from '../../kernel/calendar';
import { firstIdAt } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import { microToCredits } from '../billing';
import { ID_SLACK_MS } from './filter';
import { type DayRange, localDayExpression } from './report';
import type { MessageRouteInfo } from './views';

export type MarginGroup = 'day' | 'route' | 'country' | 'account';

/** Most groups a margin report lists (accounts can be many); the rest are counted in `truncated`. */
export const MAX_MARGIN_ROWS = 5000;

/** Revenue, carrier cost and margin of a set of messages, in credits. */
export interface MarginFigures {
  messages: number;
  segments: number;
  /** What clients were charged (refunded messages count nothing). */
  revenue: number;
  /** What the routes' carriers cost, as recorded on the messages. */
  cost: number;
  margin: number;
  /** margin / revenue, from -∞ to 1; null without revenue. */
  marginPct: number | null;
  /** Messages whose route had no cost for them (their cost counts as 0). */
  withoutCost: number;
}

export interface MarginRow extends MarginFigures {
  key: string | null;
  /** groupBy=route: the route's name, when known. */
  name?: string;
}

export interface MarginReport {
  from: string;
  until: string;
  timezone: string;
  groupBy: MarginGroup;
  currency: 'credits';
  totals: MarginFigures;
  rows: MarginRow[];
  /** How many groups were left out past MAX_MARGIN_ROWS (0 when none). */
  truncated: number;
}

interface Sums {
  messages: number;
  segments: number;
  revenue: number;
  cost: number;
  withoutCost: number;
}

function figuresOf(s: Sums): MarginFigures {
  // Sums stay in integer micro-credits until here: the figures add up exactly.
  const margin = s.revenue - s.cost;
  return {
    messages: s.messages,
    segments: s.segments,
    revenue: microToCredits(s.revenue),
    cost: microToCredits(s.cost),
    margin: microToCredits(margin),
    marginPct: s.revenue === 0 ? null : margin / s.revenue,
    withoutCost: s.withoutCost,
  };
}

/**
 * Revenue, cost and margin of the messages handed to a carrier (sent at least once), by the local day
 * they were created, route, country or account. Revenue is the price of those charged (a refund takes it
 * back); cost is what each message recorded when it was sent.
 */
export function createMarginReports(deps: {
  db: Db;
  routeInfo?: (routeId: string) => MessageRouteInfo | undefined;
}) {
  const { db } = deps;
  return {
    async report(range: DayRange, groupBy: MarginGroup): Promise<MarginReport> {
      const start = range.days[0]!.start;
      const key: Expression<unknown> =
        groupBy === 'day'
          ? localDayExpression(range)
          : sql.ref(groupBy === 'route' ? 'route_id' : groupBy === 'country' ? 'country' : 'account_id');
      const rows = await db
        .selectFrom('messages')
        .where('id', '>=', firstIdAt('msg', start))
        .where('id', '<', firstIdAt('msg', range.end + ID_SLACK_MS))
        .where('created_at', '>=', start)
        .where('created_at', '<', range.end)
        .where('sent_at', 'is not', null)
        .select((eb) => [
          sql<unknown>`${key}`.as('k'),
          eb.fn.countAll<number>().as('messages'),
          eb.fn.sum<number>('segments').as('segments'),
          sql<number>`sum(case when charged = 1 then price else 0 end)`.as('revenue'),
          sql<number>`sum(coalesce(cost, 0))`.as('cost'),
          sql<number>`sum(case when cost is null then 1 else 0 end)`.as('without_cost'),
        ])
        .groupBy(sql`${key}`)
        .execute();
      const groups = new Map<string, Sums>();
      const total: Sums = { messages: 0, segments: 0, revenue: 0, cost: 0, withoutCost: 0 };
      for (const r of rows) {
        const k = r.k === null ? '' : groupBy === 'day' ? dateOfDayNumber(Number(r.k)) : String(r.k);
        const s: Sums = {
          messages: Number(r.messages),
          segments: Number(r.segments),
          revenue: Number(r.revenue),
          cost: Number(r.cost),
          withoutCost: Number(r.without_cost),
        };
        groups.set(k, s);
        for (const f of ['messages', 'segments', 'revenue', 'cost', 'withoutCost'] as const) total[f] += s[f];
      }
      let keyed: Array<[string, Sums]>;
      if (groupBy === 'day') {
        const zero: Sums = { messages: 0, segments: 0, revenue: 0, cost: 0, withoutCost: 0 };
        keyed = range.days.map(({ day }) => [day, groups.get(day) ?? zero]);
      } else {
        keyed = [...groups].sort(([a, x], [b, y]) => y.revenue - x.revenue || a.localeCompare(b));
      }
      const truncated = Math.max(0, keyed.length - MAX_MARGIN_ROWS);
      return {
        from: range.days[0]!.day,
        until: range.days[range.days.length - 1]!.day,
        timezone: range.zone,
        groupBy,
        currency: 'credits',
        totals: figuresOf(total),
        rows: keyed.slice(0, MAX_MARGIN_ROWS).map(([k, s]) => {
          const row: MarginRow = { key: k === '' ? null : k, ...figuresOf(s) };
          const name = groupBy === 'route' && k !== '' ? deps.routeInfo?.(k)?.name : undefined;
          if (name !== undefined) row.name = name;
          return row;
        }),
        truncated,
      };
    },
  };
}

export type MarginReports = ReturnType<typeof createMarginReports>;
