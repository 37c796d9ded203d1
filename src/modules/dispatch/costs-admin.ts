import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { Db } from '../../storage/database';
import type { RouteCostsTable } from '../../storage/schema';
import type { AuditActor, AuditLog } from '../audit';
import type { CostTable } from './costs';
import type { QualityStats } from './quality';
import type { RouteRegistry } from './route-registry';
import { BUILTIN_SIMULATOR_ID } from './rules';
import { DEFAULT_STRATEGY_OPTIONS, demotion, type StrategyOptions } from './strategy';

// Rows per INSERT: 5 values each, well under SQLite's and PostgreSQL's parameter limits.
const INSERT_CHUNK = 500;

/**
 * The operator's carrier costs per route (replaced whole, audited like price changes) and each route's
 * live quality as this process sees it.
 */
export function createCostsAdmin(deps: { db: Db; clock: Clock; audit: AuditLog; registry: RouteRegistry }) {
  const { db, clock, audit, registry } = deps;

  async function assertRoute(routeId: string) {
    if (routeId === BUILTIN_SIMULATOR_ID) return;
    const row = await db.selectFrom('routes').select('id').where('id', '=', routeId).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such route.');
  }

  return {
    async get(routeId: string): Promise<CostTable> {
      await assertRoute(routeId);
      const table: CostTable = { default: null, countries: {}, prefixes: {} };
      const rows = await db.selectFrom('route_costs').selectAll().where('route_id', '=', routeId).execute();
      for (const r of rows) {
        if (r.prefix !== '') table.prefixes[r.prefix] = Number(r.cost);
        else if (r.country !== '') table.countries[r.country] = Number(r.cost);
        else table.default = Number(r.cost);
      }
      return table;
    },

    /** Replaces a route's costs; every process uses them from its next sync (this one at once). */
    async replace(actor: AuditActor, routeId: string, table: CostTable, source: 'json' | 'csv') {
      await assertRoute(routeId);
      const now = clock.now();
      const rows: RouteCostsTable[] = [];
      if (table.default !== null)
        rows.push({ route_id: routeId, country: '', prefix: '', cost: table.default, updated_at: now });
      for (const [country, cost] of Object.entries(table.countries))
        rows.push({ route_id: routeId, country, prefix: '', cost, updated_at: now });
      for (const [prefix, cost] of Object.entries(table.prefixes))
        rows.push({ route_id: routeId, country: '', prefix, cost, updated_at: now });
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('route_costs').where('route_id', '=', routeId).execute();
        for (let i = 0; i < rows.length; i += INSERT_CHUNK)
          await tx
            .insertInto('route_costs')
            .values(rows.slice(i, i + INSERT_CHUNK))
            .execute();
        // Marks the route so that every process re-reads its costs (and only its) at its next sync.
        const marked = await tx
          .selectFrom('routes')
          .select('costs_updated_at')
          .where('id', '=', routeId)
          .executeTakeFirst();
        if (marked)
          await tx
            .updateTable('routes')
            // Always moves, even when the clock did not (two changes in one millisecond).
            .set({ costs_updated_at: Math.max(now, Number(marked.costs_updated_at ?? 0) + 1) })
            .where('id', '=', routeId)
            .execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'route.costs_replaced',
          target: { type: 'route', id: routeId },
          data: {
            source,
            default: table.default,
            countries: Object.keys(table.countries).length,
            prefixes: Object.keys(table.prefixes).length,
          },
        });
      });
      await registry.sync();
    },

    /**
     * A route's delivery rate and latency per country over the last receipts this process applied, judged
     * by the given thresholds, else by those of the first rule that judges it, else by the defaults.
     */
    async quality(routeId: string, thresholds: Partial<StrategyOptions> = {}) {
      await assertRoute(routeId);
      const options: StrategyOptions = {
        ...DEFAULT_STRATEGY_OPTIONS,
        ...registry.thresholdsFor(routeId),
        ...thresholds,
      };
      const countries = registry.quality
        .countriesOf(routeId, options.window)
        .map((q: QualityStats & { country: string | null }) => {
          const why = demotion(q, options);
          return { ...q, demoted: why !== null, reason: why };
        });
      return { routeId, ...options, countries };
    },
  };
}

export type CostsAdmin = ReturnType<typeof createCostsAdmin>;
