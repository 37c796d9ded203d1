import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { priceListToCredits } from '../../modules/billing';
import { messageVolume } from '../../modules/messaging';
import type { AppServices } from '../app';
import { staffActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const TAG = { tags: ['Operator'] };
const read = { auth: 'staff' as const, permission: 'accounts:read' as const };
const VOLUME_DAYS = 30;

/** Read views of the back office: one account in full, its ledger, and the caller's staff API keys. */
export function adminAccountRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { accountAdmin, accountSettings, priceBook, ledger, apiKeys, db, clock } = services;
  return async (app) => {
    app.get(
      '/v1/admin/accounts/:id',
      {
        schema: {
          ...TAG,
          summary:
            'One account: its status, balance, users (role, 2FA), messages by status over the last 30 days, settings (refund policy) and own price list (null: the default)',
          params: idParams,
        },
        config: read,
      },
      async (request) => {
        const id = request.params.id;
        const detail = await accountAdmin.detail(id);
        const [settings, prices, volume] = await Promise.all([
          accountSettings.get(id),
          priceBook.accountList(db, id),
          messageVolume(db, id, clock.now() - VOLUME_DAYS * 86_400_000),
        ]);
        return Object.assign(detail, {
          settings,
          prices: prices ? priceListToCredits(prices) : null,
          volume,
        });
      },
    );
    app.get(
      '/v1/admin/accounts/:id/ledger',
      {
        schema: {
          ...TAG,
          summary: "An account's credit ledger, newest first",
          params: idParams,
          querystring: pageQuery,
        },
        config: read,
      },
      async (request) => {
        await accountAdmin.detail(request.params.id);
        const { limit, cursor } = request.query;
        return page(await ledger.entries(db, request.params.id, { limit, cursor }), limit);
      },
    );
    app.get(
      '/v1/admin/api-keys',
      {
        schema: { ...TAG, summary: 'Your staff API keys (revoked ones too), newest first' },
        config: { auth: 'staff' },
      },
      async (request) => ({ data: await apiKeys.listForStaff(staffActor(request)), nextCursor: null }),
    );
  };
}
