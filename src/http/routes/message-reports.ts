import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { csvRow } from '../../modules/contacts';
import { dayRange, type MessageView } from '../../modules/messaging';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { messageFilters, messageQueryOf } from './messages';

const CSV_COLUMNS = [
  'id',
  'createdAt',
  'to',
  'from',
  'status',
  'type',
  'country',
  'segments',
  'price',
  'encoding',
  'campaignId',
  'reference',
  'route',
  'sentAt',
  'doneAt',
  'errorCode',
  'errorDetail',
  'carrierErrorCode',
  'text',
] as const;

async function* csvExport(batches: AsyncIterable<MessageView[]>): AsyncGenerator<string> {
  yield csvRow(CSV_COLUMNS);
  for await (const batch of batches) {
    let chunk = '';
    for (const m of batch) {
      chunk += csvRow([
        m.id,
        m.createdAt,
        m.to,
        m.from,
        m.status,
        m.type,
        m.country,
        m.segments,
        m.price,
        m.encoding,
        m.campaignId,
        m.reference,
        m.routeName ?? m.route,
        m.sentAt,
        m.doneAt,
        m.error?.code,
        m.error?.detail,
        m.error?.carrierCode,
        m.text,
      ]);
    }
    yield chunk;
  }
}

const rangeQuery = {
  from: z.iso
    .date()
    .optional()
    .describe('First day (YYYY-MM-DD, in `timezone`); 29 days before `until` by default'),
  until: z.iso.date().optional().describe('Last day, included; today by default'),
  timezone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('IANA zone the days are counted in; UTC by default'),
};

/** The message log's CSV export and the reports the charts draw (clients, and the operator by route). */
export function messageReportRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { messages, messageReports, clock } = services;
  return async (app) => {
    app.get(
      '/v1/messages/export.csv',
      {
        schema: {
          tags: ['Messages'],
          summary:
            "The message log as CSV (UTF-8, header row), with the list's filters, streamed newest first. Cells a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, phone numbers included) are prefixed with '",
          querystring: z.strictObject(messageFilters),
        },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request, reply) => {
        const { accountId } = clientActor(request);
        // Read page by page as the client takes the rows: a large log is never held whole in memory.
        const batches = await messages.iterate(accountId, messageQueryOf(request.query));
        // Messages to data subjects whose processing is restricted leave the platform only once it is lifted.
        const kept = services.subjectRequests.omitRestricted(accountId, withPhones(batches));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="messages.csv"')
          .send(Readable.from(csvExport(kept)));
      },
    );

    app.get(
      '/v1/messages/report',
      {
        schema: {
          tags: ['Messages'],
          summary:
            'Messages by final status and delivery rate over a range of days (in `timezone`), per day or per country',
          querystring: z.strictObject({
            ...rangeQuery,
            groupBy: z.enum(['day', 'country']).default('day'),
          }),
        },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request) => {
        const { groupBy, ...range } = request.query;
        return messageReports.report(
          { accountId: clientActor(request).accountId },
          dayRange(range, clock.now()),
          groupBy,
        );
      },
    );

    app.get(
      '/v1/admin/reports/messages',
      {
        schema: {
          tags: ['Operator'],
          summary:
            'Messages of every account (or one) by final status and delivery rate, per day, country or route',
          querystring: z.strictObject({
            ...rangeQuery,
            groupBy: z.enum(['day', 'country', 'route']).default('day'),
            accountId: z.string().min(1).max(64).optional(),
          }),
        },
        config: { auth: 'staff', permission: 'accounts:read' },
      },
      async (request) => {
        const { groupBy, accountId, ...range } = request.query;
        return messageReports.report({ accountId }, dayRange(range, clock.now()), groupBy);
      },
    );
  };
}

/** Messages as the restriction check reads contacts: by number (a message has no e-mail). */
async function* withPhones(
  batches: AsyncIterable<MessageView[]>,
): AsyncGenerator<Array<MessageView & { phone: string; email: null }>> {
  for await (const batch of batches) yield batch.map((m) => Object.assign({ phone: m.to, email: null }, m));
}
