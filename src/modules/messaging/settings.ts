import { z } from 'zod';

/** Per-account messaging settings, stored in the account's `settings` JSON. */
export const messagingSettingsSchema = z.object({
  /** Country for numbers written in national format. */
  defaultCountry: z.string().length(2).nullable().default(null),
  /** Sender used when a request names none. */
  defaultSender: z.string().max(15).default('smsgate'),
  /** Longest message accepted, in segments. */
  maxSegments: z.number().int().min(1).max(20).default(10),
  /** Replace look-alike characters (’ “ ” – …) to stay in GSM-7. */
  smartEncoding: z.boolean().default(false),
  /** Which final failures give the credits back. Set by the operator. */
  refundPolicy: z.enum(['none', 'undelivered', 'undelivered_and_expired']).default('none'),
  /** Whether campaigns may turn URLs into tracked short links on the platform's domain. Set by the operator. */
  trackedLinks: z.boolean().default(true),
});

export type MessagingSettings = z.infer<typeof messagingSettingsSchema>;

export function parseMessagingSettings(json: string | null | undefined): MessagingSettings {
  let raw: unknown = {};
  try {
    raw = json ? JSON.parse(json) : {};
  } catch {
    raw = {};
  }
  const parsed = messagingSettingsSchema.safeParse((raw as { messaging?: unknown })?.messaging ?? {});
  return parsed.success ? parsed.data : messagingSettingsSchema.parse({});
}
