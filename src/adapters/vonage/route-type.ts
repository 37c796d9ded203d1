import type { RouteTypeDefinition } from '../../modules/dispatch';
import { parseVonageInbound, parseVonageReceipt, verifyVonageCallback } from './callbacks';
import { type VonageConfig, vonageConfigSchema } from './config';
import { createVonageRoute } from './vonage-route';

/** Vonage's SMS API as a route type (docs/design/http-carriers.md §2). */
export const vonageRouteType: RouteTypeDefinition<VonageConfig> = {
  type: 'vonage',
  label: 'Vonage (Nexmo)',
  description:
    'Vonage SMS API: per-part receipts and replies by webhook, signed when a signature secret is set.',
  configSchema: vonageConfigSchema,
  secretKeys: ['apiSecret', 'signatureSecret', 'callbackToken'],
  create: createVonageRoute,
  verifyCallback: verifyVonageCallback,
  parseReceipt: parseVonageReceipt,
  parseInbound: parseVonageInbound,
  // Vonage retries anything but 200 or 204 for a day.
  callbackAnswer: { status: 204, contentType: 'text/plain', body: '' },
};
