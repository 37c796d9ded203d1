import { z } from 'zod';
import {
  type OutboundSms,
  RouteError,
  type RouteTypeDefinition,
  type SmsRoute,
} from '../../src/modules/dispatch';

/** What the throw-away carrier was handed, by route id. */
export const acmeSends: Array<{ routeId: string; to: string; text: string; apiKey: string }> = [];

const acmeConfigSchema = z.strictObject({
  baseUrl: z.url().meta({ title: 'Base URL', description: 'Where the Acme API answers.' }),
  apiKey: z.string().min(8).meta({ title: 'API key' }),
  region: z.enum(['eu', 'us']).default('eu').meta({ title: 'Region' }),
  maxRetries: z.number().int().min(0).max(5).optional().meta({ title: 'Max retries' }),
  sandbox: z.boolean().default(false).meta({ title: 'Sandbox' }),
});

/**
 * A route type that exists only in tests: an HTTP-ish carrier that accepts every number except those
 * ending in 21, which it refuses with its own code ACME-21. Registered by injecting it into the registry.
 */
export const acmeRouteType: RouteTypeDefinition<z.output<typeof acmeConfigSchema>> = {
  type: 'acme',
  label: 'Acme SMS API',
  description: 'A throw-away carrier that only tests know.',
  configSchema: acmeConfigSchema,
  secretKeys: ['apiKey'],
  create(config, deps): SmsRoute {
    let n = 0;
    return {
      id: deps.id,
      async send(message: OutboundSms) {
        if (message.to.endsWith('21'))
          throw new RouteError('invalid_destination', 'Acme: number not served', 'ACME-21');
        acmeSends.push({ routeId: deps.id, to: message.to, text: message.text, apiKey: config.apiKey });
        n++;
        return { carrierRef: `acme-${deps.id}-${n}`, partRefs: [`acme-${deps.id}-${n}`] };
      },
      async start() {},
      async stop() {},
      health: () => ({
        connectedBinds: 1,
        inFlight: 0,
        sentLastMinute: n,
        errorsLastMinute: 0,
        lastError: null,
      }),
    };
  },
};
