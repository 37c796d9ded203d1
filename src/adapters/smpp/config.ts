import { z } from 'zod';
import { receiptTimeoutSeconds } from '../route-config';

const tonNpi = z.number().int().min(0).max(255);

/** Configuration of one SMPP route (an account at one SMSC). Parse with this schema to get the defaults. */
export const smppRouteConfigSchema = z.object({
  host: z.string().min(1).meta({ title: 'Host', description: 'Host name or IP address.' }),
  port: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .meta({ title: 'Port', description: 'Usually 2775 (or 3550 with TLS).' }),
  /** Connect with TLS (certificate verified against the system CAs). */
  tls: z
    .boolean()
    .default(false)
    .meta({ title: 'TLS', description: 'Connect with TLS (certificate checked against the system CAs).' }),
  systemId: z
    .string()
    .min(1)
    .max(15)
    .meta({ title: 'System ID', description: 'The login the carrier gave you.' }),
  password: z.string().max(64).meta({
    title: 'Password',
    description: 'Stored, never shown again; leave blank when editing to keep it.',
  }),
  systemType: z
    .string()
    .max(12)
    .default('')
    .meta({ title: 'System type', description: 'Only if the carrier asks for one.' }),
  /** One transceiver session per bind, or a transmitter plus a receiver. */
  bindMode: z.enum(['transceiver', 'transmitter_receiver']).default('transceiver').meta({
    title: 'Bind mode',
    description: 'One transceiver session per bind, or a transmitter plus a receiver.',
  }),
  /** Number of binds (sessions, or session pairs for transmitter_receiver). */
  binds: z.number().int().min(1).max(64).default(1).meta({
    title: 'Binds',
    description: 'Sessions kept open (session pairs in transmitter_receiver mode).',
  }),
  /** Maximum unacknowledged submit_sm per bind. */
  window: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(10)
    .meta({ title: 'Window', description: 'Unanswered submit_sm allowed per bind.' }),
  /** Route-wide submit_sm per second (never more in any 1-second window); 0 = unlimited. */
  throughput: z
    .number()
    .int()
    .min(0)
    .default(0)
    .meta({ title: 'Throughput (msg/s)', description: 'Route-wide messages per second; 0 = unlimited.' }),
  enquireLinkSeconds: z
    .number()
    .positive()
    .max(3_600)
    .default(30)
    .meta({ title: 'Enquire link (s)', description: 'Keep-alive interval.' }),
  /** TON/NPI overrides; detected from each address when absent. */
  sourceTon: tonNpi
    .optional()
    .meta({ title: 'Source TON', description: 'Detected from each address when empty.' }),
  sourceNpi: tonNpi
    .optional()
    .meta({ title: 'Source NPI', description: 'Detected from each address when empty.' }),
  destTon: tonNpi
    .optional()
    .meta({ title: 'Destination TON', description: 'Detected from each address when empty.' }),
  destNpi: tonNpi
    .optional()
    .meta({ title: 'Destination NPI', description: 'Detected from each address when empty.' }),
  /** How multipart messages go out: UDH concatenation, SAR TLVs, or one PDU with message_payload. */
  longMessages: z.enum(['udh', 'sar', 'payload']).default('udh').meta({
    title: 'Long messages',
    description: 'UDH concatenation, SAR TLVs, or one PDU with message_payload.',
  }),
  /** GSM-7 on the wire: one septet per byte (the SMPP norm), or packed 8 septets in 7 octets. */
  gsmPacking: z
    .enum(['unpacked', 'packed'])
    .default('unpacked')
    .meta({ title: 'GSM-7 packing', description: 'One septet per byte (the SMPP norm) or packed.' }),
  /** How long to wait for a submit_sm_resp (and for a bind to come back when none is connected). */
  submitTimeoutMs: z.number().int().min(100).max(300_000).default(10_000).meta({
    title: 'Submit timeout (ms)',
    description: 'Wait for a submit_sm_resp (and for a bind to come back).',
  }),
  receiptTimeoutSeconds,
});

/** What callers pass (defaults optional). */
export type SmppRouteConfig = z.input<typeof smppRouteConfigSchema>;
/** The config with defaults applied. */
export type ResolvedSmppRouteConfig = z.output<typeof smppRouteConfigSchema>;
