import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import { type AuditExportFilter, INCIDENT_SEVERITIES, registerMarkdown } from '../../modules/compliance';
import type { AppServices } from '../app';
import { clientActor, requestMeta, staffActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const PRIVACY = { tags: ['Privacy'] };
const OPERATOR = { tags: ['Operator: processor duties'] };
const AUDIT_READ = { auth: 'client', permission: 'audit:read' } as const;
const ACCOUNT_READ = { auth: 'client', permission: 'account:read' } as const;
const STAFF_READ = { auth: 'staff', permission: 'audit:read' } as const;
const STAFF_WRITE = { auth: 'staff', permission: 'compliance:manage' } as const;

const id = z.string().min(1).max(64);
const text = (max: number) => z.string().trim().min(1).max(max);
const isoTime = z.iso.datetime({ offset: true });
const exportQuery = z.strictObject({
  format: z.enum(['json', 'csv']).default('json'),
  from: isoTime.optional(),
  to: isoTime.optional(),
});
const registerQuery = z.strictObject({ format: z.enum(['json', 'md']).default('json') });
const subProcessorFields = {
  name: text(200),
  purpose: text(500),
  location: text(200),
  transferSafeguard: text(500).nullable().optional(),
};
const incidentFields = {
  title: text(200),
  description: text(10_000),
  discoveredAt: isoTime,
  dataCategories: z.array(text(100)).min(1).max(50),
  severity: z.enum(INCIDENT_SEVERITIES),
};
const ms = (value: string | undefined) => (value === undefined ? undefined : Date.parse(value));

/** Audit export and verification, the register of processing, notices, sub-processors, incidents, policy. */
export function complianceRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { auditExport, register, notices, subProcessors, incidents, policies } = services.processor;
  const { identity } = services;

  return async (app) => {
    const sendExport = (
      reply: import('fastify').FastifyReply,
      format: 'json' | 'csv',
      filter: AuditExportFilter,
      name: string,
    ) => {
      if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs >= filter.toMs)
        throw new AppError('validation_failed', '`from` must be before `to`.', {
          errors: [{ path: '/querystring/from', message: 'must be before `to`' }],
        });
      const body = format === 'csv' ? auditExport.csv(filter) : auditExport.json(filter);
      // The name holds an account id as typed by the caller: only plain characters reach the header.
      const fileName = `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}`;
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(Readable.from(body));
    };

    // Client: audit trail.
    app.get(
      '/v1/audit-log/export',
      {
        schema: {
          ...PRIVACY,
          summary:
            "Export the account's audit chain (JSON or CSV, streamed, oldest first) with `prevHash`/`hash` so an auditor can verify it offline",
          querystring: exportQuery,
        },
        config: AUDIT_READ,
      },
      async (request, reply) => {
        const actor = clientActor(request);
        const { format, from, to } = request.query;
        return sendExport(
          reply,
          format,
          { accountId: actor.accountId, fromMs: ms(from), toMs: ms(to) },
          `audit-${actor.accountId}`,
        );
      },
    );
    app.get(
      '/v1/audit-log/verify',
      {
        schema: {
          ...PRIVACY,
          summary: "Re-compute the account's audit hash chain: `{ ok, events, firstBrokenSeq? }`",
        },
        config: AUDIT_READ,
      },
      async (request) => auditExport.verify(clientActor(request).accountId),
    );

    // Client: register of processing.
    app.get(
      '/v1/privacy/register',
      {
        schema: {
          ...PRIVACY,
          summary:
            'Register of processing (GDPR Art. 30) for this account: data subjects and personal data held (live counts), purposes, sub-processors, transfers, retention',
          querystring: registerQuery,
        },
        config: AUDIT_READ,
      },
      async (request, reply) => {
        const result = await register.forAccount(clientActor(request).accountId);
        if (request.query.format === 'md')
          return reply.type('text/markdown; charset=utf-8').send(registerMarkdown(result));
        return result;
      },
    );

    // Client: notices, sub-processors, objections.
    app.get(
      '/v1/notices',
      {
        schema: {
          ...PRIVACY,
          summary:
            'In-app notices (sub-processor changes, security incidents), newest first, with read state',
          querystring: pageQuery.extend({ unread: z.enum(['true', 'false']).optional() }),
        },
        config: ACCOUNT_READ,
      },
      async (request) => {
        const { limit, cursor, unread } = request.query;
        const rows = await notices.list(clientActor(request).accountId, {
          limit,
          cursor,
          unread: unread === 'true',
        });
        return page(rows, limit);
      },
    );
    app.post(
      '/v1/notices/:id/read',
      {
        schema: { ...PRIVACY, summary: 'Mark a notice read', params: idParams },
        config: ACCOUNT_READ,
      },
      async (request) => notices.markRead(clientActor(request).accountId, request.params.id),
    );
    app.get(
      '/v1/sub-processors',
      {
        schema: { ...PRIVACY, summary: 'The sub-processors the platform uses now' },
        config: ACCOUNT_READ,
      },
      async () => ({ data: await subProcessors.list(), nextCursor: null }),
    );
    app.post(
      '/v1/sub-processors/:id/objections',
      {
        schema: {
          ...PRIVACY,
          summary:
            'Object to a new or replaced sub-processor, before the deadline in its notice (once per account)',
          params: idParams,
          body: z.strictObject({ reason: text(2000) }),
        },
        config: { auth: 'client', permission: 'privacy:manage', idempotent: true },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await subProcessors.object(clientActor(request), request.params.id, request.body.reason)),
    );

    // Privacy policy versions.
    app.get(
      '/v1/policy',
      {
        schema: { ...PRIVACY, summary: 'The privacy policy in force: `{ version, text, publishedAt }`' },
        config: { auth: 'public' },
      },
      async () => policies.current(),
    );
    app.post(
      '/v1/policy/accept',
      {
        schema: {
          ...PRIVACY,
          summary: 'Accept the privacy policy in force (recorded with time and IP)',
          body: z.strictObject({ version: text(100) }),
        },
        config: { auth: 'client', sessionOnly: true },
      },
      async (request) =>
        identity.acceptPolicy(clientActor(request), request.body.version, requestMeta(request)),
    );

    // Operator: audit trail and register.
    app.get(
      '/v1/admin/audit-log/export',
      {
        schema: {
          ...OPERATOR,
          summary:
            "Export audit chains (JSON or CSV, streamed): one account (`accountId`), the platform's own (`accountId=platform`), or all",
          querystring: exportQuery.extend({ accountId: id.optional() }),
        },
        config: STAFF_READ,
      },
      async (request, reply) => {
        const { format, from, to, accountId } = request.query;
        const chain = accountId === undefined ? undefined : accountId === 'platform' ? null : accountId;
        return sendExport(
          reply,
          format,
          { accountId: chain, fromMs: ms(from), toMs: ms(to) },
          `audit-${accountId ?? 'all'}`,
        );
      },
    );
    app.get(
      '/v1/admin/audit-log/verify',
      {
        schema: {
          ...OPERATOR,
          summary: 'Re-compute one audit chain (`accountId`, or `platform`)',
          querystring: z.strictObject({ accountId: id }),
        },
        config: STAFF_READ,
      },
      async (request) =>
        auditExport.verify(request.query.accountId === 'platform' ? null : request.query.accountId),
    );
    app.get(
      '/v1/admin/register',
      {
        schema: {
          ...OPERATOR,
          summary: 'Register of processing for the whole platform (or one account with `accountId`)',
          querystring: registerQuery.extend({ accountId: id.optional() }),
        },
        config: STAFF_READ,
      },
      async (request, reply) => {
        const { accountId, format } = request.query;
        if (accountId) {
          const exists = await services.db
            .selectFrom('accounts')
            .select('id')
            .where('id', '=', accountId)
            .executeTakeFirst();
          if (!exists) throw new AppError('not_found', 'No such account.');
        }
        const result = accountId ? await register.forAccount(accountId) : await register.forPlatform();
        if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(registerMarkdown(result));
        return result;
      },
    );

    // Operator: sub-processors.
    app.get(
      '/v1/admin/sub-processors',
      {
        schema: {
          ...OPERATOR,
          summary: 'Sub-processors (with `includeRemoved=true`, removed and replaced ones too)',
          querystring: z.strictObject({ includeRemoved: z.enum(['true', 'false']).optional() }),
        },
        config: STAFF_READ,
      },
      async (request) => ({
        data: await subProcessors.list({ includeRemoved: request.query.includeRemoved === 'true' }),
        nextCursor: null,
      }),
    );
    app.post(
      '/v1/admin/sub-processors',
      {
        schema: {
          ...OPERATOR,
          summary:
            'Add a sub-processor, or replace one (`replacesId`): every client gets a notice and its owners an e-mail, with an objection deadline',
          body: z.strictObject({ ...subProcessorFields, replacesId: id.optional() }),
        },
        config: { ...STAFF_WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await subProcessors.add(staffActor(request), request.body)),
    );
    app.get(
      '/v1/admin/sub-processors/:id',
      { schema: { ...OPERATOR, summary: 'A sub-processor', params: idParams }, config: STAFF_READ },
      async (request) => subProcessors.get(request.params.id),
    );
    app.patch(
      '/v1/admin/sub-processors/:id',
      {
        schema: {
          ...OPERATOR,
          summary: 'Change a sub-processor (a new location notifies clients like an addition)',
          params: idParams,
          body: z.strictObject({
            name: subProcessorFields.name.optional(),
            purpose: subProcessorFields.purpose.optional(),
            location: subProcessorFields.location.optional(),
            transferSafeguard: subProcessorFields.transferSafeguard,
          }),
        },
        config: STAFF_WRITE,
      },
      async (request) => subProcessors.update(staffActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/admin/sub-processors/:id',
      {
        schema: { ...OPERATOR, summary: 'Remove a sub-processor (kept for the record)', params: idParams },
        config: STAFF_WRITE,
      },
      async (request, reply) => {
        await subProcessors.remove(staffActor(request), request.params.id);
        return reply.status(204).send();
      },
    );
    app.get(
      '/v1/admin/sub-processors/:id/objections',
      {
        schema: {
          ...OPERATOR,
          summary: 'Objections clients recorded against a sub-processor',
          params: idParams,
        },
        config: STAFF_READ,
      },
      async (request) => ({ data: await subProcessors.objections(request.params.id), nextCursor: null }),
    );

    // Operator: incidents.
    app.get(
      '/v1/admin/incidents',
      {
        schema: {
          ...OPERATOR,
          summary: 'Security incidents, overdue ones (72 h deadline passed, clients not all told) first',
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        },
        config: STAFF_READ,
      },
      async (request) => ({ data: await incidents.list({ limit: request.query.limit }), nextCursor: null }),
    );
    app.post(
      '/v1/admin/incidents',
      {
        schema: {
          ...OPERATOR,
          summary: 'Record a security incident; its notification deadline is discoveredAt + 72 h',
          body: z
            .strictObject({
              ...incidentFields,
              affectedAccountIds: z.array(id).min(1).max(10_000).optional(),
              allAccounts: z.boolean().optional(),
            })
            .refine((b) => (b.allAccounts === true) !== (b.affectedAccountIds !== undefined), {
              message: 'give either affectedAccountIds or allAccounts: true',
              path: ['affectedAccountIds'],
            }),
        },
        config: { ...STAFF_WRITE, idempotent: true },
      },
      async (request, reply) => {
        const { discoveredAt, ...rest } = request.body;
        return reply
          .status(201)
          .send(
            await incidents.create(staffActor(request), { ...rest, discoveredAt: Date.parse(discoveredAt) }),
          );
      },
    );
    app.get(
      '/v1/admin/incidents/:id',
      {
        schema: {
          ...OPERATOR,
          summary: 'An incident with each affected account and when it was told',
          params: idParams,
        },
        config: STAFF_READ,
      },
      async (request) => incidents.get(request.params.id),
    );
    app.patch(
      '/v1/admin/incidents/:id',
      {
        schema: {
          ...OPERATOR,
          summary: 'Change an incident (`resolved: true` closes it)',
          params: idParams,
          body: z.strictObject({
            title: incidentFields.title.optional(),
            description: incidentFields.description.optional(),
            discoveredAt: isoTime.optional(),
            dataCategories: incidentFields.dataCategories.optional(),
            severity: incidentFields.severity.optional(),
            resolved: z.boolean().optional(),
          }),
        },
        config: STAFF_WRITE,
      },
      async (request) => {
        const { discoveredAt, ...rest } = request.body;
        return incidents.update(staffActor(request), request.params.id, {
          ...rest,
          discoveredAt: ms(discoveredAt),
        });
      },
    );
    app.post(
      '/v1/admin/incidents/:id/notify',
      {
        schema: {
          ...OPERATOR,
          summary:
            'Tell every affected account not yet told (in-app notice + e-mail to owners and admins); safe to repeat',
          params: idParams,
        },
        config: STAFF_WRITE,
      },
      async (request) => incidents.notify(staffActor(request), request.params.id),
    );

    // Operator: privacy policy versions.
    app.get(
      '/v1/admin/policies',
      {
        schema: { ...OPERATOR, summary: 'Published privacy policy versions, newest first' },
        config: STAFF_READ,
      },
      async () => ({ data: await policies.list(), nextCursor: null }),
    );
    app.post(
      '/v1/admin/policies',
      {
        schema: {
          ...OPERATOR,
          summary:
            'Publish a privacy policy version (Markdown); users are asked to accept it at their next login',
          body: z.strictObject({ version: text(100), text: text(200_000) }),
        },
        config: { ...STAFF_WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await policies.publish(staffActor(request), request.body)),
    );
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What a user who has not accepted the policy in force may still do. */
const POLICY_EXEMPT = new Set(['/v1/policy/accept', '/v1/auth/logout']);

/**
 * A signed-in user who has not accepted a newly published privacy policy may read and accept it, but
 * not change anything (403 `policy_acceptance_required`). API keys are not stopped: programs cannot
 * read a policy, and their account's owner is asked at login.
 */
export function registerPolicyGate(
  app: import('fastify').FastifyInstance,
  services: Pick<AppServices, 'identity'>,
) {
  app.addHook('preHandler', async (request) => {
    const actor = request.actor;
    if (actor?.kind !== 'user' || SAFE_METHODS.has(request.method)) return;
    if (POLICY_EXEMPT.has(request.routeOptions.url ?? '')) return;
    if ((await services.identity.policyStatus(actor.id)).policyAcceptanceRequired)
      throw new AppError('policy_acceptance_required');
  });
}
