import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { httpConnectionFields } from '../http-carrier/config';

/** An Infobip account (SMS API v3) as a route's config. */
export const infobipConfigSchema = z.strictObject({
  apiKey: z.string().min(16).max(200).meta({
    title: 'API key',
    description: 'An Infobip API key with the SMS scopes, sent as "Authorization: App <key>".',
  }),
  baseUrl: z.url().default('https://api.infobip.com').meta({
    title: 'API base URL',
    description: 'Your personal base URL from the Infobip portal (https://xxxxx.api.infobip.com).',
  }),
  sender: z.string().min(1).max(20).optional().meta({
    title: 'Fixed sender',
    description:
      'A number or alphanumeric id sent instead of the sender of each message (empty: the message sender).',
  }),
  callbackToken: z
    .string()
    .min(16)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
    .default(() => randomBytes(24).toString('base64url'))
    .meta({
      title: 'Callback token',
      description:
        'Infobip does not sign its webhooks: this secret rides in the callback URL (?token=) and is checked. Generated when left empty; set your own to use it in the inbound URL of your numbers.',
    }),
  callbackUsername: z.string().min(1).max(100).optional().meta({
    title: 'Callback user (Basic)',
    description:
      'With a BASIC security setting on your Infobip subscription: the user its webhooks must send.',
  }),
  callbackPassword: z.string().min(1).max(200).optional().meta({
    title: 'Callback password (Basic)',
    description: 'The password of that BASIC security setting.',
  }),
  operatorDeliveryIsFinal: z.boolean().default(false).meta({
    title: 'Operator delivery is final',
    description:
      'Count DELIVERED_TO_OPERATOR as delivered (by default it is an intermediate report and the handset report is awaited).',
  }),
  ...httpConnectionFields,
});

export type InfobipConfig = z.output<typeof infobipConfigSchema>;
