import type { Clock } from '../../kernel/clock';
import type { Db } from '../../storage/database';
import type { RouteHealth, SmsRoute } from '../route-port';

/** How often a worker writes what its routes look like. */
export const ROUTE_HEALTH_EVERY_MS = 5_000;
/** Rows older than this are of a worker that stopped or died: not counted. */
const FRESH_MS = 3 * ROUTE_HEALTH_EVERY_MS;

/**
 * The routes' health across the deployment: each process holding binds writes its routes' figures
 * (`publish`, on the schedule), and any process, an API one holding none included, reads their sum.
 */
export function createRouteHealthBoard(deps: {
  db: Db;
  clock: Clock;
  workerId: string;
  /** The routes this process runs (built-in ones left out: they are the same in every process). */
  routes(): SmsRoute[];
}) {
  return {
    async publish(): Promise<number> {
      const now = deps.clock.now();
      const routes = deps.routes();
      for (const route of routes) {
        const h = route.health();
        const row = {
          connected_binds: h.connectedBinds,
          in_flight: h.inFlight,
          sent_last_minute: h.sentLastMinute,
          errors_last_minute: h.errorsLastMinute,
          last_error: h.lastError,
          updated_at: now,
        };
        await deps.db
          .insertInto('route_health')
          .values({ route_id: route.id, worker_id: deps.workerId, ...row })
          .onConflict((oc) => oc.columns(['route_id', 'worker_id']).doUpdateSet(row))
          .execute();
      }
      // A worker's rows of routes it no longer runs, and anyone's long-stale rows, go.
      await deps.db
        .deleteFrom('route_health')
        .where((eb) =>
          eb.or([
            eb('updated_at', '<', now - 10 * FRESH_MS),
            eb.and([
              eb('worker_id', '=', deps.workerId),
              routes.length > 0
                ? eb(
                    'route_id',
                    'not in',
                    routes.map((r) => r.id),
                  )
                : eb.lit(true),
            ]),
          ]),
        )
        .execute();
      return 0;
    },
    /** The sum of the fresh rows of a route, or null when no process reports it. */
    async read(routeId: string): Promise<RouteHealth | null> {
      const rows = await deps.db
        .selectFrom('route_health')
        .selectAll()
        .where('route_id', '=', routeId)
        .where('updated_at', '>=', deps.clock.now() - FRESH_MS)
        .orderBy('updated_at', 'desc')
        .execute();
      if (rows.length === 0) return null;
      const sum = (pick: (r: (typeof rows)[number]) => number) =>
        rows.reduce((s, r) => s + Number(pick(r)), 0);
      return {
        connectedBinds: sum((r) => r.connected_binds),
        inFlight: sum((r) => r.in_flight),
        sentLastMinute: sum((r) => r.sent_last_minute),
        errorsLastMinute: sum((r) => r.errors_last_minute),
        lastError: rows.find((r) => r.last_error !== null)?.last_error ?? null,
      };
    },
  };
}

export type RouteHealthBoard = ReturnType<typeof createRouteHealthBoard>;
