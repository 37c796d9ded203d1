import type { RouteTypeDefinition } from '../../modules/dispatch';
import { parseTelnyxInbound, parseTelnyxReceipt, verifyTelnyxCallback } from './callbacks';
import { type TelnyxConfig, telnyxConfigSchema } from './config';
import { createTelnyxRoute } from './telnyx-route';

/** Telnyx's Messaging API v2 as a route type (docs/design/http-carriers.md §5). */
export const telnyxRouteType: RouteTypeDefinition<TelnyxConfig> = {
  type: 'telnyx',
  label: 'Telnyx',
  description: 'Telnyx Messaging API v2: delivery events and replies by webhook, signed with Ed25519.',
  configSchema: telnyxConfigSchema,
  secretKeys: ['apiKey'],
  create: createTelnyxRoute,
  verifyCallback: verifyTelnyxCallback,
  parseReceipt: parseTelnyxReceipt,
  parseInbound: parseTelnyxInbound,
};
