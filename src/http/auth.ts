import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors';
import type { ApiKeys, Identity, Permission, Staff, StaffPermission } from '../modules/accounts';
import { safeEqualString } from './safe-equal';

export const SESSION_COOKIE = 'sg_session';
export const STAFF_SESSION_COOKIE = 'sg_staff_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the actor of every request from a Bearer API key or a session cookie, enforces CSRF on
 * cookie requests that change state, and checks the route's permission. Nothing is cached: a revoked
 * key or a removed user fails on the very next request.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: { identity: Identity; apiKeys: ApiKeys; staff: Staff },
) {
  app.decorateRequest('actor', null);

  // preParsing: after the rate limiter (a route-level onRequest hook), so floods of bad credentials are
  // limited too, and before the body is read or validated, so an anonymous caller learns nothing.
  app.addHook('preParsing', async (request: FastifyRequest, _reply: FastifyReply, payload) => {
    const config = request.routeOptions.config;
    const auth = config?.auth ?? 'public';
    if (auth === 'public') return payload;

    const authorization = request.headers.authorization;
    const ip = request.ip ?? null;
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const actor = match ? await deps.apiKeys.actorFromKey(match[1]!, ip) : null;
      if (!actor) throw new AppError('unauthorized', 'The API key is unknown or revoked.');
      request.actor = actor;
    } else {
      const cookieName = auth === 'staff' ? STAFF_SESSION_COOKIE : SESSION_COOKIE;
      const token = request.cookies[cookieName];
      const actor = token
        ? auth === 'staff'
          ? await deps.staff.actorFromSession(token, ip)
          : await deps.identity.actorFromSession(token, ip)
        : null;
      if (!actor)
        throw new AppError('unauthorized', 'Sign in, or send an API key as `Authorization: Bearer …`.');
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !actor.csrfToken || !safeEqualString(sent, actor.csrfToken)) {
          throw new AppError('csrf_failed');
        }
      }
      request.actor = actor;
    }

    const actor = request.actor;
    if (auth === 'staff' && actor.kind !== 'staff')
      throw new AppError('unauthorized', 'This endpoint is for operator staff.');
    if (auth === 'client' && actor.kind === 'staff')
      throw new AppError('unauthorized', 'This endpoint is for client accounts.');
    if (config?.sessionOnly && actor.kind !== 'user')
      throw new AppError('forbidden', 'Only a signed-in user can do this, not an API key.');
    const permission = config?.permission;
    if (permission) {
      const allowed =
        actor.kind === 'staff'
          ? actor.permissions.has(permission as StaffPermission)
          : actor.permissions.has(permission as Permission);
      if (!allowed) throw new AppError('forbidden', `This needs the permission "${permission}".`);
    }
    return payload;
  });
}
