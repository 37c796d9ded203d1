import { z } from 'zod';
import { httpConnectionFields } from '../http-carrier/config';

/** A Plivo account (Message API) as a route's config. */
export const plivoConfigSchema = z.strictObject({
  authId: z
    .string()
    .regex(/^[A-Z0-9]{20}$/, 'a Plivo Auth ID: 20 capital letters and digits')
    .meta({ title: 'Auth ID', description: 'From the Plivo console (MA… or SA…); the user of Basic auth.' }),
  authToken: z.string().min(16).max(128).meta({
    title: 'Auth token',
    description: 'The password of Basic auth and the key of the callback signatures (X-Plivo-Signature-V3).',
  }),
  powerpackUuid: z.string().min(1).max(64).optional().meta({
    title: 'Powerpack UUID',
    description: 'Send through this Powerpack (number pool) instead of a source number.',
  }),
  sender: z.string().min(1).max(20).optional().meta({
    title: 'Fixed sender',
    description:
      'A number or alphanumeric id sent as src instead of the sender of each message (empty: the message sender).',
  }),
  acceptV2Signatures: z.boolean().default(false).meta({
    title: 'Accept V2 signatures',
    description:
      'Also accept X-Plivo-Signature-V2, which signs only the URL and a nonce, not the body (off: V3 only).',
  }),
  baseUrl: z.url().default('https://api.plivo.com').meta({
    title: 'API base URL',
    description: 'The Plivo API host; change only to point at a test server.',
  }),
  ...httpConnectionFields,
});

export type PlivoConfig = z.output<typeof plivoConfigSchema>;
