import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import { MESSAGE_STATUSES, type MessageQuery, type SendItem } from '../../modules/messaging';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const TAG = { tags: ['Messages'] };
export const MAX_RECIPIENTS = 1000;

const isoTime = z.iso.datetime({ offset: true });
const common = {
  from: z.string().min(1).max(15).optional(),
  type: z.enum(['transactional', 'marketing']).optional(),
  sendAt: isoTime.optional(),
  validUntil: isoTime.optional(),
  reference: z.string().max(128).optional(),
};
const phone = z.string().min(1).max(32);
const text = z.string().max(10_000);

/** `{ to, text }` (to: one number or up to 1000) or `{ messages: [{ to, text, … }] }`. */
export const sendBody = z.union([
  z.strictObject({
    to: z.union([phone, z.array(phone).min(1)]),
    text,
    ...common,
    allOrNothing: z.boolean().optional(),
  }),
  z.strictObject({
    messages: z.array(z.strictObject({ to: phone, text, ...common })).min(1),
    allOrNothing: z.boolean().optional(),
  }),
]);
type SendBody = z.infer<typeof sendBody>;

/** Flattens either body shape into items that remember where they came from, for error paths. */
function itemsOf(body: SendBody): SendItem[] {
  if ('messages' in body) {
    if (body.messages.length > MAX_RECIPIENTS) throw tooMany(body.messages.length, '/body/messages');
    // Object.assign onto a literal, not `{ ...m, path }`: see "Object literals" in the README.
    return body.messages.map((m, i) =>
      Object.assign(
        {
          path: {
            to: `/body/messages/${i}/to`,
            text: `/body/messages/${i}/text`,
            from: `/body/messages/${i}/from`,
            sendAt: `/body/messages/${i}/sendAt`,
            validUntil: `/body/messages/${i}/validUntil`,
          },
        },
        m,
      ),
    );
  }
  const recipients = Array.isArray(body.to) ? body.to : [body.to];
  if (recipients.length > MAX_RECIPIENTS) throw tooMany(recipients.length, '/body/to');
  const { to: _to, allOrNothing: _all, ...rest } = body;
  return recipients.map((to, i) =>
    Object.assign(
      {
        to,
        path: {
          to: Array.isArray(body.to) ? `/body/to/${i}` : '/body/to',
          text: '/body/text',
          from: '/body/from',
          sendAt: '/body/sendAt',
          validUntil: '/body/validUntil',
        },
      },
      rest,
    ),
  );
}

function tooMany(count: number, path: string) {
  return new AppError(
    'too_many_recipients',
    `${count} recipients; one request takes at most ${MAX_RECIPIENTS}.`,
    {
      errors: [{ path, message: `at most ${MAX_RECIPIENTS} items` }],
    },
  );
}

/** One status, several repeated (`status=a&status=b`) or comma-separated (`status=a,b`). */
const statusList = z.preprocess(
  (v) =>
    v === undefined
      ? undefined
      : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).filter((s) => s !== ''),
  z.array(z.enum(MESSAGE_STATUSES)).max(MESSAGE_STATUSES.length).optional(),
);
const instantOrDate = z.union([isoTime, z.iso.date()]);

/** The filters of the message log, shared by the list and its CSV export. */
export const messageFilters = {
  // The preprocess leaves the schema's input form open in OpenAPI: the statuses are named here instead.
  status: statusList.describe(
    `One status or several (repeated, or comma-separated): ${MESSAGE_STATUSES.join(', ')}`,
  ),
  to: z
    .string()
    .trim()
    .min(1)
    .max(32)
    .optional()
    .describe('A whole number (exact match, read like a send reads it) or its first digits (prefix match)'),
  from: z.string().min(1).max(15).optional().describe('The sender'),
  sender: z.string().min(1).max(15).optional().describe('The sender (same as `from`)'),
  createdAfter: instantOrDate
    .optional()
    .describe('Created at or after: an ISO date-time, or a date (from the start of that day in `timezone`)'),
  createdBefore: instantOrDate
    .optional()
    .describe('Created before: an ISO date-time, or a date (before the start of that day in `timezone`)'),
  campaignId: z.string().max(64).optional(),
  timezone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('IANA zone for dates without a time; UTC by default'),
};

/** The query's filters for the messaging module; `from` and `sender` name the same thing. */
export function messageQueryOf(q: {
  status?: Array<(typeof MESSAGE_STATUSES)[number]> | undefined;
  to?: string | undefined;
  from?: string | undefined;
  sender?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  campaignId?: string | undefined;
  timezone?: string | undefined;
}): MessageQuery {
  if (q.from !== undefined && q.sender !== undefined && q.from !== q.sender) {
    throw new AppError('validation_failed', 'from and sender name the same filter: give one.', {
      errors: [{ path: '/querystring/sender', message: 'differs from `from`' }],
    });
  }
  return {
    status: q.status,
    to: q.to,
    sender: q.sender ?? q.from,
    createdAfter: q.createdAfter,
    createdBefore: q.createdBefore,
    campaignId: q.campaignId,
    timezone: q.timezone,
  };
}

const listQuery = pageQuery.extend(messageFilters);

/** Sending, previewing and reading messages. */
export function messageRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { send, preview, messages } = services;
  return async (app) => {
    app.post(
      '/v1/messages',
      {
        schema: {
          ...TAG,
          summary: 'Send one SMS, many (to: [...] up to 1000) or per-recipient texts (messages: [...])',
          body: sendBody,
        },
        config: { auth: 'client', permission: 'messages:send', idempotent: 'inline' },
      },
      async (request, reply) => {
        const actor = clientActor(request);
        const result = await send(actor, itemsOf(request.body), {
          allOrNothing: request.body.allOrNothing ?? false,
          idempotency: request.idempotency,
        });
        return reply.status(202).send(result);
      },
    );

    app.post(
      '/v1/messages/preview',
      {
        schema: { ...TAG, summary: 'Encoding, segments and cost of a send, without sending', body: sendBody },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request) => preview(clientActor(request), itemsOf(request.body)),
    );

    app.post(
      '/v1/messages/:id/cancel',
      {
        schema: {
          ...TAG,
          summary:
            'Cancel a scheduled or queued message: it becomes `cancelled` and its credits are released; 409 message_not_cancellable once it has left',
          params: idParams,
        },
        config: { auth: 'client', permission: 'messages:send' },
      },
      async (request) => services.cancelMessage(clientActor(request), request.params.id),
    );

    app.get(
      '/v1/messages/stats',
      {
        schema: {
          ...TAG,
          summary: 'Messages per day and status over the last days (for dashboards)',
          querystring: z.strictObject({
            days: z.coerce.number().int().min(1).max(62).default(7),
            utcOffsetMinutes: z.coerce.number().int().min(-840).max(840).default(0),
          }),
        },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request) => {
        const { days, utcOffsetMinutes } = request.query;
        const rows = await messages.dailyCounts(clientActor(request).accountId, {
          now: services.clock.now(),
          days,
          utcOffsetMinutes,
        });
        const byDay = new Map<string, Record<string, number>>();
        for (const r of rows) {
          const day = byDay.get(r.day) ?? {};
          day[r.status] = r.count;
          byDay.set(r.day, day);
        }
        return {
          days: [...byDay]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([day, byStatus]) => ({
              day,
              total: Object.values(byStatus).reduce((sum, n) => sum + n, 0),
              byStatus,
            })),
        };
      },
    );

    app.get(
      '/v1/messages/:id',
      {
        schema: { ...TAG, summary: 'A message with its status events', params: idParams },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request) => messages.get(clientActor(request).accountId, request.params.id),
    );

    app.get(
      '/v1/messages',
      {
        schema: {
          ...TAG,
          summary:
            'Messages, newest first: filters by status (one or several), number (whole or prefix), sender, creation time and campaign',
          querystring: listQuery,
        },
        config: { auth: 'client', permission: 'messages:read' },
      },
      async (request) => {
        const q = request.query;
        const rows = await messages.list(clientActor(request).accountId, {
          ...messageQueryOf(q),
          limit: q.limit,
          cursor: q.cursor,
        });
        return page(rows, q.limit);
      },
    );
  };
}
