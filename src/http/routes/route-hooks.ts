import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import type { AppServices } from '../app';

/**
 * Largest callback body a carrier may send: as much as the vendor parsers read (`MAX_CALLBACK_BYTES`),
 * since Infobip batches up to 100 reports or inbound messages in one request (100 three-part messages
 * are about 100 kB); a 413 would make it retry the whole batch and then drop it.
 */
export const CALLBACK_BODY_LIMIT = 256 * 1024;

const params = z.object({ routeId: z.string().min(1).max(64), kind: z.string().max(32) });

/** The query string's parameters, the first value of each, as the carrier sent them. */
function queryOf(url: string): Record<string, string> {
  const at = url.indexOf('?');
  const out: Record<string, string> = {};
  if (at < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(at + 1))) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/**
 * `GET|POST /hooks/routes/:routeId/:kind`: carriers' delivery reports (`status`) and inbound SMS
 * (`inbound`). Public (the route type checks the carrier's signature or token), bodies of any type read
 * raw (signatures cover the exact bytes), stored before the answer, applied by a background worker.
 */
export function routeHookRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { routeCallbacks, settings } = services;
  return async (app) => {
    // This plugin's own parsers: every body as the text it is, whatever its type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: CALLBACK_BODY_LIMIT }, (_r, body, done) =>
      done(null, body),
    );
    app.route({
      method: ['GET', 'POST'],
      url: '/hooks/routes/:routeId/:kind',
      bodyLimit: CALLBACK_BODY_LIMIT,
      // A HEAD (a carrier's reachability probe) must not be stored as a callback.
      exposeHeadRoute: false,
      schema: {
        tags: ['Carriers'],
        summary:
          "A carrier's delivery report (kind status) or inbound SMS (kind inbound) for one route; checked by the route type, stored, then applied",
        params,
      },
      // Carriers call from few addresses at high rates: each route has its own limit instead.
      config: { auth: 'public', rateLimit: false },
      handler: async (request, reply) => {
        const { routeId, kind } = request.params;
        if (kind !== 'status' && kind !== 'inbound')
          throw new AppError('not_found', `No callback kind ${kind}: status or inbound.`);
        const answer = await routeCallbacks.receive({
          routeId,
          kind,
          method: request.method === 'GET' ? 'GET' : 'POST',
          url: `${settings.publicUrl}${request.url}`,
          query: queryOf(request.url),
          headers: request.headers,
          body: typeof request.body === 'string' ? request.body : '',
        });
        return reply.status(answer.status).type(answer.contentType).send(answer.body);
      },
    });
  };
}
