import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../modules/audit';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { page, pageQuery } from '../schemas';

const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'An ISO 4217 code such as EUR.')
  .optional();
const provider = z.enum(['stripe', 'paysera']);
const topUpBody = z.union([
  z.strictObject({ provider, packageId: z.string().min(1).max(64), currency }),
  z.strictObject({ provider, amountMinor: z.number().int().positive().max(100_000_000), currency }),
  // API.md's shape: the amount in the currency's units (10.5 = €10.50), at most two decimals.
  z.strictObject({
    provider,
    amount: z
      .number()
      .positive()
      .max(1_000_000)
      .refine((a) => Math.abs(Math.round(a * 100) - a * 100) < 1e-6, 'At most two decimals.'),
    currency,
  }),
]);

/** Buying credits: start a checkout, list the account's payments. */
export function paymentRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { payments } = services;
  return async (app) => {
    app.post(
      '/v1/billing/top-ups',
      {
        schema: {
          tags: ['Billing'],
          summary: 'Start buying credits: a package or an amount in minor units; answers the checkout URL',
          body: topUpBody,
        },
        config: { auth: 'client', permission: 'billing:manage' },
      },
      async (request, reply) => {
        const actor = clientActor(request);
        const { body } = request;
        const choice =
          'amount' in body
            ? {
                provider: body.provider,
                amountMinor: Math.round(body.amount * 100),
                ...(body.currency ? { currency: body.currency } : {}),
              }
            : body;
        const started = await payments.startTopUp(actor.accountId, auditActorOf(actor), choice);
        // `id` and `checkoutUrl` as API.md has them; the whole payment beside.
        return reply.code(201).send({ id: started.payment.id, ...started });
      },
    );
    app.get(
      '/v1/billing/payments',
      {
        schema: {
          tags: ['Billing'],
          summary: "The account's payments, newest first (paged)",
          querystring: pageQuery,
        },
        config: { auth: 'client', permission: 'billing:read' },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        return page(await payments.list(clientActor(request).accountId, { limit, cursor }), limit);
      },
    );
  };
}
