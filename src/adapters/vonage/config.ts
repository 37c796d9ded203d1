import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { httpConnectionFields } from '../http-carrier/config';

/** A Vonage (Nexmo) SMS API account as a route's config. */
export const vonageConfigSchema = z.strictObject({
  apiKey: z.string().min(4).max(64).meta({ title: 'API key', description: 'From the Vonage dashboard.' }),
  apiSecret: z.string().min(4).max(128).meta({
    title: 'API secret',
    description: 'Sent with each request (api_secret), as the SMS API asks.',
  }),
  signatureSecret: z.string().min(8).max(256).optional().meta({
    title: 'Signature secret',
    description:
      'With signed webhooks enabled on the account: delivery receipts and replies must carry a valid sig.',
  }),
  signatureMethod: z.enum(['md5hash', 'md5', 'sha1', 'sha256', 'sha512']).default('md5hash').meta({
    title: 'Signature method',
    description: 'The signature method set for the account (the dashboard default is md5hash).',
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
        'A secret in the callback URLs (?token=), checked on every receipt and reply. Generated when left empty; set your own to use it in the inbound URL of the dashboard.',
    }),
  sender: z.string().min(1).max(20).optional().meta({
    title: 'Fixed sender',
    description:
      'A number or alphanumeric id sent instead of the sender of each message (empty: the message sender).',
  }),
  baseUrl: z.url().default('https://rest.nexmo.com').meta({
    title: 'API base URL',
    description: 'The Vonage SMS API host; change only to point at a test server.',
  }),
  ...httpConnectionFields,
});

export type VonageConfig = z.output<typeof vonageConfigSchema>;
