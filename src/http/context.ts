import type { FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors';
import type { Actor, ClientActor, Permission, StaffActor, StaffPermission } from '../modules/accounts';

/** How a route is reached: by anyone, by a client (user or API key) or by operator staff. */
export type RouteAuth = 'public' | 'client' | 'staff';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    permission?: Permission | StaffPermission;
    /**
     * A person's own act (2FA, accepting the policy): a signed-in user only, never an API key. Checked
     * by the auth hook before the body is read, so a key learns nothing from validation answers.
     */
    sessionOnly?: boolean;
    /**
     * POSTs that create something honour the Idempotency-Key header. `inline`: the service stores the
     * answer in its own transaction (the hook only replays and refuses), so a crash cannot split them.
     */
    idempotent?: boolean | 'inline';
    /** Staff routes a signed-in staff member without 2FA may still call under STAFF_REQUIRE_2FA. */
    twoFactorExempt?: boolean;
    /**
     * Fields of the answer that hold a secret shown once (an API key, a signing secret). An idempotent
     * replay answers without them (`secretOmitted: true`): a secret is never kept for replays.
     */
    secretFields?: readonly string[];
    /** The route also takes HTTP Basic credentials (the Twilio-compatible API: `AccountSid:<API key>`). */
    basicAuth?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    routeTable: Array<{
      method: string;
      url: string;
      auth: string;
      permission: string | undefined;
      sessionOnly: boolean;
    }>;
  }
}

export function clientActor(request: FastifyRequest): ClientActor {
  const actor = request.actor;
  if (!actor || actor.kind === 'staff') throw new AppError('unauthorized');
  return actor;
}

export function staffActor(request: FastifyRequest): StaffActor {
  const actor = request.actor;
  if (actor?.kind !== 'staff') throw new AppError('unauthorized');
  return actor;
}

export function requestMeta(request: FastifyRequest) {
  return { ip: request.ip ?? null, userAgent: (request.headers['user-agent'] as string | undefined) ?? null };
}
