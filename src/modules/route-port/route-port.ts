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
 * A failed submit. `retryable` errors (throttling, queue full, timeouts, lost connections) are retried
 * with backoff, possibly on the next route; permanent ones fail the message and release its credits.
 */
export class RouteError extends Error {
  constructor(
    readonly retryable: boolean,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'RouteError';
  }
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
