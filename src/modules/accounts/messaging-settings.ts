import { z } from 'zod';

/** Longest help text: three SMS segments of GSM-7. */
export const MAX_HELP_TEXT = 459;

/** Per-account messaging settings, stored in the account's `settings` JSON. */
export const messagingSettingsSchema = z.object({
  /** Country for numbers written in national format. */
  defaultCountry: z.string().length(2).nullable().default(null),
  /**
   * The account's own sender, used when a request names none; null until the client chooses one (the web app
   * asks at the first send). Without one, {@link senderFor} falls back to the operator's shared sender.
   */
  defaultSender: z.string().max(15).nullable().default(null),
  /** Longest message accepted, in segments. */
  maxSegments: z.number().int().min(1).max(20).default(10),
  /**
   * Replace look-alike characters (’ “ ” – …) to stay in GSM-7. Off when absent, so accounts made before it
   * was offered keep sending what they typed; sign-up stores it on ({@link NEW_ACCOUNT_MESSAGING}).
   */
  smartEncoding: z.boolean().default(false),
  /** Which final failures give the credits back. Set by the operator. */
  refundPolicy: z.enum(['none', 'undelivered', 'undelivered_and_expired']).default('none'),
  /** Whether campaigns may turn URLs into tracked short links on the platform's domain. Set by the operator. */
  trackedLinks: z.boolean().default(true),
  /**
   * The answer to HELP (and its synonyms) texted to the account's numbers: who is writing and how to stop.
   * Required where the account sends marketing; null until the client writes one.
   */
  helpText: z.string().max(MAX_HELP_TEXT).nullable().default(null),
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

/** What a new account starts with, besides the schema's defaults: smart encoding on. */
export const NEW_ACCOUNT_MESSAGING = { smartEncoding: true } as const satisfies Partial<MessagingSettings>;

/**
 * The sender of last resort, when neither the request, the account nor the operator (`DEFAULT_SENDER`) names
 * one: the platform's name, as every message had before accounts chose their own.
 */
export const PLATFORM_SENDER = 'smsgate';

/** The sender a message goes out from when the request names none. */
export function senderFor(
  settings: Pick<MessagingSettings, 'defaultSender'>,
  sharedSender?: string | null,
): string {
  return settings.defaultSender ?? sharedSender ?? PLATFORM_SENDER;
}
