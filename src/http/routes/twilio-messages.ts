/**
 * The Twilio-compatible Messages API (`/2010-04-01/Accounts/{AccountSid}/…`): Twilio's paths, form
 * parameters, JSON shapes, errors and paging, on our send path (credits, suppressions, retention and
 * audit apply as for `POST /v1/messages`). Existing Twilio code works by changing the base URL and the
 * credentials: HTTP Basic with the account's `AC…` SID (or an API key's `SK…` SID) and an API key.
 * docs/twilio-compatibility.md lists what is implemented and from where.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ClientActor } from '../../modules/accounts';
import type { MessageView, SendItem } from '../../modules/messaging';
import { tryNormalizePhone } from '../../modules/phone';
import {
  API_VERSION,
  accountIdOfSid,
  accountSid,
  messageIdOfSid,
  messageSid,
  messagesUri,
  rfc2822,
  serviceIdOfSid,
  type TwilioCallbacks,
  type TwilioService,
  type TwilioServices,
  twilioMessage,
} from '../../modules/twilio-compat';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { TwilioError, twilioErrorHandler } from './twilio-errors';
import { registerTwilioNumberRoutes } from './twilio-numbers';
import {
  accountParams,
  basicCredentials,
  createForm,
  dateParam,
  FORM,
  type Form,
  intParam,
  listQuery,
  MAX_BODY,
  MAX_MEDIA,
  MAX_PAGE_SIZE,
  many,
  messageParams,
  one,
  parseForm,
  updateForm,
  VALIDITY,
} from './twilio-params';
import { registerTwilioServiceRoutes } from './twilio-services';

export { twilioBasicAuth } from './twilio-params';

const TAG = { tags: ['Twilio-compatible'] };

export function twilioRoutes(
  services: AppServices & { twilioCallbacks: TwilioCallbacks; twilioServices: TwilioServices },
): FastifyPluginAsyncZod {
  const { send, messages, twilioCallbacks, twilioServices } = services;

  /** The request's client, once the path's AccountSid is checked to be its account. */
  function ownerOf(request: FastifyRequest<{ Params: { AccountSid: string } }>): ClientActor {
    const actor = clientActor(request);
    if (accountIdOfSid(request.params.AccountSid) !== actor.accountId)
      throw new TwilioError(404, 20404, `The requested resource ${request.url.split('?')[0]} was not found`);
    return actor;
  }
  function messageIdOf(request: FastifyRequest<{ Params: { Sid: string } }>): string {
    const id = messageIdOfSid(request.params.Sid);
    if (!id)
      throw new TwilioError(404, 20404, `The requested resource ${request.url.split('?')[0]} was not found`);
    return id;
  }
  /** The API key the request authenticated with, or null for a session. */
  function apiKeyOf(request: FastifyRequest): string | null {
    const basic = basicCredentials(request.headers.authorization);
    if (basic) return basic.password;
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    return bearer ? bearer[1]! : null;
  }
  /** The secret the request authenticated with: Twilio signs callbacks with the auth token. */
  function authTokenOf(request: FastifyRequest): string {
    const key = apiKeyOf(request);
    if (key !== null) return key;
    throw new TwilioError(
      400,
      20001,
      'Callbacks are signed with the API key: authenticate with one, not a session.',
    );
  }
  /** The Message resource of one message, with the service it went through. */
  async function messageOf(accountId: string, m: MessageView) {
    const serviceId = (await twilioServices.servicesOf([m.id])).get(m.id);
    return twilioMessage(accountId, m, { serviceId });
  }
  /** The account's service named by `MessagingServiceSid`: 21705 when not an MG SID, 21701 when unknown. */
  async function serviceOf(accountId: string, sid: string | undefined): Promise<TwilioService | null> {
    if (!sid) return null;
    const id = serviceIdOfSid(sid);
    if (!id) throw new TwilioError(400, 21705, `The Messaging Service ${sid.slice(0, 40)} is invalid.`);
    const service = await twilioServices.get(accountId, id);
    if (!service) throw new TwilioError(400, 21701, `The Messaging Service ${sid} does not exist.`);
    return service;
  }
  /** A sender from the service's pool, sticky per recipient (21704 when the pool is empty). */
  async function poolSender(service: TwilioService, to: string): Promise<string> {
    const phone = tryNormalizePhone(to);
    const sender = await twilioServices.pick(service.id, phone.ok ? phone.e164 : to);
    if (!sender) throw new TwilioError(400, 21704, 'The Messaging Service has no senders in its pool.');
    return sender;
  }
  function formOf(request: FastifyRequest): Form {
    const type = request.headers['content-type'] ?? '';
    if (request.body !== undefined && request.body !== null && !type.toLowerCase().startsWith(FORM))
      throw new TwilioError(
        400,
        20001,
        `Send the parameters form-encoded (Content-Type: ${FORM}), as Twilio's API takes them.`,
      );
    return (request.body as Form | undefined) ?? {};
  }

  const auth = <P extends 'messages:send' | 'messages:read' | 'webhooks:manage'>(permission: P) => ({
    auth: 'client' as const,
    permission,
    basicAuth: true as const,
  });

  return async (app) => {
    app.setErrorHandler(twilioErrorHandler);
    registerTwilioNumberRoutes(app, services, {
      ownerOf,
      formOf,
      auth,
      authToken: authTokenOf,
      checkUrl: (raw) => twilioCallbacks.checkUrl(raw),
    });
    registerTwilioServiceRoutes(app, services, {
      formOf,
      auth,
      actorOf: clientActor,
      checkUrl: (raw) => twilioCallbacks.checkUrl(raw),
    });
    app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseForm(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    app.post(
      `/${API_VERSION}/Accounts/:AccountSid/Messages.json`,
      {
        schema: {
          ...TAG,
          summary: 'Send an SMS (Twilio Messages API)',
          params: accountParams,
          body: createForm.optional(),
          consumes: [FORM],
        },
        config: auth('messages:send'),
      },
      async (request, reply) => {
        const actor = ownerOf(request);
        const form = formOf(request);
        const to = one(form.To)?.trim();
        if (!to) throw new TwilioError(400, 21604, "A 'To' phone number is required.");
        const media = many(form.MediaUrl);
        const body = one(form.Body) ?? '';
        if (body === '' && media.length === 0) throw new TwilioError(400, 21602, 'Message body is required.');
        if (body.length > MAX_BODY)
          throw new TwilioError(
            400,
            21617,
            `The concatenated message body exceeds the ${MAX_BODY} character limit.`,
          );
        if (media.length > MAX_MEDIA)
          throw new TwilioError(400, 21623, `At most ${MAX_MEDIA} MediaUrl are allowed.`);
        for (const url of media) {
          if (!/^https?:\/\/\S{1,2040}$/.test(url))
            throw new TwilioError(400, 21620, `Invalid media URL: ${url.slice(0, 100)}`);
        }
        const service = await serviceOf(actor.accountId, one(form.MessagingServiceSid)?.trim());
        const callbackUrl = one(form.StatusCallback);
        // Known before anything is sent: a callback the request asks for needs a key to sign with (20001
        // for a session); a service's callback is simply not made for a session's messages.
        const authToken = callbackUrl ? authTokenOf(request) : apiKeyOf(request);
        // A service's callback was checked when it was set; the sender checks the address again at connect.
        const callback = callbackUrl
          ? await twilioCallbacks.checkUrl(callbackUrl)
          : authToken !== null
            ? (service?.status_callback ?? null)
            : null;
        const validity = intParam('ValidityPeriod', one(form.ValidityPeriod), VALIDITY.min, VALIDITY.max);
        const sendAtRaw = one(form.SendAt);
        if (sendAtRaw !== undefined && one(form.ScheduleType) !== 'fixed')
          throw new TwilioError(400, 35111, 'SendAt needs ScheduleType=fixed.');
        const sendAt = sendAtRaw === undefined ? undefined : new Date(sendAtRaw);
        if (sendAt && Number.isNaN(sendAt.getTime()))
          throw new TwilioError(400, 35114, 'SendAt is not an ISO 8601 time.');
        const now = services.clock.now();
        const from = one(form.From)?.trim() || (service ? await poolSender(service, to) : undefined);
        // Media are not sent as MMS: their URLs follow the text as links, so the message has no media of its
        // own (`num_media` "0", an empty Media list) and the links are part of `body`.
        const text = [body, ...media].filter((part) => part !== '').join('\n');
        const item: SendItem = {
          to,
          text,
          ...(from ? { from } : {}),
          ...(callback ? { statusCallback: true } : {}),
          ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
          ...(validity
            ? { validUntil: new Date((sendAt?.getTime() ?? now) + validity * 1000).toISOString() }
            : {}),
          path: {
            to: '/body/To',
            text: '/body/Body',
            from: '/body/From',
            sendAt: '/body/SendAt',
            validUntil: '/body/ValidityPeriod',
          },
        };
        const result = await send(actor, [item], { allOrNothing: true, idempotency: null });
        const message = result.data[0]!;
        if (service) await twilioServices.recordMessage(message.id, service.id);
        if (message.status === 'rejected' && message.error?.code === 'recipient_opted_out')
          throw new TwilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
        if (callback && authToken !== null) {
          await twilioCallbacks.register(
            {
              messageId: message.id,
              accountId: actor.accountId,
              url: callback,
              authToken,
              from: message.from,
            },
            () => messages.get(actor.accountId, message.id),
          );
        }
        return reply.status(201).send(twilioMessage(actor.accountId, message, { serviceId: service?.id }));
      },
    );

    app.get(
      `/${API_VERSION}/Accounts/:AccountSid/Messages.json`,
      {
        schema: {
          ...TAG,
          summary: 'Messages, newest first, with Twilio’s paging (PageSize, PageToken)',
          params: accountParams,
          querystring: listQuery,
        },
        config: auth('messages:read'),
      },
      async (request) => {
        const actor = ownerOf(request);
        const q = request.query;
        const pageSize = intParam('PageSize', q.PageSize, 1, MAX_PAGE_SIZE) ?? 50;
        const pageNumber = intParam('Page', q.Page, 0, 1_000_000) ?? 0;
        let cursor: string | undefined;
        if (q.PageToken !== undefined) {
          cursor = q.PageToken.startsWith('PA')
            ? (messageIdOfSid(q.PageToken.slice(2)) ?? undefined)
            : undefined;
          if (!cursor) throw new TwilioError(400, 20001, 'PageToken is not one this API gave.');
        } else if (pageNumber > 0) {
          throw new TwilioError(400, 20001, 'Page beyond 0 needs the PageToken of next_page_uri.');
        }
        // DateSent filters the day (or instant) the message was created: our messages are sent right after.
        let createdAfter: string | undefined;
        let createdBefore: string | undefined;
        if (q.DateSent !== undefined)
          ({ start: createdAfter, endExclusive: createdBefore } = dateParam('DateSent', q.DateSent));
        if (q['DateSent>'] !== undefined) createdAfter = dateParam('DateSent>', q['DateSent>']).start;
        if (q['DateSent<'] !== undefined) createdBefore = dateParam('DateSent<', q['DateSent<']).endExclusive;
        const rows: MessageView[] = await messages.list(actor.accountId, {
          ...(q.To ? { to: q.To } : {}),
          ...(q.From ? { sender: q.From } : {}),
          ...(createdAfter ? { createdAfter } : {}),
          ...(createdBefore ? { createdBefore } : {}),
          limit: pageSize,
          cursor,
        });
        const base = `${messagesUri(actor.accountId)}.json`;
        const filters = new URLSearchParams();
        for (const name of ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>'] as const) {
          const value = q[name];
          if (value !== undefined) filters.set(name, value);
        }
        const uriWith = (extra: Record<string, string>) => {
          const params = new URLSearchParams(filters);
          for (const [k, v] of Object.entries(extra)) params.set(k, v);
          return `${base}?${params.toString()}`;
        };
        const last = rows[rows.length - 1];
        const servicesOf = await twilioServices.servicesOf(rows.map((m) => m.id));
        return {
          messages: rows.map((m) => twilioMessage(actor.accountId, m, { serviceId: servicesOf.get(m.id) })),
          start: pageNumber * pageSize,
          end: pageNumber * pageSize + Math.max(rows.length - 1, 0),
          page: pageNumber,
          page_size: pageSize,
          uri: uriWith({
            PageSize: String(pageSize),
            Page: String(pageNumber),
            ...(q.PageToken ? { PageToken: q.PageToken } : {}),
          }),
          first_page_uri: uriWith({ PageSize: String(pageSize), Page: '0' }),
          previous_page_uri: null,
          next_page_uri:
            rows.length === pageSize && last
              ? uriWith({
                  PageSize: String(pageSize),
                  Page: String(pageNumber + 1),
                  PageToken: `PA${messageSid(last.id)}`,
                })
              : null,
        };
      },
    );

    app.get(
      `/${API_VERSION}/Accounts/:AccountSid/Messages/:Sid.json`,
      {
        schema: { ...TAG, summary: 'One message (Twilio Message resource)', params: messageParams },
        config: auth('messages:read'),
      },
      async (request) => {
        const actor = ownerOf(request);
        return messageOf(actor.accountId, await messages.get(actor.accountId, messageIdOf(request)));
      },
    );

    app.post(
      `/${API_VERSION}/Accounts/:AccountSid/Messages/:Sid.json`,
      {
        schema: {
          ...TAG,
          summary: 'Cancel a scheduled message (Status=canceled) or redact a sent one’s text (Body="")',
          params: messageParams,
          body: updateForm.optional(),
          consumes: [FORM],
        },
        config: auth('messages:send'),
      },
      async (request) => {
        const actor = ownerOf(request);
        const id = messageIdOf(request);
        const form = formOf(request);
        const body = one(form.Body);
        const status = one(form.Status);
        // Twilio's 30400 covers all three: neither parameter, both at once, a Body that is not empty.
        if (body !== undefined && status !== undefined)
          throw new TwilioError(400, 30400, 'Cancel or redact, not both in one request.');
        if (body !== undefined) {
          if (body !== '')
            throw new TwilioError(400, 30400, 'Body can only be set to an empty string (redaction).');
          await services.messageDeletion.redact(actor, id);
          return messageOf(actor.accountId, await messages.get(actor.accountId, id));
        }
        if (status !== 'canceled') throw new TwilioError(400, 30400, "Status can only be set to 'canceled'.");
        return messageOf(actor.accountId, await services.cancelMessage(actor, id));
      },
    );

    app.get(
      `/${API_VERSION}/Accounts/:AccountSid/Messages/:Sid/Media.json`,
      {
        schema: {
          ...TAG,
          summary: 'A message’s media: always none (MediaUrl becomes links in the text, not MMS)',
          params: messageParams,
        },
        config: auth('messages:read'),
      },
      async (request) => {
        const actor = ownerOf(request);
        const id = messageIdOf(request);
        await messages.get(actor.accountId, id);
        const uri = `${messagesUri(actor.accountId)}/${messageSid(id)}/Media.json?PageSize=50&Page=0`;
        return {
          media_list: [],
          page: 0,
          page_size: 50,
          start: 0,
          end: 0,
          uri,
          first_page_uri: uri,
          next_page_uri: null,
          previous_page_uri: null,
        };
      },
    );

    app.delete(
      `/${API_VERSION}/Accounts/:AccountSid/Messages/:Sid.json`,
      {
        schema: { ...TAG, summary: 'Delete a finished message', params: messageParams },
        config: auth('messages:send'),
      },
      async (request, reply) => {
        const actor = ownerOf(request);
        await services.messageDeletion.removeOne(actor, messageIdOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      `/${API_VERSION}/Accounts/:AccountSid.json`,
      {
        schema: { ...TAG, summary: 'The account (Twilio Account resource, minimal)', params: accountParams },
        config: auth('messages:read'),
      },
      async (request) => {
        const actor = ownerOf(request);
        const { account } = await services.identity.me(actor);
        const sid = accountSid(actor.accountId);
        return {
          sid,
          owner_account_sid: sid,
          friendly_name: account.name,
          status:
            account.status === 'active' ? 'active' : account.status === 'closed' ? 'closed' : 'suspended',
          type: 'Full',
          date_created: rfc2822(account.createdAt),
          uri: `/${API_VERSION}/Accounts/${sid}.json`,
          subresource_uris: {
            messages: `${messagesUri(actor.accountId)}.json`,
            balance: `/${API_VERSION}/Accounts/${sid}/Balance.json`,
          },
        };
      },
    );

    app.get(
      `/${API_VERSION}/Accounts/:AccountSid/Balance.json`,
      {
        schema: {
          ...TAG,
          summary: 'The account’s available credits (Twilio Balance resource)',
          params: accountParams,
        },
        config: auth('messages:read'),
      },
      async (request) => {
        const actor = ownerOf(request);
        const balance = await services.ledger.balance(services.db, actor.accountId);
        return {
          account_sid: accountSid(actor.accountId),
          balance: balance.available.toFixed(5),
          currency: 'credits',
        };
      },
    );
  };
}
