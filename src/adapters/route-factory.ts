import { z } from 'zod';
import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import { createRouteTypes, type RouteFactory, type RouteTypeDefinition } from '../modules/dispatch';
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
  deliveryDelayMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(1500)
    .meta({ title: 'Delivery delay (ms)', description: 'How long after the submit the receipt comes.' }),
  undeliveredRate: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .meta({ title: 'Undelivered rate', description: 'Share of messages (0 to 1) reported undelivered.' }),
  undeliveredPattern: regex.optional().meta({
    title: 'Undelivered pattern',
    description: 'Numbers matching this regular expression are undelivered.',
  }),
  rejectPattern: regex.optional().meta({
    title: 'Reject pattern',
    description: 'Numbers matching this regular expression are refused at submit.',
  }),
  receiptTimeoutSeconds,
});

/** Every route type the operator can configure: one entry each (schema, credentials, label). */
export const ROUTE_TYPES: readonly RouteTypeDefinition[] = [
  {
    type: 'smpp',
    label: 'SMPP carrier',
    description: 'An SMPP v3.4 account at a carrier or aggregator (SMSC): binds, window and throughput.',
    configSchema: smppRouteConfigSchema.strict(),
    secretKeys: ['password'],
  },
  {
    type: 'simulator',
    label: 'Simulator (test traffic)',
    description: 'A simulated carrier: accepts and reports delivery, reaches no real phone.',
    configSchema: simulatorRouteConfigSchema,
    secretKeys: [],
  },
];

const routeTypes = createRouteTypes(ROUTE_TYPES);

/** Validates a route's config against its type's schema, reporting each bad field under /body/config. */
export const validateRouteConfig = (type: string, config: Record<string, unknown>) =>
  routeTypes.validate(type, config);

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
