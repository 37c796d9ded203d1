import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_FOOTER, MAX_STOP_WORDS } from '../../modules/campaigns';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { idParams, page, pageQuery } from '../schemas';

const CAMPAIGNS = { tags: ['Campaigns'] };
const TEMPLATES = { tags: ['Templates'] };
const READ = { auth: 'client', permission: 'campaigns:read' } as const;
const WRITE = { auth: 'client', permission: 'campaigns:write' } as const;

const id = z.string().min(1).max(64);
const text = z.string().max(5000);
const clock = z.string().max(5);
const quietHours = z.strictObject({ start: clock, end: clock });
const campaignFields = {
  name: z.string().trim().min(1).max(200),
  text: text.optional(),
  templateId: id.optional(),
  /** null: the account's default sender. */
  from: z.string().max(15).nullable().optional(),
  type: z.enum(['transactional', 'marketing']),
  groupIds: z.array(id).min(1).max(100),
  contactFilter: z
    .strictObject({
      tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
      countries: z
        .array(z.string().regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2 code'))
        .max(250)
        .optional(),
    })
    .nullable()
    .optional(),
  sendAt: z.string().max(40).nullable().optional(),
  timezone: z.string().min(1).max(64).optional(),
  /**
   * null: no quiet hours; absent (or `"account_default"`, to go back to it): the account default for
   * marketing campaigns, none for transactional.
   */
  quietHours: z
    .union([quietHours, z.literal('account_default')])
    .nullable()
    .optional(),
  speedPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
  trackLinks: z.boolean().optional(),
  attachmentId: id.nullable().optional(),
  /** An A/B split instead of `text`: 2–4 texts, whole percents adding up to 100; null: one text. */
  variants: z
    .array(z.strictObject({ text, percent: z.number().int().min(1).max(99) }))
    .min(2)
    .max(4)
    .nullable()
    .optional(),
};
const statuses = z.enum(['draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled']);

/** Campaigns, templates and the account's campaign settings. */
export function campaignRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { campaigns, templates, settings } = services.campaigns;
  return async (app) => {
    app.post(
      '/v1/campaigns',
      {
        schema: {
          ...CAMPAIGNS,
          summary: 'Create a draft campaign for groups of contacts (`text` is a template)',
          body: z.strictObject(campaignFields),
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await campaigns.create(clientActor(request), request.body)),
    );
    app.get(
      '/v1/campaigns',
      {
        schema: {
          ...CAMPAIGNS,
          summary: 'Campaigns, newest first',
          querystring: pageQuery.extend({ status: statuses.optional() }),
        },
        config: READ,
      },
      async (request) => page(await campaigns.list(clientActor(request), request.query), request.query.limit),
    );
    app.get(
      '/v1/campaigns/:id',
      { schema: { ...CAMPAIGNS, summary: 'A campaign with its live stats', params: idParams }, config: READ },
      async (request) => campaigns.get(clientActor(request), request.params.id),
    );
    app.patch(
      '/v1/campaigns/:id',
      {
        schema: {
          ...CAMPAIGNS,
          summary: 'Change a draft campaign',
          params: idParams,
          body: z.strictObject({
            ...campaignFields,
            name: campaignFields.name.optional(),
            type: campaignFields.type.optional(),
            groupIds: campaignFields.groupIds.optional(),
          }),
        },
        config: WRITE,
      },
      async (request) => campaigns.update(clientActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/campaigns/:id',
      { schema: { ...CAMPAIGNS, summary: 'Delete a draft campaign', params: idParams }, config: WRITE },
      async (request, reply) => {
        await campaigns.remove(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/v1/campaigns/:id/preview',
      {
        schema: {
          ...CAMPAIGNS,
          summary:
            'Recipients, segments, cost and sample texts, as a start would reserve them; sends nothing',
          params: idParams,
        },
        config: READ,
      },
      async (request) => campaigns.preview(clientActor(request), request.params.id),
    );
    const control = [
      ['start', 'Start (or schedule) a draft: reserves the credits of the whole campaign'],
      ['pause', 'Pause: messages not yet handed to a route wait'],
      ['resume', 'Resume a paused campaign'],
      ['cancel', 'Cancel: unsent messages fail with campaign_cancelled and their credits are released'],
    ] as const;
    for (const [action, summary] of control) {
      app.post(
        `/v1/campaigns/:id/${action}`,
        { schema: { ...CAMPAIGNS, summary, params: idParams }, config: WRITE },
        async (request) => campaigns[action](clientActor(request), request.params.id),
      );
    }
    app.post(
      '/v1/campaigns/:id/resend-failed',
      {
        schema: {
          ...CAMPAIGNS,
          summary:
            'A new draft to the numbers whose message of this campaign ended failed, undelivered or expired',
          params: idParams,
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await campaigns.resendFailed(clientActor(request), request.params.id)),
    );
    app.get(
      '/v1/campaigns/:id/failed',
      {
        schema: {
          ...CAMPAIGNS,
          summary: 'Messages of the campaign that did not arrive (failed, undelivered, expired, rejected)',
          params: idParams,
          querystring: pageQuery,
        },
        config: READ,
      },
      async (request) =>
        page(
          await campaigns.failedRecipients(clientActor(request), request.params.id, request.query),
          request.query.limit,
        ),
    );
    app.get(
      '/v1/campaigns/:id/stats',
      {
        schema: { ...CAMPAIGNS, summary: 'Live stats, by country and per hour', params: idParams },
        config: READ,
      },
      async (request) => campaigns.statistics(clientActor(request), request.params.id),
    );

    // Templates.
    app.post(
      '/v1/templates',
      {
        schema: {
          ...TEMPLATES,
          summary: 'Save a template; unknown or unclosed placeholders are refused',
          body: z.strictObject({ name: z.string().trim().min(1).max(200), text }),
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await templates.create(clientActor(request), request.body)),
    );
    app.get(
      '/v1/templates',
      { schema: { ...TEMPLATES, summary: 'Templates, newest first', querystring: pageQuery }, config: READ },
      async (request) => page(await templates.list(clientActor(request), request.query), request.query.limit),
    );
    app.post(
      '/v1/templates/preview',
      {
        schema: {
          ...TEMPLATES,
          summary: 'Render a template against sample values and contacts: encoding and segments of each',
          body: z.strictObject({
            text: text.optional(),
            templateId: id.optional(),
            samples: z
              .array(
                z.record(
                  z.string().max(70),
                  z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]),
                ),
              )
              .max(20)
              .optional(),
            contactIds: z.array(id).max(20).optional(),
          }),
        },
        config: READ,
      },
      async (request) => templates.preview(clientActor(request), request.body),
    );
    app.get(
      '/v1/templates/:id',
      { schema: { ...TEMPLATES, summary: 'A template', params: idParams }, config: READ },
      async (request) => templates.get(clientActor(request), request.params.id),
    );
    app.patch(
      '/v1/templates/:id',
      {
        schema: {
          ...TEMPLATES,
          summary: 'Rename or change a template',
          params: idParams,
          body: z.strictObject({ name: z.string().trim().min(1).max(200).optional(), text: text.optional() }),
        },
        config: WRITE,
      },
      async (request) => templates.update(clientActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/templates/:id',
      { schema: { ...TEMPLATES, summary: 'Delete a template', params: idParams }, config: WRITE },
      async (request, reply) => {
        await templates.remove(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );

    // Settings.
    app.get(
      '/v1/campaign-settings',
      {
        schema: {
          ...CAMPAIGNS,
          summary: 'Default quiet hours, opt-out footer and STOP words of the account',
        },
        config: READ,
      },
      async (request) => settings.get(clientActor(request).accountId),
    );
    app.put(
      '/v1/campaign-settings',
      {
        schema: {
          ...CAMPAIGNS,
          summary: 'Change the default quiet hours, the opt-out footer or the STOP words',
          body: z.strictObject({
            quietHours: quietHours.optional(),
            optOutFooter: z.string().max(MAX_FOOTER).nullable().optional(),
            stopWords: z.array(z.string().trim().min(1).max(32)).min(1).max(MAX_STOP_WORDS).optional(),
          }),
        },
        config: WRITE,
      },
      async (request) => settings.put(clientActor(request), request.body),
    );
  };
}
