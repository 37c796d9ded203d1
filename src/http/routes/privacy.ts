import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PRIVACY_REQUEST_KINDS, PRIVACY_REQUEST_STATUSES } from '../../modules/compliance';
import { MAX_MESSAGE_IDS } from '../../modules/messaging';
import type { AppServices } from '../app';
import { clientActor, staffActor } from '../context';
import { emailSchema, idParams, page, pageQuery } from '../schemas';

const PRIVACY = { tags: ['Privacy'] };
const MESSAGES = { tags: ['Messages'] };
const OPERATOR = { tags: ['Operator'] };
const MANAGE = { auth: 'client', permission: 'privacy:manage' } as const;
const STAFF = { auth: 'staff', permission: 'compliance:manage' } as const;

const phone = z.string().trim().min(1).max(32);
const subject = { phone: phone.optional(), email: emailSchema.optional() };
const name = z.string().trim().max(100).nullable().optional();
const messageIds = z.strictObject({ ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_MESSAGE_IDS) });

/**
 * Privacy: data-subject requests (search, export, rectify, erase, restrict), message deletion, account
 * closure and restore, the operator's retention periods and privacy-request inbox.
 */
export function privacyRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { subjectRequests, closure, retention, privacyRequests, messageDeletion } = services;
  return async (app) => {
    app.post(
      '/v1/privacy/subject-search',
      {
        schema: {
          ...PRIVACY,
          summary: 'Every record held about one person (by number and/or e-mail)',
          body: z.strictObject(subject),
        },
        config: MANAGE,
      },
      async (request) => subjectRequests.search(clientActor(request), request.body),
    );
    app.post(
      '/v1/privacy/subject-export',
      {
        schema: {
          ...PRIVACY,
          summary: "A person's records as a JSON or CSV bundle",
          querystring: z.strictObject({ format: z.enum(['json', 'csv']).optional() }),
          body: z.strictObject({ ...subject, format: z.enum(['json', 'csv']).optional() }),
        },
        config: MANAGE,
      },
      async (request, reply) => {
        const { format: bodyFormat, ...input } = request.body;
        const format = request.query.format ?? bodyFormat ?? 'json';
        const bundle = await subjectRequests.exportBundle(clientActor(request), input, format);
        return reply
          .header('content-type', bundle.contentType)
          .header('content-disposition', `attachment; filename="subject-export.${format}"`)
          .send(bundle.body);
      },
    );
    app.post(
      '/v1/privacy/subject-rectification',
      {
        schema: {
          ...PRIVACY,
          summary: "Correct a person's details on every contact that holds them",
          body: z.strictObject({
            ...subject,
            changes: z
              .strictObject({
                firstName: name,
                lastName: name,
                email: emailSchema.nullable().optional(),
                phone: phone.optional(),
                country: z
                  .string()
                  .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code in capitals')
                  .nullable()
                  .optional(),
                address: z.string().trim().max(500).nullable().optional(),
              })
              .refine((c) => Object.keys(c).length > 0, 'at least one change'),
          }),
        },
        config: MANAGE,
      },
      async (request) => subjectRequests.rectify(clientActor(request), request.body),
    );
    app.post(
      '/v1/privacy/subject-erasure',
      {
        schema: {
          ...PRIVACY,
          summary: 'Erase a person everywhere now; answers a receipt',
          body: z.strictObject(subject),
        },
        config: MANAGE,
      },
      async (request) => subjectRequests.erase(clientActor(request), request.body),
    );
    app.post(
      '/v1/privacy/subject-restriction',
      {
        schema: {
          ...PRIVACY,
          summary: 'Restrict a person (no messages, no exports) or lift the restriction',
          body: z.strictObject({ ...subject, restricted: z.boolean() }),
        },
        config: MANAGE,
      },
      async (request) => subjectRequests.restrict(clientActor(request), request.body),
    );

    app.get(
      '/v1/privacy/requests',
      {
        schema: {
          ...PRIVACY,
          summary: 'Data-subject requests the operator forwarded to this account',
          querystring: pageQuery.extend({ status: z.enum(PRIVACY_REQUEST_STATUSES).optional() }),
        },
        config: MANAGE,
      },
      async (request) => {
        const { limit, cursor, status } = request.query;
        return page(
          await privacyRequests.list({ accountId: clientActor(request).accountId, status, limit, cursor }),
          limit,
        );
      },
    );
    app.post(
      '/v1/privacy/requests/:id/complete',
      {
        schema: {
          ...PRIVACY,
          summary: 'Mark a forwarded request as answered',
          params: idParams,
          body: z.strictObject({ note: z.string().trim().max(2000).optional() }),
        },
        config: MANAGE,
      },
      async (request) => privacyRequests.complete(clientActor(request), request.params.id, request.body.note),
    );
    app.post(
      '/v1/privacy/requests/:id/reject',
      {
        schema: {
          ...PRIVACY,
          summary: 'Refuse a forwarded request, with the reason',
          params: idParams,
          body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
        },
        config: MANAGE,
      },
      async (request) => privacyRequests.reject(clientActor(request), request.params.id, request.body.reason),
    );

    app.post(
      '/v1/account/close',
      {
        schema: {
          ...PRIVACY,
          summary: 'Close the account: sending stops now; contacts purged after 60 days, messages after 120',
          body: z.strictObject({ confirmDeletion: z.boolean().optional() }),
        },
        config: { auth: 'client', permission: 'account:manage' },
      },
      async (request) => {
        const actor = clientActor(request);
        return closure.close(actor, actor.accountId, request.body);
      },
    );
    app.post(
      '/v1/account/restore',
      {
        schema: { ...PRIVACY, summary: 'Re-open a closed account (what was purged stays purged)' },
        config: { auth: 'client', permission: 'account:manage' },
      },
      async (request) => {
        const actor = clientActor(request);
        return closure.restore(actor, actor.accountId);
      },
    );

    app.delete(
      '/v1/messages/:id',
      {
        schema: {
          ...MESSAGES,
          summary: 'Delete a finished message (restorable for 60 days)',
          params: idParams,
        },
        config: { auth: 'client', permission: 'messages:send' },
      },
      async (request, reply) => {
        await messageDeletion.removeOne(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/messages/delete',
      {
        schema: {
          ...MESSAGES,
          summary: 'Delete finished messages (unknown or unfinished ids are skipped)',
          body: messageIds,
        },
        config: { auth: 'client', permission: 'messages:send' },
      },
      async (request) => messageDeletion.remove(clientActor(request), request.body.ids),
    );
    app.post(
      '/v1/messages/restore',
      {
        schema: { ...MESSAGES, summary: 'Restore deleted messages (within 60 days)', body: messageIds },
        config: { auth: 'client', permission: 'messages:send' },
      },
      async (request) => messageDeletion.restore(clientActor(request), request.body.ids),
    );

    app.get(
      '/v1/admin/retention',
      { schema: { ...OPERATOR, summary: 'Retention rules and their periods' }, config: STAFF },
      async () => ({ data: await retention.policies() }),
    );
    app.put(
      '/v1/admin/retention',
      {
        schema: {
          ...OPERATOR,
          summary: 'Change retention periods (days); longer than promised needs RETENTION_ALLOW_LONGER',
          body: z.strictObject({ rules: z.record(z.string().max(100), z.number().int().min(1).max(36_500)) }),
        },
        config: STAFF,
      },
      async (request) => {
        const actor = staffActor(request);
        return {
          data: await retention.setPolicies(
            { type: 'staff', id: actor.id, ip: actor.ip },
            request.body.rules,
          ),
        };
      },
    );
    app.post(
      '/v1/admin/accounts/:id/close',
      {
        schema: {
          ...OPERATOR,
          summary: 'Close an account (same clocks as a closure by its owner)',
          params: idParams,
          body: z.strictObject({ confirmDeletion: z.boolean().optional() }),
        },
        config: { auth: 'staff', permission: 'accounts:write' },
      },
      async (request) => closure.close(staffActor(request), request.params.id, request.body),
    );
    app.post(
      '/v1/admin/accounts/:id/restore',
      {
        schema: { ...OPERATOR, summary: 'Re-open a closed account', params: idParams },
        config: { auth: 'staff', permission: 'accounts:write' },
      },
      async (request) => closure.restore(staffActor(request), request.params.id),
    );
    app.get(
      '/v1/admin/privacy-requests',
      {
        schema: {
          ...OPERATOR,
          summary: 'Data-subject requests received by the operator',
          querystring: pageQuery.extend({
            status: z.enum(PRIVACY_REQUEST_STATUSES).optional(),
            overdue: z.enum(['true', 'false']).optional(),
            accountId: z.string().max(64).optional(),
          }),
        },
        config: STAFF,
      },
      async (request) => {
        const { limit, cursor, status, overdue, accountId } = request.query;
        return page(
          await privacyRequests.list({ status, overdue: overdue === 'true', accountId, limit, cursor }),
          limit,
        );
      },
    );
    app.get(
      '/v1/admin/privacy-requests/counts',
      {
        schema: {
          ...OPERATOR,
          summary:
            'Data-subject requests by source (sms, operator): total, open, and open past their due date',
        },
        config: STAFF,
      },
      async () => ({ data: await privacyRequests.counts() }),
    );
    app.post(
      '/v1/admin/privacy-requests',
      {
        schema: {
          ...OPERATOR,
          summary: 'Record a request a data subject sent to the operator (due one month after receipt)',
          body: z.strictObject({
            kind: z.enum(PRIVACY_REQUEST_KINDS),
            subject: z.strictObject({
              phone: phone.optional(),
              email: emailSchema.optional(),
              name: z.string().trim().max(200).optional(),
            }),
            message: z.string().max(10_000).optional(),
            receivedAt: z.iso.datetime().optional(),
            accountId: z.string().max(64).optional(),
          }),
        },
        config: { ...STAFF, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await privacyRequests.create(staffActor(request), request.body)),
    );
    app.post(
      '/v1/admin/privacy-requests/:id/forward',
      {
        schema: {
          ...OPERATOR,
          summary: 'Forward a request to the account that holds the data',
          params: idParams,
          body: z.strictObject({ accountId: z.string().min(1).max(64) }),
        },
        config: STAFF,
      },
      async (request) =>
        privacyRequests.forward(staffActor(request), request.params.id, request.body.accountId),
    );
  };
}
