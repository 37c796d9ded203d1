import type { RouteTypeDefinition } from '../../modules/dispatch';
import { parseInfobipInbound, parseInfobipReceipt, verifyInfobipCallback } from './callbacks';
import { type InfobipConfig, infobipConfigSchema } from './config';
import { createInfobipRoute } from './infobip-route';

/** Infobip's SMS API v3 as a route type (docs/design/http-carriers.md §3). */
export const infobipRouteType: RouteTypeDefinition<InfobipConfig> = {
  type: 'infobip',
  label: 'Infobip',
  description:
    'Infobip SMS API v3: delivery reports and replies by webhook, authenticated by a token in the URL.',
  configSchema: infobipConfigSchema,
  secretKeys: ['apiKey', 'callbackToken', 'callbackPassword'],
  create: createInfobipRoute,
  verifyCallback: verifyInfobipCallback,
  parseReceipt: parseInfobipReceipt,
  parseInbound: parseInfobipInbound,
};
