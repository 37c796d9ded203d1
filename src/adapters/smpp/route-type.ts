import type { RouteTypeDefinition } from '../../modules/dispatch';
import { type ResolvedSmppRouteConfig, smppRouteConfigSchema } from './config';
import { createSmppRoute } from './smpp-route';

/** An SMPP v3.4 carrier account as a route type; its failures map to the normalised codes in failure-codes.ts. */
export const smppRouteType: RouteTypeDefinition<ResolvedSmppRouteConfig> = {
  type: 'smpp',
  label: 'SMPP carrier',
  description: 'An SMPP v3.4 account at a carrier or aggregator (SMSC): binds, window and throughput.',
  configSchema: smppRouteConfigSchema.strict(),
  secretKeys: ['password'],
  create: (config, deps) =>
    createSmppRoute(deps.id, config, {
      clock: deps.clock,
      logger: deps.logger,
      sharedThroughput: deps.sharedThroughput?.(config.throughput ?? 0) ?? null,
    }),
};
