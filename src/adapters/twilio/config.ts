import { z } from 'zod';
import { httpConnectionFields } from '../http-carrier/config';

/** A Twilio account (Programmable Messaging) as a route's config. */
export const twilioConfigSchema = z.strictObject({
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID: AC and 32 hex digits')
    .meta({ title: 'Account SID', description: 'From the Twilio console (AC…); the user of Basic auth.' }),
  authToken: z.string().min(16).max(128).meta({
    title: 'Auth token',
    description: 'The account auth token: the password of Basic auth and the key of callback signatures.',
  }),
  messagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID: MG and 32 hex digits')
    .optional()
    .meta({
      title: 'Messaging Service SID',
      description: 'Send through this Messaging Service (MG…): Twilio picks the sender from its pool.',
    }),
  from: z.string().min(1).max(20).optional().meta({
    title: 'Fixed sender',
    description:
      'A number or alphanumeric id sent as From instead of the sender of each message (empty: the sender of the message).',
  }),
  baseUrl: z.url().default('https://api.twilio.com').meta({
    title: 'API base URL',
    description: 'The Twilio API host; change only to point at a test server.',
  }),
  ...httpConnectionFields,
});

export type TwilioConfig = z.output<typeof twilioConfigSchema>;
