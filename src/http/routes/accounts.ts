import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_KEY_SCOPES, ROLES } from '../../modules/accounts';
import { COUNTRIES } from '../../modules/phone';
import { accountSid } from '../../modules/twilio-compat';
import type { AppServices } from '../app';
import { withNames } from '../audit-names';
import { SESSION_COOKIE } from '../auth';
import { clientActor, requestMeta } from '../context';
import { clearSessionCookie, setSessionCookie } from '../cookies';
import { emailSchema, idParams, page, pageQuery, passwordSchema } from '../schemas';

const TAG = { tags: ['Accounts and access'] };

/** Sign-up, login, the current user, team members and API keys. */
export function accountRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { identity, team, apiKeys, audit, settings } = services;
  return async (app) => {
    app.get(
      '/v1/countries',
      {
        schema: {
          ...TAG,
          summary:
            'The countries numbers can be read in (a default country is one of them): `{ data: [{ code, name, callingCode }] }`, by name',
        },
        config: { auth: 'public' },
      },
      async (_request, reply) => {
        // The same for everyone until the server is upgraded: browsers may keep it for a day.
        reply.header('cache-control', 'public, max-age=86400');
        return { data: COUNTRIES };
      },
    );

    app.post(
      '/v1/signup',
      {
        schema: {
          ...TAG,
          summary: 'Create an account (records policy consent, grants free credits)',
          body: z.strictObject({
            company: z.string().trim().min(1).max(200),
            name: z.string().trim().min(1).max(200),
            email: emailSchema,
            password: passwordSchema,
            acceptPolicy: z.boolean(),
            // Checked against the known countries by the sign-up itself: a wrong code is 422 invalid_country.
            defaultCountry: z.string().max(64).nullable().optional(),
          }),
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        const result = await identity.signup(request.body, requestMeta(request));
        setSessionCookie(
          reply,
          request,
          SESSION_COOKIE,
          result.session.token,
          result.session.expiresAt,
          settings.publicUrl,
        );
        return reply
          .status(201)
          .send({ account: result.account, user: result.user, csrfToken: result.session.csrfToken });
      },
    );

    app.post(
      '/v1/auth/login',
      {
        schema: {
          ...TAG,
          summary: 'Sign in (session cookie)',
          body: z.strictObject({
            email: emailSchema,
            password: passwordSchema,
            totpCode: z.string().max(10).optional(),
          }),
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        const result = await identity.login(request.body, requestMeta(request));
        setSessionCookie(
          reply,
          request,
          SESSION_COOKIE,
          result.session.token,
          result.session.expiresAt,
          settings.publicUrl,
        );
        return {
          account: result.account,
          user: result.user,
          csrfToken: result.session.csrfToken,
          policyVersion: result.policyVersion,
          policyAcceptanceRequired: result.policyAcceptanceRequired,
        };
      },
    );

    app.post(
      '/v1/auth/logout',
      { schema: { ...TAG, summary: 'Sign out' }, config: { auth: 'client' } },
      async (request, reply) => {
        await identity.logout(clientActor(request));
        clearSessionCookie(reply, SESSION_COOKIE);
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/auth/verify-email',
      {
        schema: {
          ...TAG,
          summary: 'Confirm an e-mail address',
          body: z.strictObject({ token: z.string().min(1).max(200) }),
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        await identity.verifyEmail(request.body.token);
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/auth/resend-verification',
      {
        schema: { ...TAG, summary: 'Send the verification e-mail again' },
        config: { auth: 'client', sessionOnly: true },
      },
      async (request, reply) => {
        await identity.resendVerification(clientActor(request));
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/auth/password-reset',
      {
        schema: {
          ...TAG,
          summary: 'E-mail a password reset link',
          body: z.strictObject({ email: emailSchema }),
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        identity.requestPasswordReset(request.body.email, requestMeta(request));
        return reply.status(202).send({ status: 'sent_if_registered' });
      },
    );

    app.post(
      '/v1/auth/unlock',
      {
        schema: {
          ...TAG,
          summary: 'Lift a sign-in lock with the token e-mailed when it engaged (clients and staff)',
          body: z.strictObject({ token: z.string().min(1).max(200) }),
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        await identity.unlock(request.body.token);
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/auth/password-reset/confirm',
      {
        schema: {
          ...TAG,
          summary: 'Set a new password with a reset token',
          body: z.strictObject({ token: z.string().min(1).max(200), password: passwordSchema }),
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        await identity.resetPassword(request.body.token, request.body.password);
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/auth/2fa/setup',
      { schema: { ...TAG, summary: 'Start TOTP enrolment' }, config: { auth: 'client', sessionOnly: true } },
      async (request) => identity.startTwoFactor(clientActor(request)),
    );
    app.post(
      '/v1/auth/2fa/enable',
      {
        schema: {
          ...TAG,
          summary: 'Confirm TOTP enrolment',
          body: z.strictObject({ code: z.string().max(10) }),
        },
        config: { auth: 'client', sessionOnly: true },
      },
      async (request, reply) => {
        await identity.enableTwoFactor(clientActor(request), request.body.code);
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/auth/2fa/disable',
      {
        schema: { ...TAG, summary: 'Turn TOTP off', body: z.strictObject({ code: z.string().max(10) }) },
        config: { auth: 'client', sessionOnly: true },
      },
      async (request, reply) => {
        await identity.disableTwoFactor(clientActor(request), request.body.code);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/me',
      {
        schema: { ...TAG, summary: 'The current user, account, role, balance and CSRF token' },
        config: { auth: 'client' },
      },
      async (request) => {
        const me = await identity.me(clientActor(request));
        // The Twilio-compatible API's AccountSid, so a program can find it (additive).
        return { ...me, account: { ...me.account, twilioAccountSid: accountSid(me.account.id) } };
      },
    );

    app.get(
      '/v1/users',
      { schema: { ...TAG, summary: 'Team members' }, config: { auth: 'client', permission: 'account:read' } },
      async (request) => ({
        data: await team.list(clientActor(request)),
        nextCursor: null,
      }),
    );
    app.post(
      '/v1/users',
      {
        schema: {
          ...TAG,
          summary: 'Invite a team member (they choose their password from the e-mailed link)',
          body: z.strictObject({
            email: emailSchema,
            name: z.string().trim().min(1).max(200),
            role: z.enum(ROLES),
          }),
        },
        config: { auth: 'client', permission: 'team:manage', idempotent: true },
      },
      async (request, reply) => reply.status(201).send(await team.invite(clientActor(request), request.body)),
    );
    app.patch(
      '/v1/users/:id',
      {
        schema: {
          ...TAG,
          summary: "Change a member's name or role",
          params: idParams,
          body: z.strictObject({
            name: z.string().trim().min(1).max(200).optional(),
            role: z.enum(ROLES).optional(),
          }),
        },
        config: { auth: 'client', permission: 'team:manage' },
      },
      async (request) => team.update(clientActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/users/:id',
      {
        schema: { ...TAG, summary: 'Remove a member (access ends at once)', params: idParams },
        config: { auth: 'client', permission: 'team:manage' },
      },
      async (request, reply) => {
        await team.remove(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/api-keys',
      {
        schema: {
          ...TAG,
          summary: 'Create an API key (the key is shown once)',
          body: z.strictObject({
            name: z.string().trim().min(1).max(100),
            scopes: z.array(z.enum(API_KEY_SCOPES)).max(50).optional(),
          }),
        },
        config: { auth: 'client', permission: 'api_keys:manage', idempotent: true, secretFields: ['key'] },
      },
      async (request, reply) =>
        reply.status(201).send(await apiKeys.create(clientActor(request), request.body)),
    );
    app.get(
      '/v1/api-keys',
      {
        schema: { ...TAG, summary: 'API keys (never the secret)' },
        config: { auth: 'client', permission: 'api_keys:manage' },
      },
      async (request) => ({
        data: await apiKeys.list(clientActor(request)),
        nextCursor: null,
      }),
    );
    app.delete(
      '/v1/api-keys/:id',
      {
        schema: { ...TAG, summary: 'Revoke an API key (effective on the next request)', params: idParams },
        config: { auth: 'client', permission: 'api_keys:manage' },
      },
      async (request, reply) => {
        await apiKeys.revoke(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/audit-log',
      {
        schema: { tags: ['Privacy'], summary: "The account's audit events", querystring: pageQuery },
        config: { auth: 'client', permission: 'audit:read' },
      },
      async (request) => {
        const actor = clientActor(request);
        const rows = await audit.list(services.db, {
          accountId: actor.accountId,
          limit: request.query.limit,
          cursor: request.query.cursor,
        });
        return page(await withNames(services.db, rows), request.query.limit);
      },
    );
  };
}
