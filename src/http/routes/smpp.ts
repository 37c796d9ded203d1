import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { idParams } from '../schemas';

const TAG = { tags: ['SMPP'] };

/** SMPP credentials: the system_id and password a client binds to the SMPP server with. */
export function smppRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { smppCredentials, smppDeliveries } = services;
  return async (app) => {
    // API.md's paths (`/v1/smpp-credentials`) and the grouped ones under `/v1/smpp/` answer the same.
    for (const base of ['/v1/smpp-credentials', '/v1/smpp/credentials']) {
      app.post(
        base,
        {
          schema: {
            ...TAG,
            summary: 'Create an SMPP credential (the password is shown once)',
            body: z.strictObject({
              name: z.string().trim().min(1).max(100).optional(),
              systemId: z.string().trim().min(1).max(15).optional(),
              allowedIps: z.array(z.string().trim().min(1).max(45)).max(50).optional(),
              maxBinds: z.number().int().min(1).max(100).optional(),
            }),
          },
          config: {
            auth: 'client',
            permission: 'api_keys:manage',
            idempotent: true,
            secretFields: ['password'],
          },
        },
        async (request, reply) =>
          reply.status(201).send(await smppCredentials.create(clientActor(request), request.body)),
      );
      app.get(
        base,
        {
          schema: {
            ...TAG,
            summary: 'SMPP credentials (never the password) and the receipts and replies waiting',
          },
          config: { auth: 'client', permission: 'api_keys:manage' },
        },
        async (request) => {
          const actor = clientActor(request);
          const binds = services.smppBinds(actor.accountId);
          return {
            data: (await smppCredentials.list(actor)).map((c) => ({
              ...c,
              binds: binds
                .filter((b) => b.credentialId === c.id)
                .map(({ mode, ip, boundAt, submits }) => ({ mode, ip, boundAt, submits })),
            })),
            pendingDeliveries: await smppDeliveries.pending(actor.accountId),
            nextCursor: null,
          };
        },
      );
      app.delete(
        `${base}/:id`,
        {
          schema: { ...TAG, summary: 'Delete an SMPP credential (its binds are closed)', params: idParams },
          config: { auth: 'client', permission: 'api_keys:manage' },
        },
        async (request, reply) => {
          await smppCredentials.remove(clientActor(request), request.params.id);
          return reply.status(204).send();
        },
      );
    }

    app.get(
      '/v1/admin/smpp/binds',
      {
        schema: {
          tags: ['Back office'],
          summary: "SMPP binds connected to this process's SMPP server, every account's (or one account's)",
          querystring: z.strictObject({ accountId: z.string().min(1).max(64).optional() }),
        },
        config: { auth: 'staff', permission: 'accounts:read' },
      },
      async (request) => ({ data: services.smppBinds(request.query.accountId ?? null) }),
    );
  };
}
