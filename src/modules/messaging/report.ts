import { type Expression, type SelectQueryBuilder, sql } from 'kysely';
import { dateIn, dateOfDayNumber, dayNumberOf, isTimeZone, startOfDay } from '../../kernel/calendar';
import { AppError } from '../../kernel/errors';
import { firstIdAt } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { Database } from '../../storage/schema';
import { ID_SLACK_MS } from './filter';
import type { MessageRouteInfo } from './views';

const DAY_MS = 86_400_000;
/** Longest range a report covers. */
export const MAX_REPORT_DAYS = 366;

/** Statuses a delivery rate counts as failed: the message ended without reaching the phone. */
export const FAILED_STATUSES = ['undelivered', 'expired', 'failed', 'rejected'] as const;
/** Statuses that may still change. */
const PENDING_STATUSES = new Set(['scheduled', 'queued', 'sending', 'sent']);
const FAILED = new Set<string>(FAILED_STATUSES);

/** Local days `from`..`until` (inclusive) in `zone`, each with the UTC instant it starts at. */
export interface DayRange {
  zone: string;
  days: Array<{ day: string; start: number }>;
  /** The instant the day after `until` starts. */
  end: number;
}

/** Days a report covers when the range is not given: the last 30, today included. */
const DEFAULT_DAYS = 30;

function rangeError(
  field: string,
  message: string,
  code: 'validation_failed' | 'invalid_timezone' = 'validation_failed',
) {
  return new AppError(code, `${field}: ${message}.`, {
    errors: [{ path: `/querystring/${field}`, message }],
  });
}

/**
 * The local days from `from` to `until` (`YYYY-MM-DD`, both included) in `timezone` (UTC when absent):
 * by default the last 30 days up to today there. A bad value is an AppError naming its query field.
 */
export function dayRange(
  q: { from?: string | undefined; until?: string | undefined; timezone?: string | undefined },
  now: number,
): DayRange {
  const zone = q.timezone ?? 'UTC';
  if (!isTimeZone(zone))
    throw rangeError('timezone', 'not an IANA time zone name (e.g. Europe/Riga)', 'invalid_timezone');
  const last = q.until === undefined ? dayNumberOf(dateIn(zone, now))! : dayNumberOf(q.until);
  if (last === null) throw rangeError('until', 'not a date (YYYY-MM-DD)');
  const first = q.from === undefined ? last - (DEFAULT_DAYS - 1) : dayNumberOf(q.from);
  if (first === null) throw rangeError('from', 'not a date (YYYY-MM-DD)');
  if (first > last) throw rangeError('until', 'is before from');
  if (last - first + 1 > MAX_REPORT_DAYS)
    throw rangeError('until', `a report covers at most ${MAX_REPORT_DAYS} days`);
  const days: DayRange['days'] = [];
  for (let d = first; d <= last; d++) days.push({ day: dateOfDayNumber(d), start: startOfDay(zone, d) });
  return { zone, days, end: startOfDay(zone, last + 1) };
}

/** Counts of one group (a day, a country, a route) by status, with what a chart shows of them. */
export interface ReportFigures {
  total: number;
  byStatus: Record<string, number>;
  delivered: number;
  /** Ended without reaching the phone: undelivered, expired, failed or rejected. */
  failed: number;
  /** Not final yet: scheduled, queued, sending or sent. */
  pending: number;
  /** delivered / (delivered + failed), from 0 to 1; null while nothing has ended either way. */
  deliveryRate: number | null;
}

function figures(byStatus: Record<string, number>): ReportFigures {
  let total = 0;
  let delivered = 0;
  let failed = 0;
  let pending = 0;
  for (const [status, n] of Object.entries(byStatus)) {
    total += n;
    if (status === 'delivered') delivered += n;
    else if (FAILED.has(status)) failed += n;
    else if (PENDING_STATUSES.has(status)) pending += n;
  }
  const ended = delivered + failed;
  return {
    total,
    byStatus,
    delivered,
    failed,
    pending,
    deliveryRate: ended === 0 ? null : delivered / ended,
  };
}

/** Rows of (group, status, count) summed into figures per group, in the order the groups are first seen. */
function grouped(rows: Array<{ key: string; status: string; n: number }>): Map<string, ReportFigures> {
  const counts = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const c = counts.get(r.key) ?? {};
    c[r.status] = (c[r.status] ?? 0) + r.n;
    counts.set(r.key, c);
  }
  return new Map([...counts].map(([k, c]) => [k, figures(c)]));
}

function totalsOf(groups: Iterable<ReportFigures>): ReportFigures {
  const all: Record<string, number> = {};
  for (const g of groups) {
    for (const [status, n] of Object.entries(g.byStatus)) all[status] = (all[status] ?? 0) + n;
  }
  return figures(all);
}

/**
 * The local day number of `created_at`, as SQL: within a stretch of 24-hour days with one UTC offset it is
 * (created_at + offset) / day; a day that is longer or shorter (a daylight-saving change) is named as a
 * literal. Literals, not parameters, so that PostgreSQL matches the GROUP BY expression to the selected one.
 */
export function localDayExpression(range: DayRange): Expression<number> {
  const pieces: Array<{ until: number; offset: number | null; day: number }> = [];
  range.days.forEach(({ day, start }, i) => {
    const next = range.days[i + 1]?.start ?? range.end;
    const dayNumber = dayNumberOf(day)!;
    const offset = dayNumber * DAY_MS - start;
    const regular = next - start === DAY_MS;
    const last = pieces[pieces.length - 1];
    if (regular && last && last.offset === offset) last.until = next;
    else pieces.push({ until: next, offset: regular ? offset : null, day: dayNumber });
  });
  const created = sql.ref('created_at');
  const value = (p: (typeof pieces)[number]) =>
    p.offset === null
      ? sql`${sql.lit(p.day)}`
      : sql`(${created} + ${sql.lit(p.offset)}) / ${sql.lit(DAY_MS)}`;
  if (pieces.length === 1) return sql<number>`${value(pieces[0]!)}`;
  const whens = pieces.slice(0, -1).map((p) => sql`when ${created} < ${sql.lit(p.until)} then ${value(p)}`);
  return sql<number>`(case ${sql.join(whens, sql` `)} else ${value(pieces[pieces.length - 1]!)} end)`;
}

/** Which messages a report counts: one account's, or (for the operator) every account's or one's. */
export interface ReportScope {
  accountId?: string | undefined;
}

export type ReportGroup = 'day' | 'country' | 'route';

export interface MessageReport {
  from: string;
  until: string;
  timezone: string;
  groupBy: ReportGroup;
  totals: ReportFigures;
  /** groupBy=day: every day of the range, days without messages included (all zero). */
  days?: Array<{ day: string } & ReportFigures>;
  /** groupBy=country: countries with messages, most messages first (`null`: the number had none). */
  countries?: Array<{ country: string | null } & ReportFigures>;
  /** groupBy=route: routes with messages, most messages first (`null`: not routed yet). */
  routes?: Array<{ route: string | null; routeName?: string } & ReportFigures>;
}

/**
 * Message counts by final status and delivery rate over a range of local days, per day, country or route.
 * They count the same rows `GET /v1/messages` lists (by creation time, deleted messages left out).
 */
export function createMessageReports(deps: {
  db: Db;
  routeInfo?: (routeId: string) => MessageRouteInfo | undefined;
}) {
  const { db } = deps;

  function inRange(
    scope: ReportScope,
    range: DayRange,
  ): SelectQueryBuilder<Database, 'messages', Record<never, never>> {
    const start = range.days[0]!.start;
    let q = db
      .selectFrom('messages')
      // Ids sort by creation time: the range is an id range on the (account, id) index or the primary key.
      .where('id', '>=', firstIdAt('msg', start))
      .where('id', '<', firstIdAt('msg', range.end + ID_SLACK_MS))
      .where('created_at', '>=', start)
      .where('created_at', '<', range.end)
      .where('deleted_at', 'is', null);
    if (scope.accountId !== undefined) q = q.where('account_id', '=', scope.accountId);
    return q;
  }

  async function count(
    scope: ReportScope,
    range: DayRange,
    key: Expression<unknown>,
  ): Promise<Array<{ key: string; status: string; n: number }>> {
    const rows = await inRange(scope, range)
      .select((eb) => [
        eb.ref('status').as('status'),
        sql<unknown>`${key}`.as('k'),
        eb.fn.countAll<number>().as('n'),
      ])
      .groupBy([sql`${key}`, 'status'])
      .execute();
    return rows.map((r) => ({ key: r.k === null ? '' : String(r.k), status: r.status, n: Number(r.n) }));
  }

  return {
    async report(scope: ReportScope, range: DayRange, groupBy: ReportGroup): Promise<MessageReport> {
      const head = {
        from: range.days[0]!.day,
        until: range.days[range.days.length - 1]!.day,
        timezone: range.zone,
        groupBy,
      };
      if (groupBy === 'day') {
        const byDay = grouped(
          (await count(scope, range, localDayExpression(range))).map((r) => ({
            ...r,
            key: dateOfDayNumber(Number(r.key)),
          })),
        );
        const days = range.days.map(({ day }) => Object.assign({ day }, byDay.get(day) ?? figures({})));
        return { ...head, totals: totalsOf(byDay.values()), days };
      }
      const column = groupBy === 'country' ? sql.ref('country') : sql.ref('route_id');
      const byKey = [...grouped(await count(scope, range, column))].sort(
        ([a, x], [b, y]) => y.total - x.total || a.localeCompare(b),
      );
      const totals = totalsOf(byKey.map(([, f]) => f));
      if (groupBy === 'country') {
        return {
          ...head,
          totals,
          countries: byKey.map(([k, f]) => Object.assign({ country: k === '' ? null : k }, f)),
        };
      }
      return {
        ...head,
        totals,
        routes: byKey.map(([k, f]) => {
          const name = k === '' ? undefined : deps.routeInfo?.(k)?.name;
          return Object.assign(
            { route: k === '' ? null : k },
            name === undefined ? {} : { routeName: name },
            f,
          );
        }),
      };
    },
  };
}

export type MessageReports = ReturnType<typeof createMessageReports>;
