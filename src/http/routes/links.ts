import fastifyMultipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contentDisposition } from '../../modules/campaigns';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { readSingleFile } from '../multipart';
import { idParams, page, pageQuery } from '../schemas';

const ATTACHMENTS = { tags: ['Attachments'] };
const READ = { auth: 'client', permission: 'campaigns:read' } as const;
const WRITE = { auth: 'client', permission: 'campaigns:write' } as const;
const PUBLIC = { auth: 'public' } as const;
// Codes are checked by the service (unknown → 404); the schema only bounds the size.
const codeParams = z.strictObject({ code: z.string().min(1).max(64) });

/**
 * The policy of a user-uploaded file served from the app's own origin: no script, no plugin, no
 * same-origin rights even if a browser renders it (a GIF/HTML polyglot, a PDF with JavaScript).
 */
export const FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/**
 * Route-level `onSend` (it runs after the app-wide security headers) for user-uploaded files: a file
 * served as a download gets the strict sandbox CSP; one shown inline (only on the files origin) keeps the
 * app-wide headers.
 */
export async function sandboxFile(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  if (!String(reply.getHeader('content-disposition') ?? '').startsWith('inline'))
    reply.header('content-security-policy', FILE_CSP);
  return payload;
}

/**
 * A URL as a Location header can carry it: found in message text, it may hold non-ASCII letters
 * (`bücher.example/straße`), which a header cannot; the host becomes punycode and the rest is
 * percent-encoded, as a browser would send them.
 */
function headerUrl(url: string): string {
  if (/^[\x21-\x7e]*$/.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return [...Buffer.from(url, 'utf8')]
      .map((b) =>
        b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join('');
  }
}

/**
 * Attachments (`/v1/attachments`) and the public short-link routes: `/l/<code>` redirects (302) to the
 * campaign URL, `/a/<code>` serves the attachment; both record the click. Each kind answers 404 for the
 * other's codes; expired or deleted links answer 410.
 */
export function linkRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { links, attachments, filesHost } = services.campaignFiles;
  return async (app) => {
    // Scoped to this plugin: the rest of the API keeps refusing multipart bodies.
    await app.register(fastifyMultipart, {
      limits: { fileSize: services.campaignFiles.maxBytes, files: 1, fields: 0, parts: 2 },
    });

    app.post(
      '/v1/attachments',
      {
        schema: {
          ...ATTACHMENTS,
          summary:
            'Upload a campaign attachment (multipart `file`): JPEG, PNG, GIF, WEBP or PDF, judged by content',
          consumes: ['multipart/form-data'],
        },
        config: WRITE,
      },
      async (request, reply) => {
        const actor = clientActor(request);
        // Past ATTACHMENT_MAX_BYTES this answers 413 payload_too_large; nothing is stored.
        const file = await readSingleFile(request, 'Send the file as multipart/form-data in a `file` part.');
        return reply
          .status(201)
          .send(await attachments.upload(actor, { name: file.fileName, bytes: file.bytes }));
      },
    );
    app.get(
      '/v1/attachments',
      {
        schema: { ...ATTACHMENTS, summary: 'Live attachments, newest first', querystring: pageQuery },
        config: READ,
      },
      async (request) =>
        page(await attachments.list(clientActor(request), request.query), request.query.limit),
    );
    app.get(
      '/v1/attachments/:id',
      { schema: { ...ATTACHMENTS, summary: 'One attachment', params: idParams }, config: READ },
      async (request) => attachments.get(clientActor(request), request.params.id),
    );
    app.delete(
      '/v1/attachments/:id',
      {
        schema: { ...ATTACHMENTS, summary: 'Delete the file now; its links answer 410', params: idParams },
        config: WRITE,
      },
      async (request, reply) => {
        await attachments.remove(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/admin/link-domains',
      {
        schema: {
          tags: ['Operator'],
          summary:
            "Where the platform's short links lead: target domains per account, with link counts and the last time one was made",
          querystring: z.strictObject({
            accountId: z.string().max(64).optional(),
            limit: z.coerce.number().int().min(1).max(5000).default(500),
          }),
        },
        config: { auth: 'staff', permission: 'accounts:read' },
      },
      async (request) => ({ data: await links.domains(request.query) }),
    );

    // Public: what recipients open from the SMS. HEAD (link checkers) answers the same without a click.
    app.get(
      '/l/:code',
      { schema: { hide: true, params: codeParams }, config: PUBLIC },
      async (request, reply) => {
        const link = await links.resolve(request.params.code, 'redirect');
        if (request.method === 'GET') await links.recordClick(link, request.headers['user-agent']);
        return reply
          .status(302)
          .header('location', headerUrl(link.targetUrl!))
          .header('cache-control', 'no-store')
          .send();
      },
    );
    app.get(
      '/a/:code',
      { schema: { hide: true, params: codeParams }, config: PUBLIC, onSend: sandboxFile },
      async (request, reply) => {
        const file = await attachments.openLink(request.params.code, {
          userAgent: request.headers['user-agent'],
          record: request.method === 'GET',
        });
        // Shown inline only on the separate files origin, where a hostile file reaches no session or API;
        // on the app's own origin it is a sandboxed download.
        const inline = filesHost !== null && request.host === filesHost;
        reply
          .status(200)
          .type(file.contentType)
          .header('content-length', String(file.bytes))
          .header('content-disposition', contentDisposition(file.name, inline ? 'inline' : 'attachment'))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store');
        if (request.method === 'HEAD') {
          file.stream.destroy();
          return reply.send();
        }
        return reply.send(file.stream);
      },
    );
  };
}
