import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MESSAGE_STATUSES } from '../../modules/messaging';
import { MAX_URL_LENGTH, WEBHOOK_EVENT_TYPES } from '../../modules/webhooks';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const TAG = { tags: ['Webhooks'] };
const url = z.string().trim().min(1).max(MAX_URL_LENGTH);
const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length * 2);
/** Only these statuses of `message.status` events are sent (e.g. the final ones); left out: all. */
const statuses = z
  .array(z.enum(MESSAGE_STATUSES))
  .min(1)
  .max(MESSAGE_STATUSES.length * 2);
const description = z.string().trim().max(500);

/** Webhook endpoints, their signing secrets and their delivery log. */
export function webhookRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { webhooks } = services;
  return async (app) => {
    app.post(
      '/v1/webhooks',
      {
        schema: {
          ...TAG,
          summary: 'Create a webhook endpoint (the signing secret is shown once)',
          body: z.strictObject({
            url,
            events,
            statuses: statuses.optional(),
            description: description.optional(),
          }),
        },
        config: { auth: 'client', permission: 'webhooks:manage', idempotent: true, secretFields: ['secret'] },
      },
      async (request, reply) =>
        reply.status(201).send(await webhooks.createEndpoint(clientActor(request), request.body)),
    );
    app.get(
      '/v1/webhooks',
      {
        schema: { ...TAG, summary: 'Webhook endpoints (never the secret)' },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request) => ({ data: await webhooks.listEndpoints(clientActor(request)), nextCursor: null }),
    );
    app.get(
      '/v1/webhooks/:id',
      {
        schema: { ...TAG, summary: 'A webhook endpoint', params: idParams },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request) => webhooks.getEndpoint(clientActor(request), request.params.id),
    );
    app.patch(
      '/v1/webhooks/:id',
      {
        schema: {
          ...TAG,
          summary: 'Change the URL, events, status filter or description, or disable / re-enable an endpoint',
          params: idParams,
          body: z.strictObject({
            url: url.optional(),
            events: events.optional(),
            statuses: statuses.nullable().optional(),
            description: description.nullable().optional(),
            enabled: z.boolean().optional(),
          }),
        },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request) => webhooks.updateEndpoint(clientActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/webhooks/:id',
      {
        schema: { ...TAG, summary: 'Delete an endpoint with its delivery log', params: idParams },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request, reply) => {
        await webhooks.deleteEndpoint(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/webhooks/:id/rotate-secret',
      {
        schema: {
          ...TAG,
          summary: 'New signing secret (the old one keeps signing for 24 h, shown once)',
          params: idParams,
        },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request) => webhooks.rotateSecret(clientActor(request), request.params.id),
    );
    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        schema: {
          ...TAG,
          summary: "An endpoint's deliveries with their attempts, newest first (paged)",
          params: idParams,
          querystring: pageQuery.extend({
            status: z.enum(['pending', 'delivered', 'failed', 'cancelled']).optional(),
          }),
        },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request) => {
        const { limit, cursor, status } = request.query;
        const rows = await webhooks.listDeliveries(clientActor(request), request.params.id, {
          limit,
          cursor,
          status,
        });
        return page(rows, limit);
      },
    );
    app.post(
      '/v1/webhooks/:id/retry',
      {
        schema: {
          ...TAG,
          summary: "Retry now: the endpoint's deliveries waiting on the retry ladder become due at once",
          params: idParams,
        },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request, reply) =>
        reply.status(202).send(await webhooks.retryNow(clientActor(request), request.params.id)),
    );
    app.post(
      '/v1/webhooks/:id/test',
      {
        schema: {
          ...TAG,
          summary:
            'Send a signed `webhook.test` event now; answers the attempt (status, time, response excerpt or error)',
          params: idParams,
        },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request) => webhooks.sendTest(clientActor(request), request.params.id),
    );
    app.post(
      '/v1/webhook-deliveries/:id/redeliver',
      {
        schema: {
          ...TAG,
          summary:
            'Send a delivery again now (a new attempt, same webhook-id); answers the attempt. Its retry ladder is left as it was',
          params: idParams,
        },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request) => webhooks.redeliverNow(clientActor(request), request.params.id),
    );
    app.post(
      '/v1/webhooks/:id/deliveries/:deliveryId/retry',
      {
        schema: {
          ...TAG,
          summary: 'Send an event again (a new delivery with the same event id)',
          params: z.strictObject({ id: z.string().min(1).max(64), deliveryId: z.string().min(1).max(64) }),
        },
        config: { auth: 'client', permission: 'webhooks:manage' },
      },
      async (request, reply) =>
        reply
          .status(202)
          .send(await webhooks.redeliver(clientActor(request), request.params.deliveryId, request.params.id)),
    );
  };
}
