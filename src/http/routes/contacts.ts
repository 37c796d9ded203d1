import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import {
  BULK_ACTIONS,
  CONSENT_PURPOSES,
  CONTACT_SORTS,
  COUNT_CAP,
  type ContactView,
  csvRow,
  FIELD_KEY,
  FIELD_TYPES,
  MAX_BULK_BY_FILTER,
  MAX_BULK_IDS,
  MAX_TEXT_FIELD,
  SUPPRESSION_SCOPES,
  SUPPRESSION_SOURCES,
} from '../../modules/contacts';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { emailSchema, idParams, page, pageQuery } from '../schemas';

const CONTACTS = { tags: ['Contacts'] };
const GROUPS = { tags: ['Groups'] };
const SUPPRESSIONS = { tags: ['Suppressions'] };
const READ = { auth: 'client', permission: 'contacts:read' } as const;
const WRITE = { auth: 'client', permission: 'contacts:write' } as const;

const phone = z.string().trim().min(1).max(32);
const name = z.string().trim().max(100).nullable().optional();
const id = z.string().min(1).max(64);
const ids = z.array(id).min(1).max(MAX_BULK_IDS);
const contactFields = {
  firstName: name,
  lastName: name,
  email: emailSchema.nullable().optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code in capitals')
    .nullable()
    .optional(),
  address: z.string().trim().max(500).nullable().optional(),
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .nullable()
    .optional(),
  fields: z
    .record(z.string().max(64), z.union([z.string().max(MAX_TEXT_FIELD), z.number(), z.boolean(), z.null()]))
    .optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  groupIds: z.array(id).max(100).optional(),
};
const filters = {
  q: z.string().trim().max(100).optional(),
  groupId: id.optional(),
  tag: z.string().max(50).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .optional(),
};

const CSV_COLUMNS = [
  'id',
  'phone',
  'firstName',
  'lastName',
  'email',
  'country',
  'address',
  'avatarUrl',
  'tags',
  'groupIds',
  'groups',
  'createdAt',
  'updatedAt',
] as const;

/**
 * The CSV export. `groups` holds the group names joined by `;` (the import maps a `groups` column back,
 * creating missing groups with `createGroups=true`); `groupIds` stays for readers that want the ids.
 */
async function* csvExport(
  batches: AsyncIterable<ContactView[]>,
  fieldKeys: string[],
  groupNames: ReadonlyMap<string, string>,
): AsyncGenerator<string> {
  yield csvRow([...CSV_COLUMNS, ...fieldKeys.map((k) => `fields.${k}`)]);
  for await (const batch of batches) {
    let chunk = '';
    for (const c of batch) {
      chunk += csvRow([
        c.id,
        c.phone,
        c.firstName,
        c.lastName,
        c.email,
        c.country,
        c.address,
        c.avatarUrl,
        c.tags.join(';'),
        c.groupIds.join(';'),
        groupNamesOf(c.groupIds, groupNames),
        c.createdAt,
        c.updatedAt,
        ...fieldKeys.map((k) => c.fields[k]),
      ]);
    }
    yield chunk;
  }
}

function groupNamesOf(ids: readonly string[], names: ReadonlyMap<string, string>): string {
  let out = '';
  for (const id of ids) {
    const name = names.get(id);
    if (name === undefined) continue;
    out += out === '' ? name : `;${name}`;
  }
  return out;
}

async function* jsonExport(batches: AsyncIterable<ContactView[]>): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for await (const batch of batches) {
    let chunk = '';
    for (const c of batch) {
      chunk += `${first ? '' : ','}\n${JSON.stringify(c)}`;
      first = false;
    }
    yield chunk;
  }
  yield '\n]\n';
}

/** Contacts, custom field definitions, groups, consents and the suppression list. */
export function contactRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { book, bulk, fields, groups, suppressions } = services.contacts;
  return async (app) => {
    // Contacts.
    app.post(
      '/v1/contacts',
      {
        schema: {
          ...CONTACTS,
          summary: 'Create a contact (phone stored in E.164; country derived from it when not given)',
          body: z.strictObject({ phone, ...contactFields }),
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) => reply.status(201).send(await book.create(clientActor(request), request.body)),
    );
    app.get(
      '/v1/contacts',
      {
        schema: {
          ...CONTACTS,
          summary:
            'Contacts, newest first (or `sort` by name, phone or created; `-` for descending): prefix search `q` on phone, names and e-mail; filters. The cursor is the id of the last contact of the page before, whatever the sort',
          querystring: pageQuery.extend({ ...filters, sort: z.enum(CONTACT_SORTS).optional() }),
        },
        config: READ,
      },
      async (request) => page(await book.list(clientActor(request), request.query), request.query.limit),
    );
    app.get(
      '/v1/contacts/count',
      {
        schema: {
          ...CONTACTS,
          summary: `How many contacts match the filters (the list's), counted up to ${COUNT_CAP}: \`capped: true\` means at least that many`,
          querystring: z.strictObject(filters),
        },
        config: READ,
      },
      async (request) => book.count(clientActor(request), request.query),
    );
    app.post(
      '/v1/contacts/bulk',
      {
        schema: {
          ...CONTACTS,
          summary: `Add to a group, remove from a group or delete every contact matching a filter (the list's filters; {} is every contact). At most ${MAX_BULK_BY_FILTER} contacts per request: while \`nextCursor\` is not null, send the same request with \`cursor\` set to it`,
          body: z.strictObject({
            filter: z.strictObject(filters),
            action: z.enum(BULK_ACTIONS),
            groupId: id.optional(),
            cursor: id.optional(),
            limit: z.number().int().min(1).max(MAX_BULK_BY_FILTER).optional(),
          }),
        },
        config: WRITE,
      },
      async (request) => bulk.byFilter(clientActor(request), request.body),
    );
    app.get(
      '/v1/contacts/export',
      {
        schema: {
          ...CONTACTS,
          summary:
            "Export contacts (all, or filtered like the list) as CSV or JSON, streamed. CSV cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, phone numbers included) are prefixed with '",
          querystring: z.strictObject({ format: z.enum(['csv', 'json']).default('csv'), ...filters }),
        },
        config: READ,
      },
      async (request, reply) => {
        const actor = clientActor(request);
        const { format, ...filter } = request.query;
        // Restricted data subjects are left out until the restriction is lifted.
        const batches = services.subjectRequests.omitRestricted(actor.accountId, book.iterate(actor, filter));
        const body =
          format === 'csv'
            ? csvExport(
                batches,
                (await fields.list(actor)).map((f) => f.key),
                await groups.namesById(actor),
              )
            : jsonExport(batches);
        return reply
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="contacts.${format}"`)
          .send(Readable.from(body));
      },
    );
    app.post(
      '/v1/contacts/delete',
      {
        schema: {
          ...CONTACTS,
          summary: 'Delete contacts: hidden at once, restorable for 60 days (unknown ids are skipped)',
          body: z.strictObject({ ids }),
        },
        config: WRITE,
      },
      async (request) => book.remove(clientActor(request), request.body.ids),
    );
    app.post(
      '/v1/contacts/restore',
      {
        schema: {
          ...CONTACTS,
          summary: 'Restore contacts deleted in the last 60 days (409 when a live contact took the number)',
          body: z.strictObject({ ids }),
        },
        config: WRITE,
      },
      async (request) => book.restore(clientActor(request), request.body.ids),
    );
    app.get(
      '/v1/contacts/:id',
      {
        schema: { ...CONTACTS, summary: 'A contact with its consent history', params: idParams },
        config: READ,
      },
      async (request) => book.get(clientActor(request), request.params.id),
    );
    app.patch(
      '/v1/contacts/:id',
      {
        schema: {
          ...CONTACTS,
          summary: 'Change a contact (fields: null removes a value; tags and groupIds replace the lists)',
          params: idParams,
          body: z.strictObject({ phone: phone.optional(), ...contactFields }),
        },
        config: WRITE,
      },
      async (request) => book.update(clientActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/contacts/:id',
      {
        schema: { ...CONTACTS, summary: 'Delete a contact (restorable for 60 days)', params: idParams },
        config: WRITE,
      },
      async (request, reply) => {
        const { deleted } = await book.remove(clientActor(request), [request.params.id]);
        if (deleted.length === 0) throw new AppError('not_found', 'No such contact.');
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/contacts/:id/consents',
      {
        schema: {
          ...CONTACTS,
          summary: 'Record a consent decision (granted or withdrawn) for a purpose',
          params: idParams,
          body: z.strictObject({
            purpose: z.enum(CONSENT_PURPOSES),
            granted: z.boolean(),
            source: z.string().trim().min(1).max(100),
            evidence: z.string().trim().max(1000).optional(),
          }),
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await book.recordConsent(clientActor(request), request.params.id, request.body)),
    );

    // Custom field definitions.
    app.get(
      '/v1/contact-fields',
      { schema: { ...CONTACTS, summary: 'Custom contact fields of the account' }, config: READ },
      async (request) => ({ data: await fields.list(clientActor(request)), nextCursor: null }),
    );
    app.post(
      '/v1/contact-fields',
      {
        schema: {
          ...CONTACTS,
          summary: 'Define a custom contact field (key in snake_case; type text, number, date or boolean)',
          body: z.strictObject({
            key: z.string().regex(FIELD_KEY, 'snake_case, starting with a letter, at most 63 characters'),
            label: z.string().trim().min(1).max(100),
            type: z.enum(FIELD_TYPES),
          }),
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await fields.create(clientActor(request), request.body)),
    );

    // Groups.
    const groupBody = {
      name: z.string().trim().min(1).max(100),
      description: z.string().trim().max(500).nullable().optional(),
    };
    app.post(
      '/v1/groups',
      {
        schema: { ...GROUPS, summary: 'Create a group', body: z.strictObject(groupBody) },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await groups.create(clientActor(request), request.body)),
    );
    app.get(
      '/v1/groups',
      {
        schema: {
          ...GROUPS,
          summary: 'Groups with their member counts, newest first',
          querystring: pageQuery,
        },
        config: READ,
      },
      async (request) => page(await groups.list(clientActor(request), request.query), request.query.limit),
    );
    app.get(
      '/v1/groups/:id',
      { schema: { ...GROUPS, summary: 'A group with its member count', params: idParams }, config: READ },
      async (request) => groups.get(clientActor(request), request.params.id),
    );
    app.patch(
      '/v1/groups/:id',
      {
        schema: {
          ...GROUPS,
          summary: 'Rename or describe a group',
          params: idParams,
          body: z.strictObject({ name: groupBody.name.optional(), description: groupBody.description }),
        },
        config: WRITE,
      },
      async (request) => groups.update(clientActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/groups/:id',
      {
        schema: { ...GROUPS, summary: 'Delete a group (its contacts stay)', params: idParams },
        config: WRITE,
      },
      async (request, reply) => {
        await groups.remove(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/groups/:id/contacts',
      {
        schema: {
          ...GROUPS,
          summary: "Add contacts to a group (ids that are not the account's live contacts are ignored)",
          params: idParams,
          body: z.strictObject({ contactIds: ids }),
        },
        config: WRITE,
      },
      async (request) => groups.addMembers(clientActor(request), request.params.id, request.body.contactIds),
    );
    app.delete(
      '/v1/groups/:id/contacts',
      {
        schema: {
          ...GROUPS,
          summary: 'Remove contacts from a group',
          params: idParams,
          body: z.strictObject({ contactIds: ids }),
        },
        config: WRITE,
      },
      async (request) =>
        groups.removeMembers(clientActor(request), request.params.id, request.body.contactIds),
    );

    // Suppression list.
    app.get(
      '/v1/suppressions',
      {
        schema: {
          ...SUPPRESSIONS,
          summary: 'Suppressed numbers, by number (cursor: the last number)',
          querystring: pageQuery,
        },
        config: READ,
      },
      async (request) => suppressions.list(clientActor(request), request.query),
    );
    app.post(
      '/v1/suppressions',
      {
        schema: {
          ...SUPPRESSIONS,
          summary: 'Suppress a number for marketing or for all messages (updates it when listed already)',
          body: z.strictObject({
            phone,
            scope: z.enum(SUPPRESSION_SCOPES).optional(),
            reason: z.string().trim().max(200).optional(),
            source: z.enum(SUPPRESSION_SOURCES).optional(),
          }),
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await suppressions.add(clientActor(request), request.body)),
    );
    app.delete(
      '/v1/suppressions',
      {
        schema: {
          ...SUPPRESSIONS,
          summary: 'Remove a number from the suppression list',
          querystring: z.strictObject({ phone }),
        },
        config: WRITE,
      },
      async (request, reply) => {
        await suppressions.remove(clientActor(request), request.query.phone);
        return reply.status(204).send();
      },
    );
  };
}
