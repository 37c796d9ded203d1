import { Readable } from 'node:stream';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import type { ClientActor } from '../../modules/accounts';
import type { UploadedFile } from '../../modules/contacts';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { readForm } from '../multipart';
import { idParams, page, pageQuery } from '../schemas';

const IMPORTS = { tags: ['Imports'] };
const READ = { auth: 'client', permission: 'contacts:read' } as const;
const WRITE = { auth: 'client', permission: 'contacts:write' } as const;
/** Default largest upload when the composition root does not say (IMPORT_MAX_BYTES). */
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

const fieldsSchema = z.strictObject({
  mapping: z
    .string()
    .max(64 * 1024)
    .optional(),
  groupId: z.string().min(1).max(64).optional(),
  onDuplicate: z.enum(['update', 'skip']).optional(),
  createGroups: z.enum(['true', 'false']).optional(),
});

const FORM_HINT =
  'Send the file as multipart/form-data with a "file" part (and optional mapping, groupId, onDuplicate, createGroups fields).';

/** Contact imports (CSV and XLSX): preview, create, progress, error report, cancel. */
export function importRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { imports } = services.contacts;
  const maxBytes = services.settings.importMaxBytes ?? DEFAULT_MAX_BYTES;
  return async (app) => {
    // Scoped to this plugin: no other route accepts multipart bodies.
    await app.register(fastifyMultipart, {
      limits: {
        fileSize: maxBytes,
        files: 1,
        fields: 10,
        fieldSize: 64 * 1024,
        fieldNameSize: 100,
        parts: 20,
        headerPairs: 100,
      },
      throwFileSizeLimit: true,
    });

    const storeFor = (actor: ClientActor) => (file: MultipartFile) =>
      imports.receive(actor, file.file, file.filename ?? 'upload');

    app.post(
      '/v1/imports/preview',
      {
        schema: {
          ...IMPORTS,
          summary:
            'Look into a CSV or XLSX file before importing it (multipart `file`): format, delimiter, headers, the first rows and a guessed column mapping. Stores nothing.',
          consumes: ['multipart/form-data'],
        },
        config: WRITE,
      },
      async (request) => {
        const actor = clientActor(request);
        const { stored } = await readForm<UploadedFile>(
          request,
          storeFor(actor),
          (s) => imports.discard(s),
          FORM_HINT,
        );
        return imports.previewStored(actor, stored);
      },
    );
    app.post(
      '/v1/imports',
      {
        schema: {
          ...IMPORTS,
          summary:
            'Import contacts from a CSV or XLSX file (multipart `file`, optional `mapping` JSON, `groupId`, `onDuplicate` update|skip, `createGroups` true|false: create the groups a `groups` column names); processed in the background',
          consumes: ['multipart/form-data'],
        },
        config: WRITE,
      },
      async (request, reply) => {
        const actor = clientActor(request);
        const { stored, fields } = await readForm<UploadedFile>(
          request,
          storeFor(actor),
          (s) => imports.discard(s),
          FORM_HINT,
        );
        const parsed = fieldsSchema.safeParse(fields);
        if (!parsed.success) {
          await imports.discard(stored);
          throw new AppError('validation_failed', 'The form fields do not match the schema.', {
            errors: parsed.error.issues.map((i) => ({
              path: `/body${i.path.length > 0 ? `/${i.path.join('/')}` : ''}`,
              message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
            })),
          });
        }
        const { createGroups, ...options } = parsed.data;
        const created = await imports.create(
          actor,
          stored,
          Object.assign(options, { createGroups: createGroups === 'true' }),
        );
        return reply.status(202).send(created);
      },
    );
    app.get(
      '/v1/imports',
      {
        schema: { ...IMPORTS, summary: 'Imports of the account, newest first', querystring: pageQuery },
        config: READ,
      },
      async (request) => page(await imports.list(clientActor(request), request.query), request.query.limit),
    );
    app.get(
      '/v1/imports/:id',
      {
        schema: {
          ...IMPORTS,
          summary:
            'An import: status, progress (processed/total), counts, the first 100 problems of refused rows (`errors`) and the first 100 warnings of imported rows (`warnings`)',
          params: idParams,
        },
        config: READ,
      },
      async (request) => imports.get(clientActor(request), request.params.id),
    );
    const report = (level: 'error' | 'warning', file: string, summary: string) =>
      app.get(
        `/v1/imports/:id/${file}`,
        { schema: { ...IMPORTS, summary, params: idParams }, config: READ },
        async (request, reply) => {
          const body = await imports.reportCsv(clientActor(request), request.params.id, level);
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${request.params.id}-${file}"`)
            .send(Readable.from(body));
        },
      );
    report(
      'error',
      'errors.csv',
      "Every refused row of an import as CSV: row, column, message (a row's problems joined by \"; \"), then the row's cells as uploaded under the file's headers",
    );
    report(
      'warning',
      'warnings.csv',
      'Every warning of an import as CSV (row, column, message): rows imported with something left out, e.g. an invalid e-mail',
    );
    app.post(
      '/v1/imports/:id/cancel',
      {
        schema: {
          ...IMPORTS,
          summary:
            'Cancel an import (a running one stops after its current batch; rows imported so far stay)',
          params: idParams,
        },
        config: WRITE,
      },
      async (request) => imports.cancel(clientActor(request), request.params.id),
    );
  };
}
