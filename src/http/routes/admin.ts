import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STAFF_ROLES } from '../../modules/accounts';
import type { AppServices } from '../app';
import { withNames } from '../audit-names';
import { STAFF_SESSION_COOKIE } from '../auth';
import { requestMeta, staffActor } from '../context';
import { clearSessionCookie, setSessionCookie } from '../cookies';
import { emailSchema, idParams, page, pageQuery, passwordSchema } from '../schemas';

const TAG = { tags: ['Operator'] };

/** The operator's back office: staff sessions and keys, client accounts, credits, the platform audit log. */
export function adminRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { staff, apiKeys, accountAdmin, audit, db, settings } = services;
  return async (app) => {
    app.post(
      '/v1/admin/auth/login',
      {
        schema: {
          ...TAG,
          summary: 'Staff sign-in',
          body: z.strictObject({
            email: emailSchema,
            password: passwordSchema,
            totpCode: z.string().max(10).optional(),
          }),
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        const result = await staff.login(request.body, requestMeta(request));
        setSessionCookie(
          reply,
          request,
          STAFF_SESSION_COOKIE,
          result.session.token,
          result.session.expiresAt,
          settings.publicUrl,
        );
        return { staff: result.staff, csrfToken: result.session.csrfToken };
      },
    );
    app.post(
      '/v1/admin/auth/logout',
      { schema: { ...TAG, summary: 'Staff sign-out' }, config: { auth: 'staff', twoFactorExempt: true } },
      async (request, reply) => {
        await staff.logout(staffActor(request));
        clearSessionCookie(reply, STAFF_SESSION_COOKIE);
        return reply.status(204).send();
      },
    );
    app.get(
      '/v1/admin/me',
      {
        schema: { ...TAG, summary: 'The signed-in staff member' },
        config: { auth: 'staff', twoFactorExempt: true },
      },
      async (request) => staff.me(staffActor(request)),
    );
    app.post(
      '/v1/admin/auth/2fa/setup',
      {
        schema: { ...TAG, summary: 'Start TOTP enrolment' },
        config: { auth: 'staff', twoFactorExempt: true, sessionOnly: true },
      },
      async (request) => staff.startTwoFactor(staffActor(request)),
    );
    app.post(
      '/v1/admin/auth/2fa/enable',
      {
        schema: {
          ...TAG,
          summary: 'Confirm TOTP enrolment',
          body: z.strictObject({ code: z.string().max(10) }),
        },
        config: { auth: 'staff', twoFactorExempt: true, sessionOnly: true },
      },
      async (request, reply) => {
        await staff.enableTwoFactor(staffActor(request), request.body.code);
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/admin/auth/2fa/disable',
      {
        schema: { ...TAG, summary: 'Turn TOTP off', body: z.strictObject({ code: z.string().max(10) }) },
        config: { auth: 'staff', sessionOnly: true },
      },
      async (request, reply) => {
        await staff.disableTwoFactor(staffActor(request), request.body.code);
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/admin/api-keys',
      {
        schema: {
          ...TAG,
          summary: 'Create a staff API key (shown once)',
          body: z.strictObject({ name: z.string().trim().min(1).max(100) }),
        },
        config: { auth: 'staff', idempotent: true, secretFields: ['key'] },
      },
      async (request, reply) =>
        reply.status(201).send(await apiKeys.createForStaff(staffActor(request), request.body)),
    );
    app.delete(
      '/v1/admin/api-keys/:id',
      { schema: { ...TAG, summary: 'Revoke a staff API key', params: idParams }, config: { auth: 'staff' } },
      async (request, reply) => {
        await apiKeys.revoke(staffActor(request), request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/admin/staff',
      { schema: { ...TAG, summary: 'Staff users' }, config: { auth: 'staff', permission: 'staff:manage' } },
      async () => ({
        data: await staff.list(),
        nextCursor: null,
      }),
    );
    app.post(
      '/v1/admin/staff',
      {
        schema: {
          ...TAG,
          summary: 'Create a staff user',
          body: z.strictObject({
            email: emailSchema,
            name: z.string().trim().min(1).max(200).optional(),
            password: passwordSchema,
            role: z.enum(STAFF_ROLES),
          }),
        },
        config: { auth: 'staff', permission: 'staff:manage', idempotent: true },
      },
      async (request, reply) => reply.status(201).send(await staff.create(staffActor(request), request.body)),
    );
    app.post(
      '/v1/admin/staff/:id/disable',
      {
        schema: { ...TAG, summary: "Cut a staff member's access at once", params: idParams },
        config: { auth: 'staff', permission: 'staff:manage' },
      },
      async (request, reply) => {
        await staff.disable(staffActor(request), request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/admin/accounts',
      {
        schema: {
          ...TAG,
          summary: 'Client accounts',
          querystring: pageQuery.extend({ q: z.string().max(200).optional() }),
        },
        config: { auth: 'staff', permission: 'accounts:read' },
      },
      async (request) => {
        const { limit, cursor, q } = request.query;
        return page(await accountAdmin.list({ limit, cursor, query: q }), limit);
      },
    );
    app.post(
      '/v1/admin/accounts/:id/suspend',
      {
        schema: { ...TAG, summary: 'Suspend an account (it can no longer send)', params: idParams },
        config: { auth: 'staff', permission: 'accounts:write' },
      },
      async (request) => accountAdmin.suspend(staffActor(request), request.params.id),
    );
    app.post(
      '/v1/admin/accounts/:id/reactivate',
      {
        schema: { ...TAG, summary: 'Lift a suspension', params: idParams },
        config: { auth: 'staff', permission: 'accounts:write' },
      },
      async (request) => accountAdmin.reactivate(staffActor(request), request.params.id),
    );
    app.post(
      '/v1/admin/accounts/:id/credits',
      {
        schema: {
          ...TAG,
          summary: 'Adjust credits (positive or negative)',
          params: idParams,
          body: z.strictObject({
            amount: z
              .number()
              .min(-1_000_000)
              .max(1_000_000)
              .refine((n) => n !== 0, 'must not be 0'),
            reason: z.string().trim().min(1).max(500),
          }),
        },
        config: { auth: 'staff', permission: 'credits:adjust' },
      },
      async (request) => accountAdmin.adjustCredits(staffActor(request), request.params.id, request.body),
    );

    app.get(
      '/v1/admin/audit-log',
      {
        schema: {
          ...TAG,
          summary: "The platform's audit log (staff actions included)",
          querystring: pageQuery.extend({ accountId: z.string().max(64).optional() }),
        },
        config: { auth: 'staff', permission: 'audit:read' },
      },
      async (request) => {
        const { limit, cursor, accountId } = request.query;
        const rows = await audit.list(db, { accountId, limit, cursor });
        return page(await withNames(db, rows), limit);
      },
    );
  };
}
