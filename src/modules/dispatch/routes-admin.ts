import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { RoutesTable, RoutingRulesTable } from '../../storage/schema';
import type { AuditActor, AuditLog } from '../audit';
import type { RouteHealthBoard } from './route-health-board';
import type { RouteRegistry } from './route-registry';
import { type RouteTypes, SECRET_MASK } from './route-types';
import { BUILTIN_SIMULATOR_ID, type RuleMatch } from './rules';
import { DEFAULT_STRATEGY_OPTIONS, type Strategy, type StrategyOptions } from './strategy';

/** A rule's strategy as the API takes it: thresholds left out keep their defaults. */
type StrategyInput = {
  strategy?: Strategy | undefined;
  minDeliveryRate?: number | undefined;
  maxLatencyMs?: number | undefined;
  window?: number | undefined;
  probeShare?: number | undefined;
};

/** The thresholds the operator set (only those), as stored; null when none. */
function optionsOf(input: StrategyInput, current: Partial<StrategyOptions>): string | null {
  const next: Partial<StrategyOptions> = { ...current };
  for (const key of ['minDeliveryRate', 'maxLatencyMs', 'window', 'probeShare'] as const)
    if (input[key] !== undefined) next[key] = input[key];
  return Object.keys(next).length === 0 ? null : JSON.stringify(next);
}

function viewOf(row: RoutesTable, types: RouteTypes) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    enabled: Number(row.enabled) === 1,
    simulated: types.isSimulated(row.type),
    config: types.mask(row.type, JSON.parse(row.config) as Record<string, unknown>),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

/**
 * The operator's routes and routing rules. Credentials are stored but never returned (answers show
 * `********`); each change is audited and applied to the live registry at once.
 */
export function createRoutesAdmin(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  registry: RouteRegistry;
  routeTypes: RouteTypes;
  /** Callbacks of a route refused in the last minute (wrong signature or token). */
  signatureFailures?: (routeId: string) => number;
  /** The routes' health as the processes holding their binds last wrote it. */
  healthBoard?: RouteHealthBoard;
}) {
  const { db, clock, ids, audit, registry, routeTypes } = deps;
  const routeView = (row: RoutesTable) => viewOf(row, routeTypes);

  async function findRoute(id: string) {
    const row = await db.selectFrom('routes').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such route.');
    return row;
  }

  /**
   * The routes of a rule exist, each once, and simulated ones (which reach no real phone) only where the
   * operator allowed the simulator for this rule: a real carrier's traffic never falls to it unnoticed.
   */
  async function assertRuleRoutes(routeIds: string[], allowSimulator: boolean) {
    const rows = await db.selectFrom('routes').select(['id', 'type']).where('id', 'in', routeIds).execute();
    const simulated = new Set([
      BUILTIN_SIMULATOR_ID,
      ...rows.filter((r) => routeTypes.isSimulated(r.type)).map((r) => r.id),
    ]);
    const known = new Set([BUILTIN_SIMULATOR_ID, ...rows.map((r) => r.id)]);
    const errors: Array<{ path: string; message: string }> = [];
    routeIds.forEach((id, i) => {
      const path = `/body/routeIds/${i}`;
      if (!known.has(id)) errors.push({ path, message: `no route ${id}` });
      else if (routeIds.indexOf(id) !== i) errors.push({ path, message: `route ${id} is listed twice` });
      else if (simulated.has(id) && !allowSimulator)
        errors.push({
          path,
          message: `${id} is a simulator and delivers to no real phone: allow the simulator for this rule to use it`,
        });
    });
    if (errors.length > 0)
      throw new AppError('validation_failed', errors.map((e) => e.message).join('; '), { errors });
  }

  function ruleView(r: RoutingRulesTable) {
    const options = r.strategy_options ? (JSON.parse(r.strategy_options) as Partial<StrategyOptions>) : {};
    return {
      id: r.id,
      priority: Number(r.priority),
      match: JSON.parse(r.match) as RuleMatch,
      routeIds: JSON.parse(r.route_ids) as string[],
      allowSimulator: Number(r.allow_simulator) === 1,
      strategy: (r.strategy ?? 'priority') as Strategy,
      ...DEFAULT_STRATEGY_OPTIONS,
      ...options,
    };
  }

  return {
    async listRoutes() {
      const rows = await db.selectFrom('routes').selectAll().orderBy('id').execute();
      return rows.map(routeView);
    },
    async getRoute(id: string) {
      return routeView(await findRoute(id));
    },
    async createRoute(
      actor: AuditActor,
      input: { name: string; type: RoutesTable['type']; enabled: boolean; config: Record<string, unknown> },
    ) {
      const now = clock.now();
      const row: RoutesTable = {
        id: ids('rte'),
        name: input.name,
        type: input.type,
        enabled: input.enabled ? 1 : 0,
        config: routeTypes.store(input.type, routeTypes.validate(input.type, input.config)),
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('routes').values(row).execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'route.created',
          target: { type: 'route', id: row.id },
          data: { name: row.name, type: row.type },
        });
      });
      await registry.sync();
      // Credentials the type generated (a callback token): answered this once, masked ever after.
      const stored = routeTypes.read(row.type, row.config);
      const generated = Object.fromEntries(
        Object.entries(stored).filter(
          ([k, v]) => routeTypes.isSecret(row.type, k) && v && !input.config[k] && typeof v === 'string',
        ),
      );
      return Object.keys(generated).length > 0
        ? { ...routeView(row), generatedSecrets: generated }
        : routeView(row);
    },
    async updateRoute(
      actor: AuditActor,
      id: string,
      patch: {
        name?: string | undefined;
        enabled?: boolean | undefined;
        config?: Record<string, unknown> | undefined;
      },
    ) {
      const row = await findRoute(id);
      const current = routeTypes.read(row.type, row.config);
      let config = current;
      if (patch.config) {
        const merged: Record<string, unknown> = { ...current };
        for (const [key, value] of Object.entries(patch.config)) {
          // A credential left blank (or sent back as the mask) keeps the stored one: forms never see it.
          if (routeTypes.isSecret(row.type, key) && (value === SECRET_MASK || value === '' || value == null))
            continue;
          // null takes an optional field out (back to its default).
          if (value === null) delete merged[key];
          else merged[key] = value;
        }
        config = routeTypes.validate(row.type, merged);
      }
      const next: RoutesTable = {
        ...row,
        name: patch.name ?? row.name,
        enabled: patch.enabled === undefined ? Number(row.enabled) : patch.enabled ? 1 : 0,
        config: routeTypes.store(row.type, config),
        updated_at: Math.max(clock.now(), Number(row.updated_at) + 1),
      };
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('routes').set(next).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'route.updated',
          target: { type: 'route', id },
          data: { fields: Object.keys(patch) },
        });
      });
      await registry.sync();
      return routeView(next);
    },
    async deleteRoute(actor: AuditActor, id: string) {
      await findRoute(id);
      const rules = await db.selectFrom('routing_rules').select(['id', 'route_ids']).execute();
      const using = rules.filter((r) => (JSON.parse(r.route_ids) as string[]).includes(id)).map((r) => r.id);
      if (using.length > 0)
        throw new AppError(
          'conflict',
          `Routing rules still use this route: ${using.join(', ')}. Change or remove them first.`,
          { extra: { rules: using } },
        );
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('routes').where('id', '=', id).execute();
        await tx.deleteFrom('route_costs').where('route_id', '=', id).execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'route.deleted',
          target: { type: 'route', id },
        });
      });
      await registry.sync();
    },
    /** Live in this process when it holds the route's binds, else as the worker processes last wrote it. */
    async health(id: string) {
      const local = registry.get(id)?.health() ?? (await deps.healthBoard?.read(id)) ?? null;
      if (!local) throw new AppError('not_found', 'No such running route (unknown or disabled).');
      return { ...local, callbackSignatureFailures: deps.signatureFailures?.(id) ?? 0 };
    },

    async listRules() {
      const rows = await db
        .selectFrom('routing_rules')
        .selectAll()
        .orderBy('priority')
        .orderBy('id')
        .execute();
      return rows.map(ruleView);
    },
    async createRule(
      actor: AuditActor,
      input: {
        priority: number;
        match: RuleMatch;
        routeIds: string[];
        allowSimulator?: boolean | undefined;
      } & StrategyInput,
    ) {
      const allowSimulator = input.allowSimulator === true;
      await assertRuleRoutes(input.routeIds, allowSimulator);
      const now = clock.now();
      const row: RoutingRulesTable = {
        id: ids('rul'),
        priority: input.priority,
        match: JSON.stringify(input.match),
        route_ids: JSON.stringify(input.routeIds),
        allow_simulator: allowSimulator ? 1 : 0,
        strategy: input.strategy ?? 'priority',
        strategy_options: optionsOf(input, {}),
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('routing_rules').values(row).execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'routing_rule.created',
          target: { type: 'routing_rule', id: row.id },
          data: input,
        });
      });
      await registry.sync();
      return ruleView(row);
    },
    async updateRule(
      actor: AuditActor,
      id: string,
      patch: {
        priority?: number | undefined;
        match?: RuleMatch | undefined;
        routeIds?: string[] | undefined;
        allowSimulator?: boolean | undefined;
      } & StrategyInput,
    ) {
      const row = await db.selectFrom('routing_rules').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such routing rule.');
      const routeIds = patch.routeIds ?? (JSON.parse(row.route_ids) as string[]);
      const allowSimulator = patch.allowSimulator ?? Number(row.allow_simulator) === 1;
      // Checked as a whole: dropping the permission while the rule still names a simulator is refused too.
      if (patch.routeIds || patch.allowSimulator !== undefined)
        await assertRuleRoutes(routeIds, allowSimulator);
      const next = {
        priority: patch.priority ?? Number(row.priority),
        match: patch.match ? JSON.stringify(patch.match) : row.match,
        route_ids: JSON.stringify(routeIds),
        allow_simulator: allowSimulator ? 1 : 0,
        strategy: patch.strategy ?? row.strategy ?? 'priority',
        strategy_options: optionsOf(
          patch,
          row.strategy_options ? (JSON.parse(row.strategy_options) as Partial<StrategyOptions>) : {},
        ),
        updated_at: clock.now(),
      };
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('routing_rules').set(next).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'routing_rule.updated',
          target: { type: 'routing_rule', id },
          data: patch,
        });
      });
      await registry.sync();
      return ruleView(Object.assign(row, next));
    },
    async deleteRule(actor: AuditActor, id: string) {
      const row = await db.selectFrom('routing_rules').select('id').where('id', '=', id).executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such routing rule.');
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('routing_rules').where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'routing_rule.deleted',
          target: { type: 'routing_rule', id },
        });
      });
      await registry.sync();
    },
  };
}

export type RoutesAdmin = ReturnType<typeof createRoutesAdmin>;
