import { sql } from 'kysely';
import { AppError } from '../../kernel/errors';
import type { Logger } from '../../kernel/logger';
import type { Db } from '../../storage/database';
import type { MessagesTable, RoutesTable } from '../../storage/schema';
import type { RouteEvents, SmsRoute } from '../route-port';
import { type CostLookup, type CostTable, compileCosts, costPerSegment } from './costs';
import { createQualityTracker } from './quality';
import type { RoutePlan, Router } from './router';
import { pickRule, type RoutingRule, sortRules } from './rules';
import {
  type Candidate,
  DEFAULT_STRATEGY_OPTIONS,
  decide,
  type Strategy,
  type StrategyOptions,
} from './strategy';

/** Builds the adapter for a configured route (the composition root knows the adapters). */
export type RouteFactory = (row: Pick<RoutesTable, 'id' | 'type' | 'config'>) => SmsRoute;

const NO_QUALITY = Object.freeze({ samples: 0, deliveryRate: null, latencyMs: null });

// Every process re-reads routes and rules this often, whatever happens.
const SYNC_INTERVAL_MS = 5_000;

/** What a message view needs to know about the route it took. */
export interface RouteInfo {
  id: string;
  name: string;
  /** A simulated carrier: nothing reaches a real phone. */
  simulated: boolean;
}

/** A route built into the program, without a row in the routes table (the simulator). */
export interface BuiltinRoute {
  route: SmsRoute;
  name: string;
  simulated: boolean;
}

/**
 * The live routes: one adapter per enabled route row (plus the built-in simulator), restarted when
 * its row changes, stopped when it is disabled or removed; and the routing rules, which decide which
 * routes a message tries, primary first. Simulated routes are never picked unless a rule allows them.
 * No matching rule: the enabled real routes, oldest first; only when there is none, the default route
 * (the built-in simulator, so that a fresh install delivers without any configuration).
 */
export function createRouteRegistry(deps: {
  db: Db;
  factory: RouteFactory;
  /** Whether routes of a type are simulated carriers (the route-type registry knows). */
  isSimulatedType(type: string): boolean;
  builtins: BuiltinRoute[];
  defaultRouteId: string;
  events: RouteEvents;
  logger: Logger;
  /** The source of chance for probing demoted routes (tests inject their own). */
  random?: () => number;
  /**
   * False in a process that only answers the API: it reads routes and rules but opens no carrier
   * connection (the workers hold the binds; an operator's test send still borrows an adapter).
   */
  openRoutes?: boolean;
}) {
  const random = deps.random ?? Math.random;
  const quality = createQualityTracker();
  let costs = new Map<string, CostLookup>();
  /** Each route's `costs_updated_at` when its costs were read. */
  let costVersions = new Map<string, number>();
  const running = new Map<string, { route: SmsRoute; version: number }>();
  const info = new Map<string, RouteInfo>();
  let rules: RoutingRule[] = [];
  let realRouteIds: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  let syncing: Promise<void> = Promise.resolve();
  /** What `changeMark()` answered when the routes and rules in memory were read. */
  let syncedMark = '';

  /**
   * Changes whenever a route or a rule is added, removed or updated (their count and newest `updated_at`):
   * one read over two small tables.
   */
  async function changeMark(): Promise<string> {
    const { rows } = await sql<{ mark: string }>`select
      (select count(*) from routes) || ':' || (select coalesce(max(updated_at), 0) from routes) || ':' ||
      (select count(*) from routing_rules) || ':' || (select coalesce(max(updated_at), 0) from routing_rules)
      as mark`.execute(deps.db);
    return String(rows[0]?.mark ?? '');
  }

  for (const b of deps.builtins) {
    running.set(b.route.id, { route: b.route, version: -1 });
    info.set(b.route.id, { id: b.route.id, name: b.name, simulated: b.simulated });
  }
  const isSimulated = (id: string) => info.get(id)?.simulated === true;

  async function syncNow() {
    // Read first: a change made while this sync runs leaves the mark behind, and the next check syncs again.
    const mark = await changeMark();
    const rows = await deps.db.selectFrom('routes').selectAll().execute();
    for (const row of rows)
      info.set(row.id, { id: row.id, name: row.name, simulated: deps.isSimulatedType(row.type) });
    const wanted = new Map(rows.filter((r) => Number(r.enabled) === 1).map((r) => [r.id, r]));
    for (const [id, entry] of running) {
      if (entry.version === -1) continue;
      const row = wanted.get(id);
      if (!row || Number(row.updated_at) !== entry.version) {
        running.delete(id);
        await entry.route.stop().catch((err) => deps.logger.warn({ err, route: id }, 'route stop failed'));
      }
    }
    for (const [id, row] of wanted) {
      if (running.has(id) || deps.openRoutes === false) continue;
      try {
        const route = deps.factory(row);
        running.set(id, { route, version: Number(row.updated_at) });
        await route.start(deps.events);
      } catch (err) {
        deps.logger.error({ err, route: id }, 'route could not start');
      }
    }
    realRouteIds = [...wanted.values()]
      .filter((r) => !deps.isSimulatedType(r.type))
      .sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    const ruleRows = await deps.db.selectFrom('routing_rules').selectAll().execute();
    rules = sortRules(
      ruleRows.map((r) => ({
        id: r.id,
        priority: Number(r.priority),
        match: JSON.parse(r.match),
        routeIds: JSON.parse(r.route_ids) as string[],
        allowSimulator: Number(r.allow_simulator) === 1,
        strategy: (r.strategy ?? 'priority') as Strategy,
        options: {
          ...DEFAULT_STRATEGY_OPTIONS,
          ...(r.strategy_options ? JSON.parse(r.strategy_options) : {}),
        },
      })),
    );
    costs = await loadCosts(new Map(rows.map((r) => [r.id, Number(r.costs_updated_at ?? 0)])));
    syncedMark = mark;
  }

  /**
   * The routes' costs: those of routes whose `costs_updated_at` moved since they were read, and always the
   * built-in routes' (no row to mark them; their tables are small). The others are kept as they are.
   */
  async function loadCosts(versions: Map<string, number>): Promise<Map<string, CostLookup>> {
    const next = new Map<string, CostLookup>();
    const stale: string[] = [];
    for (const id of [...versions.keys(), ...deps.builtins.map((b) => b.route.id)]) {
      const known = costs.get(id);
      if (known && versions.has(id) && costVersions.get(id) === versions.get(id)) next.set(id, known);
      else stale.push(id);
    }
    for (let i = 0; i < stale.length; i += 500) {
      const tables = new Map<string, CostTable>();
      const rows = await deps.db
        .selectFrom('route_costs')
        .selectAll()
        .where('route_id', 'in', stale.slice(i, i + 500))
        .execute();
      for (const r of rows) {
        let t = tables.get(r.route_id);
        if (!t) {
          t = { default: null, countries: {}, prefixes: {} };
          tables.set(r.route_id, t);
        }
        if (r.prefix !== '') t.prefixes[r.prefix] = Number(r.cost);
        else if (r.country !== '') t.countries[r.country] = Number(r.cost);
        else t.default = Number(r.cost);
      }
      for (const [id, t] of tables) next.set(id, compileCosts(t));
    }
    costVersions = versions;
    return next;
  }

  /** The route ids a message tries, in order, before dropping those that are not running. */
  function routeIdsFor(message: Parameters<typeof pickRule>[1]): string[] {
    const rule = pickRule(rules, message);
    if (rule) return rule.allowSimulator ? rule.routeIds : rule.routeIds.filter((id) => !isSimulated(id));
    const real = realRouteIds.filter((id) => running.has(id));
    return real.length > 0 ? real : [deps.defaultRouteId];
  }

  const costOf = (routeId: string, message: Pick<MessagesTable, 'to_number' | 'country'>) =>
    costPerSegment(costs.get(routeId), message.to_number, message.country);

  /** The running routes a message tries, ordered by its rule's strategy, and why. */
  function planIds(message: Pick<MessagesTable, 'account_id' | 'country' | 'to_number' | 'type' | 'sender'>) {
    const rule = pickRule(rules, message);
    if (!rule) {
      const real = realRouteIds.filter((id) => running.has(id));
      const ids = real.length > 0 ? real : [deps.defaultRouteId];
      return {
        ids,
        rule: null,
        strategy: 'priority' as Strategy,
        reason:
          real.length > 0 ? 'no rule: the enabled routes, oldest first' : 'no rule and no route: the default',
      };
    }
    const candidates: Candidate[] = [];
    for (const id of rule.routeIds) {
      if (!running.has(id) || (!rule.allowSimulator && isSimulated(id))) continue;
      candidates.push({
        id,
        cost: rule.strategy === 'priority' ? null : costOf(id, message),
        quality:
          rule.strategy === 'priority' ? NO_QUALITY : quality.stats(id, message.country, rule.options.window),
      });
    }
    const decision = decide(rule.strategy, rule.options, candidates, random);
    return { ids: decision.order, rule: rule.id, strategy: rule.strategy, reason: decision.reason };
  }

  const registry = {
    /** Re-reads routes and rules; calls are serialised. */
    sync(): Promise<void> {
      syncing = syncing.then(syncNow, syncNow);
      return syncing;
    },
    async start() {
      for (const entry of running.values()) if (entry.version === -1) await entry.route.start(deps.events);
      await registry.sync();
      timer = setInterval(
        () => void registry.sync().catch((err) => deps.logger.error({ err }, 'route sync failed')),
        SYNC_INTERVAL_MS,
      );
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await syncing.catch(() => undefined);
      await Promise.all([...running.values()].map((e) => e.route.stop().catch(() => undefined)));
      running.clear();
    },
    get(id: string): SmsRoute | undefined {
      return running.get(id)?.route;
    },
    /**
     * The running route, or (disabled, or failed to start) an adapter started for the caller alone, so
     * that an operator can test a route before it takes traffic; `release` stops such a one.
     */
    async borrow(id: string): Promise<{ route: SmsRoute; release(): Promise<void> }> {
      const live = running.get(id)?.route;
      if (live) return { route: live, release: async () => undefined };
      const row = await deps.db.selectFrom('routes').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such route.');
      const route = deps.factory(row);
      await route.start(deps.events);
      return {
        route,
        release: () =>
          route.stop().catch((err) => deps.logger.warn({ err, route: id }, 'test route stop failed')),
      };
    },
    /** Name and kind of a route this process has seen (running or not; a removed one until restart). */
    describe(id: string): RouteInfo | undefined {
      return info.get(id);
    },
    /**
     * The simulated route that would carry such a message now (the first route it would try is simulated),
     * or null when a real route would: the simulator is "in use" for that account and number.
     */
    simulatedRouteFor(message: Parameters<typeof pickRule>[1]): string | null {
      const first = routeIdsFor(message).find((id) => running.has(id));
      return first !== undefined && isSimulated(first) ? first : null;
    },
    /** Live delivery rate and latency per route × country, fed by the receipts this process applies. */
    quality,
    /** The carrier cost of one segment of such a message through a route (micro-credits), null if unknown. */
    costOf,
    /** The thresholds of the first rule (by priority) that judges this route by its quality, if any. */
    thresholdsFor(routeId: string): StrategyOptions | undefined {
      return rules.find((r) => r.strategy !== 'priority' && r.routeIds.includes(routeId))?.options;
    },
    /** A route's costs as stored (what this process read at its last sync). */
    costsOf(routeId: string): CostTable | undefined {
      return costs.get(routeId)?.table;
    },
    router: {
      routesFor(message: MessagesTable): SmsRoute[] {
        return routeIdsFor(message)
          .map((id) => running.get(id)?.route)
          .filter((r): r is SmsRoute => r !== undefined);
      },
      plan(message: MessagesTable): RoutePlan {
        const p = planIds(message);
        const routes: SmsRoute[] = [];
        for (const id of p.ids) {
          const route = running.get(id)?.route;
          if (route) routes.push(route);
        }
        return { routes, rule: p.rule, strategy: p.strategy, reason: p.reason };
      },
      costOf,
      all: () => [...running.values()].map((e) => e.route),
      /**
       * While this process knows no rule and no real route, every message would go to the built-in
       * simulator and be reported delivered: before routing a batch then, sync if routes or rules changed
       * since the last sync, so that a carrier an operator just added in another process is used at once,
       * not after the periodic re-read. (Other changes wait for that re-read: re-checking on every batch
       * under load was seen to restart routes mid-batch after a database outage.)
       */
      async refresh(): Promise<void> {
        if (rules.length > 0 || realRouteIds.length > 0) return;
        if ((await changeMark()) !== syncedMark) await registry.sync();
      },
    } satisfies Router,
  };
  return registry;
}

export type RouteRegistry = ReturnType<typeof createRouteRegistry>;
