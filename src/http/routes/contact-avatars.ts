import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AVATAR_MAX_BYTES, AVATAR_MAX_PIXELS, AVATAR_SIZE } from '../../modules/contacts';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { readSingleFile } from '../multipart';
import { idParams } from '../schemas';
import { sandboxFile } from './links';

const CONTACTS = { tags: ['Contacts'] };
const READ = { auth: 'client', permission: 'contacts:read' } as const;
const WRITE = { auth: 'client', permission: 'contacts:write' } as const;

/**
 * Contact avatars uploaded as images (at most AVATAR_MAX_BYTES), stored resized to an
 * AVATAR_SIZE-square WEBP without metadata, and served by the API.
 */
export function contactAvatarRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { avatars } = services.contacts;
  return async (app) => {
    // Scoped to this plugin: the rest of the API keeps refusing multipart bodies.
    await app.register(fastifyMultipart, {
      limits: { fileSize: AVATAR_MAX_BYTES, files: 1, fields: 0, parts: 2 },
      throwFileSizeLimit: true,
    });

    app.post(
      '/v1/contacts/:id/avatar',
      {
        schema: {
          ...CONTACTS,
          summary: `Upload a contact avatar (multipart \`file\`): JPEG, PNG, GIF or WEBP judged by content, at most ${AVATAR_MAX_BYTES / (1024 * 1024)} MiB and ${AVATAR_MAX_PIXELS / 1_000_000} megapixels; stored as a ${AVATAR_SIZE}×${AVATAR_SIZE} WEBP (EXIF-rotated, centre-cropped, first frame, metadata stripped)`,
          consumes: ['multipart/form-data'],
          params: idParams,
        },
        config: WRITE,
      },
      async (request) => {
        const actor = clientActor(request);
        // A foreign or unknown contact answers 404 before the body is looked at.
        await avatars.assertContact(actor, request.params.id);
        // Past the limit this answers 413 payload_too_large; nothing is stored.
        // A truncated or corrupt image answers 415, one of too many pixels 400; nothing is stored.
        const file = await readSingleFile(request, 'Send the image as multipart/form-data in a `file` part.');
        return avatars.set(actor, request.params.id, file.bytes);
      },
    );
    app.get(
      '/v1/contacts/:id/avatar',
      {
        schema: {
          ...CONTACTS,
          summary: `A contact's uploaded avatar: a ${AVATAR_SIZE}×${AVATAR_SIZE} WEBP image`,
          params: idParams,
        },
        config: READ,
        onSend: sandboxFile,
      },
      async (request, reply) => {
        const { contentType, body } = await avatars.get(clientActor(request), request.params.id);
        // A user-uploaded file: a sandboxed download if opened on its own (the web app shows it in <img>).
        return reply
          .type(contentType)
          .header('cache-control', 'private, max-age=300')
          .header('content-disposition', `attachment; filename="avatar-${request.params.id}.webp"`)
          .send(body);
      },
    );
    app.delete(
      '/v1/contacts/:id/avatar',
      {
        schema: { ...CONTACTS, summary: "Delete a contact's uploaded avatar", params: idParams },
        config: WRITE,
      },
      async (request, reply) => {
        await avatars.remove(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
