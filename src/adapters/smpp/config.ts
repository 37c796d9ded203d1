import { z } from 'zod';

const tonNpi = z.number().int().min(0).max(255);

/**
 * How long a sent message of a route waits for its delivery receipt before it becomes `expired` (default
 * 48 h): a setting of every route type.
 */
export const receiptTimeoutSeconds = z
  .number()
  .int()
  .min(60)
  .max(30 * 86_400)
  .optional();

/** Configuration of one SMPP route (an account at one SMSC). Parse with this schema to get the defaults. */
export const smppRouteConfigSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  /** Connect with TLS (certificate verified against the system CAs). */
  tls: z.boolean().default(false),
  systemId: z.string().min(1).max(15),
  password: z.string().max(64),
  systemType: z.string().max(12).default(''),
  /** One transceiver session per bind, or a transmitter plus a receiver. */
  bindMode: z.enum(['transceiver', 'transmitter_receiver']).default('transceiver'),
  /** Number of binds (sessions, or session pairs for transmitter_receiver). */
  binds: z.number().int().min(1).max(64).default(1),
  /** Maximum unacknowledged submit_sm per bind. */
  window: z.number().int().min(1).max(1_000).default(10),
  /** Route-wide submit_sm per second (never more in any 1-second window); 0 = unlimited. */
  throughput: z.number().int().min(0).default(0),
  enquireLinkSeconds: z.number().positive().max(3_600).default(30),
  /** TON/NPI overrides; detected from each address when absent. */
  sourceTon: tonNpi.optional(),
  sourceNpi: tonNpi.optional(),
  destTon: tonNpi.optional(),
  destNpi: tonNpi.optional(),
  /** How multipart messages go out: UDH concatenation, SAR TLVs, or one PDU with message_payload. */
  longMessages: z.enum(['udh', 'sar', 'payload']).default('udh'),
  /** GSM-7 on the wire: one septet per byte (the SMPP norm), or packed 8 septets in 7 octets. */
  gsmPacking: z.enum(['unpacked', 'packed']).default('unpacked'),
  /** How long to wait for a submit_sm_resp (and for a bind to come back when none is connected). */
  submitTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  receiptTimeoutSeconds,
});

/** What callers pass (defaults optional). */
export type SmppRouteConfig = z.input<typeof smppRouteConfigSchema>;
/** The config with defaults applied. */
export type ResolvedSmppRouteConfig = z.output<typeof smppRouteConfigSchema>;
