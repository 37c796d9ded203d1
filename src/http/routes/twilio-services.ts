/**
 * Twilio's Messaging Services resource (`https://messaging.twilio.com/v1/Services`), served at
 * `/v1/Services` so the SDK's `client.messaging.v1.services` works with the messaging domain's base URL
 * pointed here: create, list, fetch, update and remove a service, and its sender pool (`PhoneNumbers`:
 * the account's numbers; `AlphaSenders`: sender IDs). Registered inside the Twilio-compatible plugin.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClientActor } from '../../modules/accounts';
import type { Inbound } from '../../modules/inbound';
import { senderIdProblem } from '../../modules/phone';
import {
  accountSid,
  alphaSenderIdOfSid,
  alphaSenderSid,
  MAX_POOL,
  MAX_SERVICES,
  numberIdOfSid,
  numberSid,
  serviceIdOfSid,
  serviceSid,
  type TwilioService,
  type TwilioServiceSender,
  type TwilioServices,
} from '../../modules/twilio-compat';
import { TwilioError } from './twilio-errors';
import { FORM, type Form, one, type TwilioRouteHelpers } from './twilio-params';

type App = Parameters<FastifyPluginAsyncZod>[0];
const TAG = { tags: ['Twilio-compatible'] };
const BASE = '/v1/Services';
const field = z.union([z.string(), z.array(z.string())]).optional();
const serviceParams = z.object({ Sid: z.string().max(64) });
const senderParams = serviceParams.extend({ SenderSid: z.string().max(64) });
const serviceForm = z.looseObject({
  FriendlyName: field.describe('The service’s name, at most 64 characters (required to create)'),
  StatusCallback: field.describe(
    'Status callbacks for messages sent through the service without one of their own; empty clears it',
  ),
});
const MAX_NAME = 64;

/** ISO 8601 without milliseconds, as the Messaging v1 API writes dates. */
const iso = (ms: number) => new Date(Number(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function registerTwilioServiceRoutes(
  app: App,
  services: { twilioServices: TwilioServices; inbound: Inbound },
  helpers: TwilioRouteHelpers & { actorOf(request: FastifyRequest): ClientActor },
) {
  const { twilioServices } = services;

  function serviceShape(s: TwilioService) {
    const sid = serviceSid(s.id);
    const url = `${BASE}/${sid}`;
    return {
      sid,
      account_sid: accountSid(s.account_id),
      friendly_name: s.friendly_name,
      date_created: iso(s.created_at),
      date_updated: iso(s.updated_at),
      inbound_request_url: null,
      inbound_method: 'POST',
      fallback_url: null,
      fallback_method: 'POST',
      status_callback: s.status_callback,
      sticky_sender: true,
      mms_converter: false,
      smart_encoding: true,
      scan_message_content: 'inherit',
      fallback_to_long_code: false,
      area_code_geomatch: false,
      synchronous_validation: false,
      validity_period: 36_000,
      url,
      links: { phone_numbers: `${url}/PhoneNumbers`, alpha_senders: `${url}/AlphaSenders` },
      usecase: 'undeclared',
      us_app_to_person_registered: false,
      use_inbound_webhook_on_number: true,
    };
  }
  function senderShape(s: TwilioServiceSender, accountId: string) {
    const sid = s.kind === 'phone' ? numberSid(s.ref) : alphaSenderSid(s.ref);
    const url = `${BASE}/${serviceSid(s.service_id)}/${s.kind === 'phone' ? 'PhoneNumbers' : 'AlphaSenders'}/${sid}`;
    const common = {
      sid,
      account_sid: accountSid(accountId),
      service_sid: serviceSid(s.service_id),
      date_created: iso(s.created_at),
      date_updated: iso(s.created_at),
      url,
    };
    return s.kind === 'phone'
      ? { ...common, phone_number: s.sender, country_code: null, capabilities: ['SMS'] }
      : { ...common, alpha_sender: s.sender, capabilities: ['SMS'] };
  }
  /** Messaging v1's page: the items under their key, and `meta` (one page: the lists are bounded). */
  function page<T>(key: string, url: string, items: T[]) {
    const first = `${url}?PageSize=${items.length || 50}&Page=0`;
    return {
      [key]: items,
      meta: {
        page: 0,
        page_size: items.length || 50,
        first_page_url: first,
        previous_page_url: null,
        url: first,
        next_page_url: null,
        key,
      },
    };
  }
  const notFound = (request: FastifyRequest) =>
    new TwilioError(404, 20404, `The requested resource ${request.url.split('?')[0]} was not found`);

  async function serviceOf(
    request: FastifyRequest<{ Params: { Sid: string } }>,
  ): Promise<{ actor: ClientActor; service: TwilioService }> {
    const actor = helpers.actorOf(request);
    const id = serviceIdOfSid(request.params.Sid);
    const service = id ? await twilioServices.get(actor.accountId, id) : null;
    if (!service) throw notFound(request);
    return { actor, service };
  }
  async function callbackOf(form: Form): Promise<string | null | undefined> {
    const raw = one(form.StatusCallback);
    if (raw === undefined) return undefined;
    return raw === '' ? null : helpers.checkUrl(raw);
  }
  function nameOf(form: Form, required: boolean): string | undefined {
    const name = one(form.FriendlyName)?.trim();
    if (name === undefined || name === '') {
      if (required) throw new TwilioError(400, 20001, "A 'FriendlyName' is required.");
      return undefined;
    }
    if (name.length > MAX_NAME)
      throw new TwilioError(400, 20001, `FriendlyName is at most ${MAX_NAME} characters.`);
    return name;
  }

  app.post(
    BASE,
    {
      schema: {
        ...TAG,
        summary: 'Create a Messaging Service (a sender pool)',
        body: serviceForm.optional(),
        consumes: [FORM],
      },
      config: helpers.auth('webhooks:manage'),
    },
    async (request, reply) => {
      const actor = helpers.actorOf(request);
      const form = helpers.formOf(request);
      const friendlyName = nameOf(form, true)!;
      const statusCallback = (await callbackOf(form)) ?? null;
      const created = await twilioServices.create(actor.accountId, { friendlyName, statusCallback });
      if (!created) throw new TwilioError(400, 20001, `An account has at most ${MAX_SERVICES} services.`);
      return reply.status(201).send(serviceShape(created));
    },
  );

  app.get(
    BASE,
    {
      schema: { ...TAG, summary: 'The account’s Messaging Services' },
      config: helpers.auth('messages:read'),
    },
    async (request) => {
      const actor = helpers.actorOf(request);
      return page('services', BASE, (await twilioServices.list(actor.accountId)).map(serviceShape));
    },
  );

  app.get(
    `${BASE}/:Sid`,
    {
      schema: { ...TAG, summary: 'One Messaging Service', params: serviceParams },
      config: helpers.auth('messages:read'),
    },
    async (request) => serviceShape((await serviceOf(request)).service),
  );

  app.post(
    `${BASE}/:Sid`,
    {
      schema: {
        ...TAG,
        summary: 'Update a Messaging Service',
        params: serviceParams,
        body: serviceForm.optional(),
        consumes: [FORM],
      },
      config: helpers.auth('webhooks:manage'),
    },
    async (request) => {
      const { actor, service } = await serviceOf(request);
      const form = helpers.formOf(request);
      const updated = await twilioServices.update(actor.accountId, service.id, {
        friendlyName: nameOf(form, false),
        statusCallback: await callbackOf(form),
      });
      if (!updated) throw notFound(request);
      return serviceShape(updated);
    },
  );

  app.delete(
    `${BASE}/:Sid`,
    {
      schema: { ...TAG, summary: 'Remove a Messaging Service and its pool', params: serviceParams },
      config: helpers.auth('webhooks:manage'),
    },
    async (request, reply) => {
      const { actor, service } = await serviceOf(request);
      await twilioServices.remove(actor.accountId, service.id);
      return reply.status(204).send();
    },
  );

  for (const kind of ['phone', 'alpha'] as const) {
    const path = kind === 'phone' ? 'PhoneNumbers' : 'AlphaSenders';
    const key = kind === 'phone' ? 'phone_numbers' : 'alpha_senders';
    const bodyField = kind === 'phone' ? 'PhoneNumberSid' : 'AlphaSender';

    app.get(
      `${BASE}/:Sid/${path}`,
      {
        schema: { ...TAG, summary: `The service’s ${path}`, params: serviceParams },
        config: helpers.auth('messages:read'),
      },
      async (request) => {
        const { actor, service } = await serviceOf(request);
        const senders = await twilioServices.senders(service.id, kind);
        return page(
          key,
          `${BASE}/${serviceSid(service.id)}/${path}`,
          senders.map((s) => senderShape(s, actor.accountId)),
        );
      },
    );

    app.post(
      `${BASE}/:Sid/${path}`,
      {
        schema: {
          ...TAG,
          summary:
            kind === 'phone'
              ? 'Add one of the account’s numbers (PhoneNumberSid, PN…) to the pool'
              : 'Add an alphanumeric sender ID (AlphaSender) to the pool',
          params: serviceParams,
          body: z.looseObject({ [bodyField]: field }).optional(),
          consumes: [FORM],
        },
        config: helpers.auth('webhooks:manage'),
      },
      async (request, reply) => {
        const { actor, service } = await serviceOf(request);
        const value = one(helpers.formOf(request)[bodyField])?.trim();
        if (!value) throw new TwilioError(400, 20001, `A '${bodyField}' is required.`);
        let sender: { sender: string; kind: 'phone'; ref: string } | { sender: string; kind: 'alpha' };
        if (kind === 'phone') {
          const id = numberIdOfSid(value);
          const numbers = id
            ? await services.inbound.numbers.list({ accountId: actor.accountId, limit: 500 })
            : [];
          const number = numbers.find((n) => n.id === id);
          if (!number) throw new TwilioError(400, 21421, `${value} is not a number of this account.`);
          sender = { sender: number.number, kind: 'phone', ref: number.id };
        } else {
          const problem = senderIdProblem(value);
          if (problem) throw new TwilioError(400, 21606, `AlphaSender ${problem}.`);
          sender = { sender: value, kind: 'alpha' };
        }
        const added = await twilioServices.addSender(actor.accountId, service.id, sender);
        if (added === 'full')
          throw new TwilioError(400, 21714, `A service's pool has at most ${MAX_POOL} senders.`);
        if (added === 'taken')
          throw new TwilioError(400, 21712, 'The number is in another Messaging Service of the account.');
        return reply.status(201).send(senderShape(added, actor.accountId));
      },
    );

    app.delete(
      `${BASE}/:Sid/${path}/:SenderSid`,
      {
        schema: { ...TAG, summary: `Take a sender out of the pool`, params: senderParams },
        config: helpers.auth('webhooks:manage'),
      },
      async (request, reply) => {
        const { service } = await serviceOf(request);
        const sid = request.params.SenderSid;
        const ref = kind === 'phone' ? numberIdOfSid(sid) : alphaSenderIdOfSid(sid);
        if (!ref || !(await twilioServices.removeSender(service.id, ref))) throw notFound(request);
        return reply.status(204).send();
      },
    );
  }
}
