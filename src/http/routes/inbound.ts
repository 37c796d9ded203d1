import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../modules/audit';
import type { AppServices } from '../app';
import { clientActor, staffActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const address = z.string().trim().min(1).max(64);
const inboxQuery = pageQuery.extend({ from: address.optional(), to: address.optional() });

/** Inbound SMS: the client's inbox, and the operator's virtual numbers and unrouted messages. */
export function inboundRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { inbound } = services;
  return async (app) => {
    app.get(
      '/v1/inbound',
      {
        schema: {
          tags: ['Inbound'],
          summary: 'Inbound messages (replies) to the numbers of the account, newest first',
          querystring: inboxQuery,
        },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request) => {
        const q = request.query;
        return page(await inbound.inbox.list(clientActor(request).accountId, q), q.limit);
      },
    );
    app.get(
      '/v1/inbound/:id',
      {
        schema: { tags: ['Inbound'], summary: 'One inbound message', params: idParams },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request) => inbound.inbox.get(clientActor(request).accountId, request.params.id),
    );

    app.get(
      '/v1/admin/numbers',
      {
        schema: {
          tags: ['Operator'],
          summary: 'Virtual numbers for inbound SMS and their accounts',
          querystring: pageQuery.extend({ accountId: z.string().max(64).optional() }),
        },
        config: { auth: 'staff', permission: 'routes:manage' },
      },
      async (request) => {
        const q = request.query;
        return page(await inbound.numbers.list(q), q.limit);
      },
    );
    app.post(
      '/v1/admin/numbers',
      {
        schema: {
          tags: ['Operator'],
          summary: 'Give a number to an account: SMS sent to it arrive in the inbox of that account',
          body: z.strictObject({
            number: z.string().trim().min(1).max(32),
            accountId: z.string().trim().min(1).max(64),
          }),
        },
        config: { auth: 'staff', permission: 'routes:manage', idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await inbound.numbers.assign(auditActorOf(staffActor(request)), request.body)),
    );
    app.delete(
      '/v1/admin/numbers/:id',
      {
        schema: { tags: ['Operator'], summary: 'Release a number from its account', params: idParams },
        config: { auth: 'staff', permission: 'routes:manage' },
      },
      async (request, reply) => {
        await inbound.numbers.release(auditActorOf(staffActor(request)), request.params.id);
        return reply.status(204).send();
      },
    );
    app.get(
      '/v1/admin/inbound',
      {
        schema: {
          tags: ['Operator'],
          summary: 'Every inbound message; `unassigned=true`: those sent to numbers no account has',
          querystring: inboxQuery.extend({
            accountId: z.string().max(64).optional(),
            unassigned: z.enum(['true', 'false']).optional(),
          }),
        },
        config: { auth: 'staff', permission: 'routes:manage' },
      },
      async (request) => {
        const { unassigned, ...q } = request.query;
        return page(await inbound.inbox.listAll({ ...q, unassigned: unassigned === 'true' }), q.limit);
      },
    );
  };
}
