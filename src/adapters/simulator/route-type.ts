import { z } from 'zod';
import type { RouteTypeDefinition } from '../../modules/dispatch';
import { receiptTimeoutSeconds } from '../route-config';
import { createSimulatorRoute } from './simulator-route';

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

/** The simulator as a route type: a simulated carrier that reaches no real phone. */
export const simulatorRouteType: RouteTypeDefinition<z.output<typeof simulatorRouteConfigSchema>> = {
  type: 'simulator',
  label: 'Simulator (test traffic)',
  description: 'A simulated carrier: accepts and reports delivery, reaches no real phone.',
  configSchema: simulatorRouteConfigSchema,
  secretKeys: [],
  simulated: true,
  create: (c, deps) =>
    createSimulatorRoute({
      id: deps.id,
      clock: deps.clock,
      settings: {
        deliveryDelayMs: c.deliveryDelayMs,
        undeliveredRate: c.undeliveredRate,
        undeliveredPattern: c.undeliveredPattern ? new RegExp(c.undeliveredPattern) : null,
        rejectPattern: c.rejectPattern ? new RegExp(c.rejectPattern) : null,
      },
      awaitingReports: deps.awaitingReports,
    }),
};
