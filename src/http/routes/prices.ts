import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../modules/accounts';
import { priceListFromCredits, priceListInputSchema, priceListToCredits } from '../../modules/billing';
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
          summary: 'The price list that applies to this account (credits per segment)',
        },
        config: { auth: 'client', permission: 'billing:read' },
      },
      async (request) => ({
        currency: 'credits',
        perSegment: priceListToCredits(await priceBook.listFor(db, clientActor(request).accountId)),
      }),
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
          summary: 'Change messaging settings (default country, sender, max segments, smart encoding)',
          body: z.strictObject({
            defaultCountry: z
              .string()
              .regex(/^[A-Z]{2}$/)
              .nullable()
              .optional(),
            defaultSender: z.string().min(1).max(15).optional(),
            maxSegments: z.number().int().min(1).max(20).optional(),
            smartEncoding: z.boolean().optional(),
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
