import { z } from 'zod';
import { receiptTimeoutSeconds } from '../route-config';

/**
 * The connection settings every HTTP carrier route type's config includes (spread into its schema's
 * shape), so the pool size, deadline and pace mean the same for Twilio, Infobip or a local aggregator.
 */
export const httpConnectionFields = {
  maxConnections: z.number().int().min(1).max(256).default(16).meta({
    title: 'Connections',
    description: 'Most requests open to the carrier at once; more wait for a free connection.',
  }),
  timeoutMs: z.number().int().min(500).max(120_000).default(10_000).meta({
    title: 'Request timeout (ms)',
    description: 'A request without an answer by then fails as a timeout and the message is retried.',
  }),
  throughput: z.number().min(0).max(100_000).default(0).meta({
    title: 'Throughput (msg/s)',
    description: 'Most messages a second sent to the carrier (0 = no limit).',
  }),
  receiptTimeoutSeconds,
};
