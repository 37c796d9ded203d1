import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../kernel/clock';
import { AppError } from '../kernel/errors';
import type { Db } from '../storage/database';

const TTL_MS = 24 * 3600_000;
// A request that crashed mid-way leaves its row without an answer; after this long another may take over.
const STALE_IN_PROGRESS_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string; requestHash: string; inline: boolean } | null;
  }
}

/**
 * Stored answers belong to the credential that made them (the API key, or the signed-in user), never to
 * the whole account: another member repeating the same key must not be handed someone else's answer.
 */
function scopeOf(request: FastifyRequest): string | null {
  const actor = request.actor;
  if (!actor) return null;
  if (actor.kind === 'staff') return `staff:${actor.keyId ?? actor.id}`;
  return `${actor.accountId}:${actor.id}`;
}

/**
 * The answer as it may be kept: without the secret fields the route names, and saying so. Secrets are
 * shown once, to the request that created them; a replay shows the same resource without them.
 */
function storableBody(payload: unknown, secretFields: readonly string[] | undefined): string | null {
  if (typeof payload !== 'string') return null;
  if (!secretFields || secretFields.length === 0) return payload;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) if (!secretFields.includes(name)) kept[name] = value;
  kept.secretOmitted = true;
  return JSON.stringify(kept);
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update('\n')
    .update(request.url)
    .update('\n')
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}

/**
 * `Idempotency-Key` for POSTs that create something: the first answer is stored and replayed for 24 h to
 * the same credential with the same key and body; another body under the same key is refused with 422.
 * Answers that carry a secret are stored, and replayed, without it.
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Db; clock: Clock }) {
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config?.idempotent) return;
    const raw = request.headers['idempotency-key'];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || key.length > 255) {
      throw new AppError('validation_failed', 'Idempotency-Key must be 1–255 characters.', {
        errors: [{ path: '/headers/idempotency-key', message: 'must be 1–255 characters' }],
      });
    }
    const scope = scopeOf(request);
    if (!scope) return;
    const hash = requestHash(request);
    const now = deps.clock.now();
    const existing = await deps.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    if (existing && Number(existing.expires_at) > now) {
      if (existing.request_hash !== hash) throw new AppError('idempotency_key_reused');
      if (existing.response_status !== null) {
        reply.header('idempotent-replayed', 'true');
        const secretFields = request.routeOptions.config?.secretFields;
        if (secretFields && existing.response_status < 300)
          reply.header('secret-omitted', secretFields.join(','));
        return reply
          .status(existing.response_status)
          .type('application/json')
          .send(existing.response_body ?? '');
      }
      if (now - Number(existing.created_at) < STALE_IN_PROGRESS_MS)
        throw new AppError('idempotency_in_progress');
    }
    const inline = request.routeOptions.config?.idempotent === 'inline';
    if (existing) {
      await deps.db
        .deleteFrom('idempotency_keys')
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute();
    }
    if (inline) {
      // The service writes the key with its answer, in the transaction of the change itself.
      request.idempotency = { scope, key, requestHash: hash, inline };
      return;
    }
    const inserted = await deps.db
      .insertInto('idempotency_keys')
      .values({
        scope,
        key,
        request_hash: hash,
        response_status: null,
        response_body: null,
        created_at: now,
        expires_at: now + TTL_MS,
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    // A concurrent request with the same key won the insert.
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new AppError('idempotency_in_progress');
    request.idempotency = { scope, key, requestHash: hash, inline };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const record = request.idempotency;
    if (!record || record.inline) return payload;
    if (reply.statusCode >= 500 || reply.statusCode === 409 || reply.statusCode === 429) {
      // Not an answer to replay: let the client try again with the same key.
      await deps.db
        .deleteFrom('idempotency_keys')
        .where('scope', '=', record.scope)
        .where('key', '=', record.key)
        .execute();
      return payload;
    }
    await deps.db
      .updateTable('idempotency_keys')
      .set({
        response_status: reply.statusCode,
        response_body: storableBody(payload, request.routeOptions.config?.secretFields),
      })
      .where('scope', '=', record.scope)
      .where('key', '=', record.key)
      .execute();
    return payload;
  });
}
