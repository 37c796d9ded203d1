import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import { contentDisposition } from '../../modules/campaigns/content-type';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const ATTACHMENTS = { tags: ['Attachments'] };
const READ = { auth: 'client', permission: 'campaigns:read' } as const;
const WRITE = { auth: 'client', permission: 'campaigns:write' } as const;
const PUBLIC = { auth: 'public' } as const;
// Codes are checked by the service (unknown → 404); the schema only bounds the size.
const codeParams = z.strictObject({ code: z.string().min(1).max(64) });

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
  const { links, attachments } = services.campaignFiles;
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
        if (!request.isMultipart()) {
          throw new AppError(
            'unsupported_media_type',
            'Send the file as multipart/form-data in a `file` part.',
          );
        }
        const part = await request.file();
        if (part?.fieldname !== 'file') {
          throw new AppError('validation_failed', 'The form needs a `file` part.', {
            errors: [{ path: '/body/file', message: 'required' }],
          });
        }
        // Throws FST_REQ_FILE_TOO_LARGE (→ 413 payload_too_large) past ATTACHMENT_MAX_BYTES; nothing is stored.
        const bytes = await part.toBuffer();
        return reply.status(201).send(await attachments.upload(actor, { name: part.filename, bytes }));
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
      { schema: { hide: true, params: codeParams }, config: PUBLIC },
      async (request, reply) => {
        const file = await attachments.openLink(request.params.code, {
          userAgent: request.headers['user-agent'],
          record: request.method === 'GET',
        });
        reply
          .status(200)
          .type(file.contentType)
          .header('content-length', String(file.bytes))
          .header('content-disposition', contentDisposition(file.name))
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
