import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors';
import type { Actor, ApiKeys, Identity, Permission, Staff, StaffPermission } from '../modules/accounts';
import { safeEqualString } from './safe-equal';

export const SESSION_COOKIE = 'sg_session';
export const STAFF_SESSION_COOKIE = 'sg_staff_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Resolves the credential a request presents, once per request, whoever asks first. */
export interface Credentials {
  /**
   * The actor behind the request's API key or session cookie, or null when it presents none, an unknown
   * one, or the route is public. The rate limiter (which buckets by it) and the auth hook share the answer.
   */
  actorOf(request: FastifyRequest): Promise<Actor | null>;
}

export function createCredentials(deps: {
  identity: Identity;
  apiKeys: ApiKeys;
  staff: Staff;
  /** Resolves an HTTP Basic `Authorization` header, on routes that take one (`config.basicAuth`). */
  basic?: (authorization: string, ip: string | null) => Promise<Actor | null>;
}): Credentials {
  const resolved = new WeakMap<FastifyRequest, Promise<Actor | null>>();

  async function resolve(request: FastifyRequest): Promise<Actor | null> {
    const auth = request.routeOptions.config?.auth ?? 'public';
    if (auth === 'public') return null;
    const ip = request.ip ?? null;
    const authorization = request.headers.authorization;
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (match) return deps.apiKeys.actorFromKey(match[1]!, ip);
      const basic = request.routeOptions.config?.basicAuth && /^Basic\s/i.test(authorization);
      return basic && deps.basic ? deps.basic(authorization, ip) : null;
    }
    const token = request.cookies?.[auth === 'staff' ? STAFF_SESSION_COOKIE : SESSION_COOKIE];
    if (!token) return null;
    return auth === 'staff'
      ? deps.staff.actorFromSession(token, ip)
      : deps.identity.actorFromSession(token, ip);
  }

  return {
    actorOf(request) {
      let actor = resolved.get(request);
      if (!actor) {
        actor = resolve(request);
        resolved.set(request, actor);
      }
      return actor;
    },
  };
}

/**
 * Resolves the actor of every request from a Bearer API key or a session cookie, enforces CSRF on
 * cookie requests that change state, and checks the route's permission. Nothing is cached between
 * requests: a revoked key or a removed user fails on the very next request.
 */
export function registerAuth(
  app: FastifyInstance,
  credentials: Credentials,
  staff: Pick<Staff, 'requiresTwoFactor'>,
) {
  app.decorateRequest('actor', null);

  // preParsing: after the rate limiter (a route-level onRequest hook, which resolved the credential to
  // pick its bucket: the lookup is shared), so floods of bad credentials are limited too, and before the
  // body is read or validated, so an anonymous caller learns nothing.
  app.addHook('preParsing', async (request: FastifyRequest, _reply: FastifyReply, payload) => {
    const config = request.routeOptions.config;
    const auth = config?.auth ?? 'public';
    if (auth === 'public') return payload;

    const resolved = await credentials.actorOf(request);
    if (request.headers.authorization) {
      if (!resolved) throw new AppError('unauthorized', 'The API key is unknown or revoked.');
      request.actor = resolved;
    } else {
      const actor = resolved;
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
    // Operators reach every tenant: when 2FA is required, a staff session without it can only enrol.
    if (
      actor.kind === 'staff' &&
      actor.twoFactorEnabled === false &&
      staff.requiresTwoFactor &&
      config?.twoFactorExempt !== true
    ) {
      throw new AppError(
        'two_factor_enrolment_required',
        'Enrol in 2FA first: POST /v1/admin/auth/2fa/setup, then /v1/admin/auth/2fa/enable.',
      );
    }
    const byKey = actor.kind === 'api_key' || (actor.kind === 'staff' && actor.keyId !== null);
    if (config?.sessionOnly && byKey)
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
