import type { RouteTypeDefinition } from '../../modules/dispatch';
import { parseHttpInbound, parseHttpReceipt, verifyHttpCallback } from './callbacks';
import { HTTP_SECRET_KEYS, type HttpRouteConfig, httpRouteConfigSchema } from './config';
import { createHttpRoute } from './http-route';

/**
 * The generic templated HTTP route: the many local aggregators (Kannel's sendsms, SMS Gate-style JSON
 * APIs, …) described by templates and mappings instead of code. docs/design/http-carriers.md §6.
 */
export const httpRouteType: RouteTypeDefinition<HttpRouteConfig> = {
  type: 'http',
  label: 'HTTP API (generic)',
  description:
    'Any HTTP SMS API: request templates, a success rule, error mapping, delivery report and inbound callbacks.',
  configSchema: httpRouteConfigSchema,
  secretKeys: HTTP_SECRET_KEYS,
  create: (config, deps) => createHttpRoute(config, deps),
  verifyCallback: verifyHttpCallback,
  parseReceipt: parseHttpReceipt,
  parseInbound: parseHttpInbound,
};
