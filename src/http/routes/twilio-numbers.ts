/**
 * Twilio's IncomingPhoneNumbers for the account's virtual numbers (assigned by the operator): list, fetch,
 * and set the `SmsUrl` that inbound messages are POSTed to in Twilio's incoming shape, with TwiML
 * `<Message>` replies honoured. Registered inside the Twilio-compatible plugin (its errors, its forms).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClientActor } from '../../modules/accounts';
import type { Inbound } from '../../modules/inbound';
import {
  API_VERSION,
  accountSid,
  numberIdOfSid,
  numberSid,
  rfc2822,
  type TwilioCallbacks,
} from '../../modules/twilio-compat';
import { TwilioError } from './twilio-errors';
import type { TwilioRouteHelpers } from './twilio-params';

type App = Parameters<FastifyPluginAsyncZod>[0];
/** An account has at most this many numbers listed in one page (the operator assigns them one by one). */
const MAX_NUMBERS = 500;

export function registerTwilioNumberRoutes(
  app: App,
  services: { inbound: Inbound; twilioCallbacks: TwilioCallbacks },
  helpers: TwilioRouteHelpers & {
    ownerOf(request: FastifyRequest<{ Params: { AccountSid: string } }>): ClientActor;
    authToken(request: FastifyRequest): string;
  },
) {
  const TAG = { tags: ['Twilio-compatible'] };
  const base = (accountId: string) =>
    `/${API_VERSION}/Accounts/${accountSid(accountId)}/IncomingPhoneNumbers`;
  const accountParams = z.object({ AccountSid: z.string().max(64) });
  const numberParams = accountParams.extend({ Sid: z.string().max(64) });

  async function numbersOf(accountId: string) {
    const [numbers, urls] = await Promise.all([
      services.inbound.numbers.list({ accountId, limit: MAX_NUMBERS }),
      services.twilioCallbacks.smsUrls(accountId),
    ]);
    return numbers.map((n) => ({
      sid: numberSid(n.id),
      account_sid: accountSid(accountId),
      phone_number: n.number,
      friendly_name: n.number,
      sms_url: urls.get(n.id)?.url ?? '',
      sms_method: urls.get(n.id)?.method ?? 'POST',
      capabilities: { sms: true, mms: false, voice: false, fax: false },
      api_version: API_VERSION,
      date_created: rfc2822(n.createdAt),
      uri: `${base(accountId)}/${numberSid(n.id)}.json`,
    }));
  }
  async function oneOf(actor: ClientActor, sid: string) {
    const id = numberIdOfSid(sid);
    const found = id ? (await numbersOf(actor.accountId)).find((n) => n.sid === sid) : undefined;
    if (!found) throw new TwilioError(404, 20404, `The requested resource ${sid} was not found`);
    return found;
  }

  app.get(
    `/${API_VERSION}/Accounts/:AccountSid/IncomingPhoneNumbers.json`,
    {
      schema: {
        ...TAG,
        summary: 'The account’s numbers (Twilio IncomingPhoneNumbers)',
        params: accountParams,
      },
      config: helpers.auth('messages:read'),
    },
    async (request) => {
      const actor = helpers.ownerOf(request);
      const numbers = await numbersOf(actor.accountId);
      const uri = `${base(actor.accountId)}.json?PageSize=${MAX_NUMBERS}&Page=0`;
      return {
        incoming_phone_numbers: numbers,
        page: 0,
        page_size: MAX_NUMBERS,
        start: 0,
        end: Math.max(numbers.length - 1, 0),
        uri,
        first_page_uri: uri,
        next_page_uri: null,
        previous_page_uri: null,
      };
    },
  );

  app.get(
    `/${API_VERSION}/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json`,
    {
      schema: { ...TAG, summary: 'One of the account’s numbers', params: numberParams },
      config: helpers.auth('messages:read'),
    },
    async (request) => oneOf(helpers.ownerOf(request), request.params.Sid),
  );

  app.post(
    `/${API_VERSION}/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json`,
    {
      schema: {
        ...TAG,
        summary:
          'Set the number’s SmsUrl: its inbound messages are POSTed there, TwiML <Message> replies sent',
        params: numberParams,
        body: z
          .looseObject({
            SmsUrl: z.union([z.string(), z.array(z.string())]).optional(),
            SmsMethod: z.union([z.string(), z.array(z.string())]).optional(),
          })
          .optional(),
        consumes: ['application/x-www-form-urlencoded'],
      },
      config: helpers.auth('webhooks:manage'),
    },
    async (request) => {
      const actor = helpers.ownerOf(request);
      const number = await oneOf(actor, request.params.Sid);
      const form = helpers.formOf(request);
      const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
      const rawMethod = first(form.SmsMethod)?.toUpperCase();
      if (rawMethod !== undefined && rawMethod !== 'POST' && rawMethod !== 'GET')
        throw new TwilioError(400, 20001, 'SmsMethod must be GET or POST.');
      const rawUrl = first(form.SmsUrl);
      if (rawUrl === undefined && rawMethod === undefined) return number;
      // As Twilio's properties: each one given changes, the other keeps its value.
      const method = (rawMethod ?? number.sms_method) as 'POST' | 'GET';
      const raw = rawUrl ?? number.sms_url;
      const url = raw === '' ? null : await helpers.checkUrl(raw);
      await services.twilioCallbacks.setSmsUrl({
        numberId: numberIdOfSid(number.sid)!,
        accountId: actor.accountId,
        number: number.phone_number,
        url,
        method,
        authToken: helpers.authToken(request),
      });
      return { ...number, sms_url: url ?? '', sms_method: url === null ? 'POST' : method };
    },
  );
}
