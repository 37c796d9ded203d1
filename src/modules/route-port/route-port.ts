import type { SmsEncoding } from '../codec';

/** One message as a route sends it: already priced, encoded and split-counted by messaging. */
export interface OutboundSms {
  messageId: string;
  accountId: string;
  /** E.164 with the leading '+'. */
  to: string;
  /** Alphanumeric sender id, short code or E.164 number. */
  from: string;
  text: string;
  encoding: SmsEncoding;
  /** Segments charged; a route must send exactly this many parts. */
  segments: number;
  /** Absolute expiry (ms since epoch), passed to carriers as the validity period. */
  validUntil: number | null;
  type: 'transactional' | 'marketing';
  /**
   * Aborted (the dispatcher lost the job to another worker) before any part went to the carrier: the
   * send rejects with a retryable RouteError and nothing goes out. Parts already submitted stay sent.
   */
  signal?: AbortSignal;
}

/** What a carrier said about a submitted message. */
export interface SubmitResult {
  /** The carrier's id, used to match delivery reports. Multipart messages report each part's id. */
  carrierRef: string;
  partRefs: string[];
}

/**
 * The closed set of failure codes every adapter maps its carrier's answers to: what clients see as a
 * message's `error.code`, the same whichever route failed it (the carrier's own code is kept beside it as
 * `carrierCode`). Whether a failure is retried (with backoff, possibly on the next route) follows from its
 * code alone. docs/failure-codes.md lists them with their meanings.
 */
export const FAILURE_CODES = {
  invalid_destination: { retryable: false, meaning: 'The carrier refused the destination number.' },
  invalid_sender: { retryable: false, meaning: 'The carrier refused the sender ID or source number.' },
  invalid_message: {
    retryable: false,
    meaning: 'The text, its encoding, length or options cannot be sent as they are.',
  },
  rejected_by_carrier: {
    retryable: false,
    meaning: 'The carrier refused the message for good (policy, content, or an error it calls permanent).',
  },
  undelivered: { retryable: false, meaning: 'The carrier accepted the message but could not deliver it.' },
  expired: { retryable: false, meaning: 'The validity period ended before the message could be delivered.' },
  throttled: { retryable: true, meaning: 'The carrier asked us to slow down (throttling, queue full).' },
  unreachable: {
    retryable: true,
    meaning: 'No connection to the carrier (down, not bound, connection lost).',
  },
  auth_failed: { retryable: true, meaning: "The carrier refused the route's credentials." },
  timeout: { retryable: true, meaning: 'The carrier did not answer in time.' },
  carrier_error: {
    retryable: true,
    meaning: 'A temporary error at the carrier (system error and the like).',
  },
} as const satisfies Record<string, { retryable: boolean; meaning: string }>;

export type FailureCode = keyof typeof FAILURE_CODES;

export const isFailureCode = (code: string): code is FailureCode => Object.hasOwn(FAILURE_CODES, code);

/**
 * A failed submit, as one of the {@link FAILURE_CODES} with the carrier's own code (e.g.
 * `ESME_RINVDSTADR`) when it gave one. Retryable codes (throttling, timeouts, lost connections) are retried
 * with backoff, possibly on the next route; permanent ones fail the message and release its credits.
 */
export class RouteError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: FailureCode,
    detail: string,
    readonly carrierCode: string | null = null,
    /** How long the carrier asked us to wait before trying again (an HTTP Retry-After), when it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(detail);
    this.name = 'RouteError';
    this.retryable = FAILURE_CODES[code].retryable;
  }
}

/** The failure code of a delivery report's final status (its carrier code is the report's `errorCode`). */
export function receiptFailureCode(status: 'undelivered' | 'expired' | 'rejected'): FailureCode {
  return status === 'rejected' ? 'rejected_by_carrier' : status;
}

/** A delivery report as a route received it, before it is matched to a message. */
export interface DeliveryReport {
  routeId: string;
  carrierRef: string;
  status: 'delivered' | 'undelivered' | 'expired' | 'rejected' | 'unknown';
  /** Carrier's error code, if any. */
  errorCode: string | null;
  /** The raw report (receipt text or provider payload), stored as received. */
  raw: string;
  at: number;
}

/** A mobile-originated message (a reply) received by a route. */
export interface InboundSms {
  routeId: string;
  from: string;
  to: string;
  text: string;
  at: number;
  /**
   * The account it is for, when the route knows it without a number: only the built-in simulator's
   * replies (an account on a fresh install has no number). Carriers' messages are routed by `to`.
   */
  accountId?: string;
}

export interface RouteEvents {
  onDeliveryReport(report: DeliveryReport): void | Promise<void>;
  onInbound(message: InboundSms): void | Promise<void>;
}

/** The port every carrier adapter (simulator, SMPP, HTTP providers) implements. */
export interface SmsRoute {
  readonly id: string;
  send(message: OutboundSms): Promise<SubmitResult>;
  /** Connect, bind, start listening for reports; idempotent. */
  start(events: RouteEvents): Promise<void>;
  stop(): Promise<void>;
  health(): RouteHealth;
}

export interface RouteHealth {
  connectedBinds: number;
  inFlight: number;
  sentLastMinute: number;
  errorsLastMinute: number;
  lastError: string | null;
}
