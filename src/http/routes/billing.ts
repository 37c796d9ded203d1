import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { pageQuery } from '../schemas';

/** The credit balance and its ledger. */
export function billingRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { ledger, db } = services;
  return async (app) => {
    app.get(
      '/v1/balance',
      {
        schema: { tags: ['Billing'], summary: 'Credit balance and ledger (paged)', querystring: pageQuery },
        config: { auth: 'client', permission: 'billing:read' },
      },
      async (request) => {
        const actor = clientActor(request);
        const { limit, cursor } = request.query;
        const [balance, entries] = await Promise.all([
          ledger.balance(db, actor.accountId),
          ledger.entries(db, actor.accountId, { limit, ...(cursor ? { cursor } : {}) }),
        ]);
        return {
          ...balance,
          currency: 'credits',
          ledger: entries,
          nextCursor: entries.length === limit ? entries[entries.length - 1]!.id : null,
        };
      },
    );
  };
}
