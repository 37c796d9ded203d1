import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../modules/audit';
import type { AppServices } from '../app';
import { staffActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const TAG = { tags: ['Operator'] };
const staffWrite = { auth: 'staff' as const, permission: 'accounts:write' as const };
const staffRead = { auth: 'staff' as const, permission: 'accounts:read' as const };
const KIND = z.enum(['term', 'domain']);
const note = z.string().trim().min(1).max(1000);
const optionalNote = z.strictObject({ note: note.optional() });
const allowParams = z.strictObject({ id: z.string().min(1).max(64), allowId: z.string().min(1).max(64) });

/** Content rules (blocked terms and domains), per-account exceptions, and the review of held messages. */
export function contentRuleRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { contentRules } = services.trust;
  const { heldMessages, accountAdmin } = services;
  return async (app) => {
    app.get(
      '/v1/admin/content-rules',
      {
        schema: {
          ...TAG,
          summary:
            'Blocked terms and URL domains (the seeded URL shorteners among them); `action` `reject` refuses a matching message, `hold` keeps it for review',
        },
        config: staffRead,
      },
      async () => ({ data: await contentRules.list() }),
    );
    app.post(
      '/v1/admin/content-rules',
      {
        schema: {
          ...TAG,
          summary: 'Add a blocked term (whole words, any case) or domain (its subdomains too)',
          body: z.strictObject({
            kind: KIND,
            value: z.string().trim().min(2).max(200),
            action: z.enum(['reject', 'hold']),
            note,
          }),
        },
        config: staffWrite,
      },
      async (request, reply) =>
        reply.status(201).send(await contentRules.add(auditActorOf(staffActor(request)), request.body)),
    );
    app.delete(
      '/v1/admin/content-rules/:id',
      { schema: { ...TAG, summary: 'Drop a content rule', params: idParams }, config: staffWrite },
      async (request, reply) => {
        await contentRules.remove(auditActorOf(staffActor(request)), request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/admin/accounts/:id/content-allows',
      {
        schema: { ...TAG, summary: "An account's exceptions to the content rules", params: idParams },
        config: staffRead,
      },
      async (request) => {
        await accountAdmin.detail(request.params.id);
        return { data: await contentRules.allows(request.params.id) };
      },
    );
    app.post(
      '/v1/admin/accounts/:id/content-allows',
      {
        schema: {
          ...TAG,
          summary: 'Let one account past the content rule of this kind and value (e.g. its own domain)',
          params: idParams,
          body: z.strictObject({ kind: KIND, value: z.string().trim().min(2).max(200), note }),
        },
        config: staffWrite,
      },
      async (request, reply) => {
        await accountAdmin.detail(request.params.id);
        const allow = await contentRules.allow(
          auditActorOf(staffActor(request)),
          request.params.id,
          request.body,
        );
        return reply.status(201).send(allow);
      },
    );
    app.delete(
      '/v1/admin/accounts/:id/content-allows/:allowId',
      { schema: { ...TAG, summary: 'Withdraw an exception', params: allowParams }, config: staffWrite },
      async (request, reply) => {
        await contentRules.disallow(
          auditActorOf(staffActor(request)),
          request.params.id,
          request.params.allowId,
        );
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/admin/held-messages',
      {
        schema: {
          ...TAG,
          summary:
            'Messages a content rule held for review, oldest first; `hold.detail` names the rule. Not charged until released',
          querystring: pageQuery.extend({ accountId: z.string().max(64).optional() }),
        },
        config: staffRead,
      },
      async (request) => {
        const { limit, cursor, accountId } = request.query;
        return page(await heldMessages.list({ accountId, limit, cursor }), limit);
      },
    );
    app.post(
      '/v1/admin/held-messages/:id/release',
      {
        schema: {
          ...TAG,
          summary: 'Release a held message: its credits are reserved and it is sent (or scheduled)',
          params: idParams,
          body: optionalNote,
        },
        config: staffWrite,
      },
      async (request) =>
        heldMessages.release(auditActorOf(staffActor(request)), request.params.id, request.body.note ?? null),
    );
    app.post(
      '/v1/admin/held-messages/:id/reject',
      {
        schema: {
          ...TAG,
          summary:
            'Reject a held message (`content_blocked`, nothing charged); `note` is added to its detail',
          params: idParams,
          body: optionalNote,
        },
        config: staffWrite,
      },
      async (request) =>
        heldMessages.reject(auditActorOf(staffActor(request)), request.params.id, request.body.note ?? null),
    );
  };
}
