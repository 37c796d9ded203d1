import type { RouteTypeDefinition } from '../../modules/dispatch';
import { parsePlivoInbound, parsePlivoReceipt, verifyPlivoCallback } from './callbacks';
import { type PlivoConfig, plivoConfigSchema } from './config';
import { createPlivoRoute } from './plivo-route';

/** Plivo's Message API as a route type (docs/design/http-carriers.md §4). */
export const plivoRouteType: RouteTypeDefinition<PlivoConfig> = {
  type: 'plivo',
  label: 'Plivo',
  description: 'Plivo Message API: status callbacks and replies signed with X-Plivo-Signature-V3.',
  configSchema: plivoConfigSchema,
  secretKeys: ['authToken'],
  create: createPlivoRoute,
  verifyCallback: verifyPlivoCallback,
  parseReceipt: parsePlivoReceipt,
  parseInbound: parsePlivoInbound,
};
