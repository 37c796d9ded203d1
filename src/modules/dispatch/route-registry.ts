import type { Logger } from '../../kernel/logger';
import type { Db } from '../../storage/database';
import type { MessagesTable, RoutesTable } from '../../storage/schema';
import type { RouteEvents, SmsRoute } from './route-port';
import type { Router } from './router';
import { pickRule, type RoutingRule, sortRules } from './rules';

/** Builds the adapter for a configured route (the composition root knows the adapters). */
export type RouteFactory = (row: Pick<RoutesTable, 'id' | 'type' | 'config'>) => SmsRoute;

// Other processes pick up an operator's changes within this time.
const SYNC_INTERVAL_MS = 5_000;

/**
 * The live routes: one adapter per enabled route row (plus the built-in simulator), restarted when
 * its row changes, stopped when it is disabled or removed; and the routing rules, which decide which
 * routes a message tries, primary first. No matching rule: the default route.
 */
export function createRouteRegistry(deps: {
  db: Db;
  factory: RouteFactory;
  builtins: SmsRoute[];
  defaultRouteId: string;
  events: RouteEvents;
  logger: Logger;
}) {
  const running = new Map<string, { route: SmsRoute; version: number }>();
  let rules: RoutingRule[] = [];
  let timer: NodeJS.Timeout | null = null;
  let syncing: Promise<void> = Promise.resolve();

  for (const route of deps.builtins) running.set(route.id, { route, version: -1 });

  async function syncNow() {
    const rows = await deps.db.selectFrom('routes').selectAll().execute();
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
      if (running.has(id)) continue;
      try {
        const route = deps.factory(row);
        running.set(id, { route, version: Number(row.updated_at) });
        await route.start(deps.events);
      } catch (err) {
        deps.logger.error({ err, route: id }, 'route could not start');
      }
    }
    const ruleRows = await deps.db.selectFrom('routing_rules').selectAll().execute();
    rules = sortRules(
      ruleRows.map((r) => ({
        id: r.id,
        priority: Number(r.priority),
        match: JSON.parse(r.match),
        routeIds: JSON.parse(r.route_ids) as string[],
      })),
    );
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
    router: {
      routesFor(message: MessagesTable): SmsRoute[] {
        const rule = pickRule(rules, message);
        const ids = rule ? rule.routeIds : [deps.defaultRouteId];
        const routes = ids.map((id) => running.get(id)?.route).filter((r): r is SmsRoute => r !== undefined);
        return routes;
      },
      all: () => [...running.values()].map((e) => e.route),
    } satisfies Router,
  };
  return registry;
}

export type RouteRegistry = ReturnType<typeof createRouteRegistry>;
