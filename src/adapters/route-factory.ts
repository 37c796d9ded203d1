import { z } from 'zod';
import type { Clock } from '../kernel/clock';
import { AppError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { RouteConfigValidator, RouteFactory } from '../modules/dispatch';
import { createSimulatorRoute } from './simulator/simulator-route';
import { receiptTimeoutSeconds, smppRouteConfigSchema } from './smpp/config';
import { createSmppRoute } from './smpp/smpp-route';

const regex = z
  .string()
  .max(200)
  .refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

/** An operator-configured simulator route (handy for staging and for failover drills). */
export const simulatorRouteConfigSchema = z.strictObject({
  deliveryDelayMs: z.number().int().min(0).max(3_600_000).default(1500),
  undeliveredRate: z.number().min(0).max(1).default(0),
  undeliveredPattern: regex.optional(),
  rejectPattern: regex.optional(),
  receiptTimeoutSeconds,
});

const SCHEMAS = { simulator: simulatorRouteConfigSchema, smpp: smppRouteConfigSchema.strict() } as const;

/** Validates a route's config against its type's schema, reporting each bad field under /body/config. */
export const validateRouteConfig: RouteConfigValidator = (type, config) => {
  const result = SCHEMAS[type].safeParse(config);
  if (!result.success) {
    throw new AppError('validation_failed', `The ${type} route config is invalid.`, {
      errors: result.error.issues.map((i) => ({
        path: `/body/config/${i.path.join('/')}`,
        message: i.message,
      })),
    });
  }
  return result.data as Record<string, unknown>;
};

/** Builds the adapter for a route row. */
export function createRouteFactory(deps: {
  clock: Clock;
  logger: Logger;
  awaitingReports(
    routeId: string,
    sentBefore: number,
    limit: number,
  ): Promise<Array<{ carrierRef: string; to: string }>>;
}): RouteFactory & { simulators: () => Array<ReturnType<typeof createSimulatorRoute>> } {
  const simulators = new Map<string, ReturnType<typeof createSimulatorRoute>>();
  const factory = (row: { id: string; type: 'simulator' | 'smpp'; config: string }) => {
    const config = JSON.parse(row.config) as Record<string, unknown>;
    if (row.type === 'smpp') {
      return createSmppRoute(row.id, smppRouteConfigSchema.parse(config), {
        clock: deps.clock,
        logger: deps.logger.child({ route: row.id }),
      });
    }
    const c = simulatorRouteConfigSchema.parse(config);
    const route = createSimulatorRoute({
      id: row.id,
      clock: deps.clock,
      settings: {
        deliveryDelayMs: c.deliveryDelayMs,
        undeliveredRate: c.undeliveredRate,
        undeliveredPattern: c.undeliveredPattern ? new RegExp(c.undeliveredPattern) : null,
        rejectPattern: c.rejectPattern ? new RegExp(c.rejectPattern) : null,
      },
      awaitingReports: deps.awaitingReports,
    });
    simulators.set(row.id, route);
    return route;
  };
  return Object.assign(factory, { simulators: () => [...simulators.values()] });
}
