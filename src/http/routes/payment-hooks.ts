import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyPayseraCallback } from '../../adapters/payments/paysera';
import type { AppServices } from '../app';

const payseraQuery = z.object({
  data: z.string().max(10_000).optional(),
  ss1: z.string().max(64).optional(),
  ss2: z.string().max(2_000).optional(),
});

/** Payment providers' callbacks: public, trusted only through their signatures. */
export function paymentHookRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { payments, paysera } = services;
  return async (app) => {
    if (!paysera) return;
    // Paysera calls back with GET, the query carrying data, ss1 and ss2 (a POST form is not taken yet).
    const handler = async (query: z.infer<typeof payseraQuery>) => {
      const params = verifyPayseraCallback(paysera.settings, query);
      const notice = {
        provider: 'paysera' as const,
        providerOrderId: params.orderid ?? '',
        providerTransactionId: params.requestid ?? `${params.orderid}`,
        amountMinor: Number(params.amount),
        currency: params.currency ?? '',
      };
      if (params.projectid !== paysera.settings.projectId) {
        return payments.refuseNotice(notice, 'another project');
      }
      if (params.test === '1' && !paysera.testMode) return payments.refuseNotice(notice, 'test payment');
      // Only status 1 is a payment; 0 (not paid), 2 (accepted, not yet executed) and 3 wait for a later callback.
      if (params.status === '1') await payments.markPaid(notice);
      return 'OK';
    };
    app.get(
      '/hooks/payments/paysera',
      { schema: { hide: true, querystring: payseraQuery }, config: { auth: 'public', rateLimit: false } },
      async (request, reply) => reply.type('text/plain').send(await handler(request.query)),
    );
  };
}
