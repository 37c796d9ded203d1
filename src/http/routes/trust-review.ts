import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import { auditActorOf } from '../../modules/audit';
import type { AppServices } from '../app';
import { staffActor } from '../context';
import { idParams } from '../schemas';

const TAG = { tags: ['Operator'] };
const optionalNote = z.strictObject({ note: z.string().trim().min(1).max(1000).optional() });
/** Each queue's first page: the review page shows what waits, oldest held first. */
const QUEUE_PAGE = 100;

/**
 * The trust review queue at API.md's paths: what waits for the operator in one answer (held messages and
 * pending sender IDs), and one release/block for either, told apart by the id's prefix. The same work as
 * `/v1/admin/held-messages` and `/v1/admin/sender-ids`.
 */
export function trustReviewRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { senderIds } = services.trust;
  const { heldMessages } = services;
  return async (app) => {
    app.get(
      '/v1/admin/review',
      {
        schema: { ...TAG, summary: 'The trust review queue: held messages and pending sender IDs' },
        config: { auth: 'staff', permission: 'accounts:read' },
      },
      async () => {
        const [held, senders] = await Promise.all([
          heldMessages.list({ accountId: undefined, limit: QUEUE_PAGE, cursor: undefined }),
          senderIds.list({ accountId: undefined, status: 'pending', limit: QUEUE_PAGE, cursor: undefined }),
        ]);
        return {
          heldMessages: held.slice(0, QUEUE_PAGE),
          senderIds: senders.slice(0, QUEUE_PAGE),
          countryRequests: [],
        };
      },
    );
    for (const action of ['release', 'block'] as const) {
      app.post(
        `/v1/admin/review/:id/${action}`,
        {
          schema: {
            ...TAG,
            summary:
              action === 'release'
                ? 'Release a held message (msg_…) or approve a sender ID (sid_…)'
                : 'Reject a held message (msg_…) or refuse a sender ID (sid_…); `note` says why',
            params: idParams,
            body: optionalNote,
          },
          config: { auth: 'staff', permission: 'accounts:write' },
        },
        async (request) => {
          const actor = auditActorOf(staffActor(request));
          const { id } = request.params;
          const note = request.body.note ?? null;
          if (id.startsWith('msg_'))
            return action === 'release'
              ? heldMessages.release(actor, id, note)
              : heldMessages.reject(actor, id, note);
          if (id.startsWith('sid_')) {
            if (action === 'block' && note === null)
              throw new AppError('validation_failed', 'Say why the sender ID is refused.', {
                errors: [{ path: '/body/note', message: 'required to refuse a sender ID' }],
              });
            return senderIds.review(actor, id, {
              status: action === 'release' ? 'approved' : 'rejected',
              note,
            });
          }
          throw new AppError('not_found', 'Nothing with this id waits for review.');
        },
      );
    }
  };
}
