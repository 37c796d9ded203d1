import { z } from 'zod';
import { httpConnectionFields } from '../http-carrier/config';

/** A Telnyx account (Messaging API v2) as a route's config. */
export const telnyxConfigSchema = z.strictObject({
  apiKey: z.string().min(16).max(256).meta({
    title: 'API key',
    description: 'A Telnyx API key (KEY…), sent as a Bearer token.',
  }),
  publicKey: z
    .string()
    .refine(
      (k) => /^[A-Za-z0-9+/]{43}=$/.test(k) && Buffer.from(k, 'base64').length === 32,
      'a base64 Ed25519 public key (32 bytes)',
    )
    .meta({
      title: 'Webhook public key',
      description:
        'The public key from Mission Control (Keys & Credentials): webhooks are checked against it.',
    }),
  messagingProfileId: z.string().min(1).max(64).optional().meta({
    title: 'Messaging profile ID',
    description: 'Send through this messaging profile (needed for alphanumeric senders).',
  }),
  sender: z.string().min(1).max(20).optional().meta({
    title: 'Fixed sender',
    description:
      'A number or alphanumeric id sent instead of the sender of each message (empty: the message sender).',
  }),
  baseUrl: z.url().default('https://api.telnyx.com').meta({
    title: 'API base URL',
    description: 'The Telnyx API host; change only to point at a test server.',
  }),
  ...httpConnectionFields,
});

export type TelnyxConfig = z.output<typeof telnyxConfigSchema>;
