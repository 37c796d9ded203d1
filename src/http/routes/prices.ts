import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_HELP_TEXT } from '../../modules/accounts';
import { auditActorOf } from '../../modules/audit';
import {
  countryPrices,
  priceListFromCredits,
  priceListInputSchema,
  priceListToCredits,
} from '../../modules/billing';
import { COUNTRIES } from '../../modules/phone';
import type { AppServices } from '../app';
import { clientActor, staffActor } from '../context';
import { idParams } from '../schemas';

/** Price lists (operator) and per-account settings (client and operator). */
export function priceAndSettingsRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { priceBook, priceAdmin, db, accountSettings } = services;
  return async (app) => {
    app.get(
      '/v1/prices',
      {
        schema: {
          tags: ['Billing'],
          summary:
            'The prices that apply to this account: `data` lists every country by name with what one SMS part costs in credits; `perSegment` is the list itself (`default` for countries it does not name)',
        },
        config: { auth: 'client', permission: 'billing:read' },
      },
      async (request) => {
        const { accountId } = clientActor(request);
        const [list, own] = await Promise.all([
          priceBook.listFor(db, accountId),
          priceBook.accountList(db, accountId),
        ]);
        return {
          currency: 'credits',
          // true when the operator gave this account a price list of its own instead of the default one.
          accountPrices: own !== null,
          perSegment: priceListToCredits(list),
          data: countryPrices(list, COUNTRIES),
        };
      },
    );

    app.get(
      '/v1/account/settings',
      {
        schema: { tags: ['Accounts and access'], summary: 'Messaging settings of the account' },
        config: { auth: 'client', permission: 'account:read' },
      },
      async (request) => accountSettings.get(clientActor(request).accountId),
    );
    app.patch(
      '/v1/account/settings',
      {
        schema: {
          tags: ['Accounts and access'],
          summary:
            'Change messaging settings (default country, sender, max segments, smart encoding, help text)',
          body: z.strictObject({
            // Checked against the known countries by the settings: a wrong code is 422 invalid_country.
            defaultCountry: z.string().max(64).nullable().optional(),
            // null: no sender of the account's own (the operator's shared sender is used).
            defaultSender: z.string().min(1).max(15).nullable().optional(),
            maxSegments: z.number().int().min(1).max(20).optional(),
            smartEncoding: z.boolean().optional(),
            // The answer to HELP texted to the account's numbers; null removes it.
            helpText: z.string().trim().min(1).max(MAX_HELP_TEXT).nullable().optional(),
          }),
        },
        config: { auth: 'client', permission: 'team:manage' },
      },
      async (request) => {
        const actor = clientActor(request);
        return accountSettings.patch(auditActorOf(actor), actor.accountId, request.body);
      },
    );

    app.get(
      '/v1/admin/prices',
      {
        schema: { tags: ['Operator'], summary: 'The default price list (credits per segment)' },
        config: { auth: 'staff', permission: 'prices:manage' },
      },
      async () => priceListToCredits(await priceBook.defaultList(db)),
    );
    app.put(
      '/v1/admin/prices',
      {
        schema: { tags: ['Operator'], summary: 'Replace the default price list', body: priceListInputSchema },
        config: { auth: 'staff', permission: 'prices:manage' },
      },
      async (request) => {
        const list = priceListFromCredits(request.body);
        await priceAdmin.setDefault(auditActorOf(staffActor(request)), list);
        return priceListToCredits(list);
      },
    );
    app.put(
      '/v1/admin/accounts/:id/prices',
      {
        schema: {
          tags: ['Operator'],
          summary: 'Give an account its own price list',
          params: idParams,
          body: priceListInputSchema,
        },
        config: { auth: 'staff', permission: 'prices:manage' },
      },
      async (request) => {
        const list = priceListFromCredits(request.body);
        await priceAdmin.setForAccount(auditActorOf(staffActor(request)), request.params.id, list);
        return priceListToCredits(list);
      },
    );
    app.delete(
      '/v1/admin/accounts/:id/prices',
      {
        schema: {
          tags: ['Operator'],
          summary: 'Put an account back on the default price list',
          params: idParams,
        },
        config: { auth: 'staff', permission: 'prices:manage' },
      },
      async (request, reply) => {
        await priceAdmin.setForAccount(auditActorOf(staffActor(request)), request.params.id, null);
        return reply.status(204).send();
      },
    );
    app.patch(
      '/v1/admin/accounts/:id/settings',
      {
        schema: {
          tags: ['Operator'],
          summary:
            "Change an account's messaging settings, including its refund policy and whether its campaigns may use tracked links",
          params: idParams,
          body: z.strictObject({
            refundPolicy: z.enum(['none', 'undelivered', 'undelivered_and_expired']).optional(),
            maxSegments: z.number().int().min(1).max(20).optional(),
            trackedLinks: z.boolean().optional(),
          }),
        },
        config: { auth: 'staff', permission: 'accounts:write' },
      },
      async (request) =>
        accountSettings.patch(auditActorOf(staffActor(request)), request.params.id, request.body),
    );
  };
}
