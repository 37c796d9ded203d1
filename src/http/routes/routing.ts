import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../modules/audit';
import {
  ROUTE_TEST_MAX_WAIT_MS,
  ruleMatchSchema,
  STRATEGIES,
  strategyOptionsSchema,
} from '../../modules/dispatch';
import { senderIdProblem } from '../../modules/phone';
import type { RoutesTable } from '../../storage/schema';
import type { AppServices } from '../app';
import { staffActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const TAG = { tags: ['Operator'] };
const config = { auth: 'staff' as const, permission: 'routes:manage' as const };
// In the order the operator chose: primary first, then failovers.
const routeIds = z.array(z.string().min(1).max(64)).min(1).max(10);
const allowSimulator = z
  .boolean()
  .describe('Lets the rule use simulated routes (the built-in simulator), which reach no real phone');

// How a rule orders its routes for each message, and the thresholds of least_cost and quality.
const strategyFields = {
  strategy: z
    .enum(STRATEGIES)
    .optional()
    .describe(
      'priority: the listed order (default); least_cost: the cheapest healthy route first; quality: the best delivery rate first',
    ),
  ...strategyOptionsSchema.shape,
};

/** Carrier routes (SMPP binds, simulators) and the rules that pick them. */
export function routingRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { routesAdmin, routeTests, routeTypes } = services;
  const routeType = z.enum(routeTypes.types as [RoutesTable['type'], ...RoutesTable['type'][]]);
  return async (app) => {
    app.get(
      '/v1/admin/route-types',
      {
        schema: {
          ...TAG,
          summary: "Each route type's config as JSON Schema (secret fields listed and marked writeOnly)",
        },
        config,
      },
      async () => ({ data: routeTypes.views() }),
    );
    app.get(
      '/v1/admin/routes',
      { schema: { ...TAG, summary: 'Routes (credentials masked)' }, config },
      async () => ({
        data: await routesAdmin.listRoutes(),
        nextCursor: null,
      }),
    );
    app.post(
      '/v1/admin/routes',
      {
        schema: {
          ...TAG,
          summary:
            'Add a route: SMPP (config: host, port, systemId, password, binds, window, throughput …), generic HTTP or simulator; credentials the type generates (a callback token) are answered once, as generatedSecrets',
          body: z.strictObject({
            name: z.string().trim().min(1).max(100),
            type: routeType,
            enabled: z.boolean().default(true),
            config: z.record(z.string(), z.unknown()).default({}),
          }),
        },
        config: { ...config, idempotent: true, secretFields: ['generatedSecrets'] },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await routesAdmin.createRoute(auditActorOf(staffActor(request)), request.body)),
    );
    app.get(
      '/v1/admin/routes/:id',
      { schema: { ...TAG, summary: 'A route', params: idParams }, config },
      async (request) => routesAdmin.getRoute(request.params.id),
    );
    app.patch(
      '/v1/admin/routes/:id',
      {
        schema: {
          ...TAG,
          summary:
            'Change or disable a route (config fields are merged, null removes one; a secret left out, blank or masked is kept)',
          params: idParams,
          body: z.strictObject({
            name: z.string().trim().min(1).max(100).optional(),
            enabled: z.boolean().optional(),
            config: z.record(z.string(), z.unknown()).optional(),
          }),
        },
        config,
      },
      async (request) =>
        routesAdmin.updateRoute(auditActorOf(staffActor(request)), request.params.id, request.body),
    );
    app.delete(
      '/v1/admin/routes/:id',
      { schema: { ...TAG, summary: 'Remove a route', params: idParams }, config },
      async (request, reply) => {
        await routesAdmin.deleteRoute(auditActorOf(staffActor(request)), request.params.id);
        return reply.status(204).send();
      },
    );
    app.get(
      '/v1/admin/routes/:id/health',
      {
        schema: {
          ...TAG,
          summary: 'Connected binds, in flight, sent and errors in the last minute, last error',
          params: idParams,
        },
        config,
      },
      async (request) => routesAdmin.health(request.params.id),
    );

    app.post(
      '/v1/admin/routes/:id/test',
      {
        schema: {
          ...TAG,
          summary:
            "Send one real test SMS through this route only (charged to no account): the carrier's answer and, if it comes within waitSeconds, the receipt",
          params: idParams,
          body: z.strictObject({
            to: z.string().trim().min(1).max(32),
            text: z.string().min(1).max(1600),
            from: z
              .string()
              .min(1)
              .max(15)
              .refine((s) => senderIdProblem(s) === null, { message: 'not a valid sender id' })
              .optional(),
            waitSeconds: z
              .number()
              .min(0)
              .max(ROUTE_TEST_MAX_WAIT_MS / 1000)
              .default(5),
          }),
        },
        config,
      },
      async (request) => {
        const actor = staffActor(request);
        const { waitSeconds, ...input } = request.body;
        return routeTests.send(auditActorOf(actor), request.params.id, {
          ...input,
          waitMs: waitSeconds * 1000,
        });
      },
    );
    app.get(
      '/v1/admin/routes/:id/tests',
      {
        schema: {
          ...TAG,
          summary: "A route's test sends, newest first",
          params: idParams,
          querystring: pageQuery,
        },
        config,
      },
      async (request) => {
        const { limit, cursor } = request.query;
        return page(await routeTests.list(request.params.id, { limit, cursor }), limit);
      },
    );

    app.get(
      '/v1/admin/routing-rules',
      { schema: { ...TAG, summary: 'Routing rules, by priority' }, config },
      async () => ({
        data: await routesAdmin.listRules(),
        nextCursor: null,
      }),
    );
    app.post(
      '/v1/admin/routing-rules',
      {
        schema: {
          ...TAG,
          summary:
            'Add a rule: the first matching rule by priority picks the routes (primary, then failovers, in the given order); simulated routes only with allowSimulator',
          body: z.strictObject({
            priority: z.number().int().min(0).max(1_000_000),
            match: ruleMatchSchema.default({}),
            routeIds,
            allowSimulator: allowSimulator.default(false),
            ...strategyFields,
          }),
        },
        config: { ...config, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await routesAdmin.createRule(auditActorOf(staffActor(request)), request.body)),
    );
    app.patch(
      '/v1/admin/routing-rules/:id',
      {
        schema: {
          ...TAG,
          summary: 'Change a rule',
          params: idParams,
          body: z.strictObject({
            priority: z.number().int().min(0).max(1_000_000).optional(),
            match: ruleMatchSchema.optional(),
            routeIds: routeIds.optional(),
            allowSimulator: allowSimulator.optional(),
            ...strategyFields,
          }),
        },
        config,
      },
      async (request) =>
        routesAdmin.updateRule(auditActorOf(staffActor(request)), request.params.id, request.body),
    );
    app.delete(
      '/v1/admin/routing-rules/:id',
      { schema: { ...TAG, summary: 'Remove a rule', params: idParams }, config },
      async (request, reply) => {
        await routesAdmin.deleteRule(auditActorOf(staffActor(request)), request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
