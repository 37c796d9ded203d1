import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../modules/audit';
import { csvRow } from '../../modules/contacts';
import {
  costsToCsv,
  costTableFromCredits,
  costTableInputSchema,
  costTableToCredits,
  MAX_COST_CSV_BYTES,
  MAX_QUALITY_WINDOW,
  parseCostsCsv,
} from '../../modules/dispatch';
import { dayRange, type MarginReport } from '../../modules/messaging';
import type { AppServices } from '../app';
import { staffActor } from '../context';
import { idParams } from '../schemas';

const TAG = { tags: ['Operator'] };
const routes = { auth: 'staff' as const, permission: 'routes:manage' as const };
// Carrier costs and margins are the operator's commercial figures: the staff who set prices see them.
const money = { auth: 'staff' as const, permission: 'prices:manage' as const };

const wantsCsv = (accept: string | undefined) => /\btext\/csv\b/.test(accept ?? '');

const MARGIN_COLUMNS = [
  'key',
  'name',
  'messages',
  'segments',
  'revenue',
  'cost',
  'margin',
  'marginPct',
  'withoutCost',
] as const;

function* marginCsv(report: MarginReport): Generator<string> {
  yield csvRow(MARGIN_COLUMNS);
  for (const r of [...report.rows, { key: 'total', name: undefined, ...report.totals }])
    yield csvRow([
      r.key,
      r.name,
      r.messages,
      r.segments,
      r.revenue,
      r.cost,
      r.margin,
      r.marginPct === null ? '' : r.marginPct.toFixed(4),
      r.withoutCost,
    ]);
}

/** Carrier costs per route, each route's live quality, the margin report and the operator's message view. */
export function costRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { costsAdmin, marginReports, messages, clock } = services;
  return async (app) => {
    // A cost file is uploaded as it is (text/csv), bounded here before it is read.
    app.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: MAX_COST_CSV_BYTES },
      (_request, body, done) => done(null, body),
    );

    app.get(
      '/v1/admin/routes/:id/costs',
      {
        schema: {
          ...TAG,
          summary:
            "A route's carrier costs in credits per segment: by prefix (longest wins), by country, else `default` (null: unknown). `Accept: text/csv` answers the CSV the upload takes",
          params: idParams,
        },
        config: routes,
      },
      async (request, reply) => {
        const table = await costsAdmin.get(request.params.id);
        if (!wantsCsv(request.headers.accept)) return costTableToCredits(table);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="costs-${request.params.id}.csv"`)
          .send(costsToCsv(table));
      },
    );
    app.put(
      '/v1/admin/routes/:id/costs',
      {
        schema: {
          ...TAG,
          summary: "Replace a route's carrier costs (credits per segment; audited)",
          params: idParams,
          body: costTableInputSchema,
        },
        config: routes,
      },
      async (request) => {
        const table = costTableFromCredits(request.body);
        await costsAdmin.replace(auditActorOf(staffActor(request)), request.params.id, table, 'json');
        return costTableToCredits(table);
      },
    );
    app.put(
      '/v1/admin/routes/:id/costs.csv',
      {
        schema: {
          ...TAG,
          summary:
            "Replace a route's carrier costs from CSV (Content-Type text/csv; header country,prefix,cost; * is the default; at most 1 MB and 20,000 rows; every bad line is reported by number)",
          params: idParams,
          body: z.string(),
        },
        config: routes,
      },
      async (request) => {
        const table = parseCostsCsv(request.body);
        await costsAdmin.replace(auditActorOf(staffActor(request)), request.params.id, table, 'csv');
        return costTableToCredits(table);
      },
    );
    app.get(
      '/v1/admin/routes/:id/quality',
      {
        schema: {
          ...TAG,
          summary:
            "A route's live delivery rate and mean latency (submit to receipt) per country over its last receipts in this process, and whether the thresholds demote it",
          params: idParams,
          querystring: z.strictObject({
            window: z.coerce.number().int().min(1).max(MAX_QUALITY_WINDOW).optional(),
            minDeliveryRate: z.coerce.number().min(0).max(1).optional(),
            maxLatencyMs: z.coerce.number().int().min(1).max(86_400_000).optional(),
          }),
        },
        config: routes,
      },
      async (request) => {
        const q = request.query;
        return costsAdmin.quality(
          request.params.id,
          Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)),
        );
      },
    );

    app.get(
      '/v1/admin/reports/margins',
      {
        schema: {
          ...TAG,
          summary:
            'Revenue (prices charged), carrier cost and margin of the messages sent, per day (in `timezone`), route, country or account. `Accept: text/csv` answers CSV',
          querystring: z.strictObject({
            from: z.iso
              .date()
              .optional()
              .describe('First day (YYYY-MM-DD); 29 days before the last by default'),
            to: z.iso.date().optional().describe('Last day, included; today by default'),
            until: z.iso.date().optional().describe('Same as `to` (the message report spells it so)'),
            timezone: z
              .string()
              .min(1)
              .max(64)
              .optional()
              .describe('IANA zone the days are counted in; UTC by default'),
            groupBy: z.enum(['day', 'route', 'country', 'account']).default('day'),
          }),
        },
        config: money,
      },
      async (request, reply) => {
        const { groupBy, from, to, until, timezone } = request.query;
        const report = await marginReports.report(
          dayRange({ from, until: to ?? until, timezone }, clock.now()),
          groupBy,
        );
        if (!wantsCsv(request.headers.accept)) return report;
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="margins-${groupBy}-${report.from}-${report.until}.csv"`,
          )
          .send(Readable.from(marginCsv(report)));
      },
    );

    app.get(
      '/v1/admin/messages/:id',
      {
        schema: {
          ...TAG,
          summary:
            "One message of any account as the operator sees it: the client's view with its events, plus the account, the route's carrier cost and how the route was chosen (`routing: { rule, strategy, reason }`)",
          params: idParams,
        },
        config: money,
      },
      async (request) => messages.getForOperator(request.params.id),
    );
  };
}
