import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../modules/audit';
import type { AppServices } from '../app';
import { clientActor, staffActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const STATUS = z.enum(['pending', 'approved', 'rejected']);
const note = z.string().trim().min(1).max(1000);
const countryParams = z.strictObject({ country: z.string().min(1).max(64) });
const staffWrite = { auth: 'staff' as const, permission: 'accounts:write' as const };
const staffRead = { auth: 'staff' as const, permission: 'accounts:read' as const };

/** Sender-ID registration (client), the operator's review, sender rules per country and protected names. */
export function senderIdRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { senderIds, senderRules } = services.trust;
  return async (app) => {
    app.post(
      '/v1/sender-ids',
      {
        schema: {
          tags: ['Messages'],
          summary:
            'Register an alphanumeric sender: `note` says who you are and what you send under it; the operator approves or refuses it',
          // The sender's own rules (length, characters, look-alikes) answer 422 with what is wrong.
          body: z.strictObject({ sender: z.string().min(1).max(32), note }),
        },
        config: { auth: 'client', permission: 'messages:send', idempotent: true },
      },
      async (request, reply) => {
        const actor = clientActor(request);
        return reply
          .status(201)
          .send(await senderIds.register(auditActorOf(actor), actor.accountId, request.body));
      },
    );
    app.get(
      '/v1/sender-ids',
      {
        schema: {
          tags: ['Messages'],
          summary:
            "The account's registered senders with the operator's answer (`pending`, `approved`, `rejected`)",
          querystring: pageQuery.extend({ status: STATUS.optional() }),
        },
        config: { auth: 'client', permission: 'account:read' },
      },
      async (request) => {
        const { limit, cursor, status } = request.query;
        const rows = await senderIds.list({
          accountId: clientActor(request).accountId,
          status,
          limit,
          cursor,
        });
        return page(rows, limit);
      },
    );
    app.delete(
      '/v1/sender-ids/:id',
      {
        schema: { tags: ['Messages'], summary: 'Withdraw a registered sender', params: idParams },
        config: { auth: 'client', permission: 'messages:send' },
      },
      async (request, reply) => {
        const actor = clientActor(request);
        await senderIds.remove(auditActorOf(actor), actor.accountId, request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/admin/sender-ids',
      {
        schema: {
          tags: ['Operator'],
          summary:
            'Registered senders of every account (`?status=pending` is the review queue), newest first',
          querystring: pageQuery.extend({
            status: STATUS.optional(),
            accountId: z.string().max(64).optional(),
          }),
        },
        config: staffRead,
      },
      async (request) => {
        const { limit, cursor, status, accountId } = request.query;
        return page(await senderIds.list({ accountId, status, limit, cursor }), limit);
      },
    );
    for (const [action, status] of [
      ['approve', 'approved'],
      ['reject', 'rejected'],
    ] as const) {
      app.post(
        `/v1/admin/sender-ids/:id/${action}`,
        {
          schema: {
            tags: ['Operator'],
            summary:
              action === 'approve'
                ? 'Approve a registered sender (optional `note` to the client)'
                : 'Refuse a registered sender; `note` tells the client why',
            params: idParams,
            body: z.strictObject({ note: action === 'approve' ? note.optional() : note }),
          },
          config: staffWrite,
        },
        async (request) =>
          senderIds.review(auditActorOf(staffActor(request)), request.params.id, {
            status,
            note: request.body.note ?? null,
          }),
      );
    }

    app.get(
      '/v1/admin/sender-rules',
      {
        schema: {
          tags: ['Operator'],
          summary:
            "Sender rules per destination country ('*' for every other country): alphanumeric `forbidden` | `registration_required` | `allowed`, numeric `any` | `own`, and the rule's source",
        },
        config: staffRead,
      },
      async () => ({ data: await senderRules.list() }),
    );
    app.put(
      '/v1/admin/sender-rules/:country',
      {
        schema: {
          tags: ['Operator'],
          summary: "Set a country's sender rule ('*' for every country without one)",
          params: countryParams,
          body: z.strictObject({
            alphanumeric: z.enum(['forbidden', 'registration_required', 'allowed']),
            numeric: z.enum(['any', 'own']),
            source: z.string().trim().min(1).max(500),
          }),
        },
        config: staffWrite,
      },
      async (request) =>
        senderRules.put(auditActorOf(staffActor(request)), request.params.country, request.body),
    );
    app.delete(
      '/v1/admin/sender-rules/:country',
      {
        schema: {
          tags: ['Operator'],
          summary: "Drop a country's rule: the '*' rule applies",
          params: countryParams,
        },
        config: staffWrite,
      },
      async (request, reply) => {
        await senderRules.remove(auditActorOf(staffActor(request)), request.params.country);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/admin/protected-names',
      {
        schema: {
          tags: ['Operator'],
          summary:
            'Names only their owner may send as (banks, couriers…), matched through look-alike spellings',
        },
        config: staffRead,
      },
      async () => ({ data: await senderRules.protectedNames() }),
    );
    app.post(
      '/v1/admin/protected-names',
      {
        schema: {
          tags: ['Operator'],
          summary: 'Protect a name; `accountId` is the one account that may still send as it (null: none)',
          body: z.strictObject({
            name: z.string().trim().min(1).max(64),
            accountId: z.string().max(64).nullable().default(null),
            note,
          }),
        },
        config: staffWrite,
      },
      async (request, reply) =>
        reply.status(201).send(await senderRules.protect(auditActorOf(staffActor(request)), request.body)),
    );
    app.delete(
      '/v1/admin/protected-names/:id',
      {
        schema: { tags: ['Operator'], summary: 'Stop protecting a name', params: idParams },
        config: staffWrite,
      },
      async (request, reply) => {
        await senderRules.unprotect(auditActorOf(staffActor(request)), request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
