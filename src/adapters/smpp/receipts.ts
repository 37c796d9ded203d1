import type { DeliveryReport } from '../../modules/route-port';
import { storageFault } from '../../storage/faults';
import { Status } from './wire';

export type ReceiptStatus = DeliveryReport['status'];

/** A delivery receipt read from a deliver_sm, before it becomes a {@link DeliveryReport}. */
export interface ParsedReceipt {
  /** The message id as the receipt carries it (TLV receipted_message_id, else the text's `id:`). */
  carrierRef: string;
  /** Final status, or null for an intermediate state (ENROUTE, SCHEDULED) that is not reported. */
  status: ReceiptStatus | null;
  /** The state as received: the text's `stat:` or `message_state=N`. */
  state: string;
  errorCode: string | null;
  submitDate: string | null;
  doneDate: string | null;
}

/** SMPP 3.4 message_state values (TLV 0x0427). */
const MESSAGE_STATES: ReadonlyArray<readonly [state: number, name: string, status: ReceiptStatus | null]> = [
  [0, 'SCHEDULED', null],
  [1, 'ENROUTE', null],
  [2, 'DELIVERED', 'delivered'],
  [3, 'EXPIRED', 'expired'],
  [4, 'DELETED', 'unknown'],
  [5, 'UNDELIVERABLE', 'undelivered'],
  [6, 'ACCEPTED', 'unknown'],
  [7, 'UNKNOWN', 'unknown'],
  [8, 'REJECTED', 'rejected'],
  [9, 'SKIPPED', 'unknown'],
];

/**
 * Maps a receipt `stat:` value. The SMPP 3.4 Appendix B forms (DELIVRD, UNDELIV, EXPIRED, REJECTD, DELETED,
 * UNKNOWN, ACCEPTD, ENROUTE) plus common spelled-out variants. ACCEPTD is final but says nothing about delivery,
 * so it is `unknown`; ENROUTE/SCHEDULED are intermediate and give null (not reported).
 */
export function statusFromStat(stat: string): ReceiptStatus | null {
  const value = stat.trim().toUpperCase();
  if (value === 'ENROUTE' || value === 'SCHEDULED' || value === 'BUFFERED') return null;
  if (value.startsWith('DELIV')) return 'delivered';
  if (value.startsWith('UNDELIV') || value === 'FAILED') return 'undelivered';
  if (value.startsWith('EXPIR')) return 'expired';
  if (value.startsWith('REJECT')) return 'rejected';
  return 'unknown';
}

export function statusFromMessageState(state: number): ReceiptStatus | null {
  const entry = MESSAGE_STATES.find(([value]) => value === state);
  return entry ? entry[2] : 'unknown';
}

function messageStateName(state: number): string {
  return MESSAGE_STATES.find(([value]) => value === state)?.[1] ?? `STATE_${state}`;
}

function field(text: string, pattern: RegExp): string | null {
  const match = pattern.exec(text);
  return match?.[1] ?? null;
}

/** The fields of an SMPP receipt text (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`). */
export interface ReceiptText {
  id: string | null;
  stat: string | null;
  err: string | null;
  submitDate: string | null;
  doneDate: string | null;
}

/** Parses a receipt text, case-insensitively and tolerating missing or reordered fields. */
export function parseReceiptText(text: string): ReceiptText {
  // `text:` is free text from the original message and comes last: never read fields from it.
  const textAt = text.search(/(?:^|\s)text:/i);
  const head = textAt >= 0 ? text.slice(0, textAt) : text;
  return {
    id: field(head, /(?:^|\s)id:\s*([^\s]+)/i),
    stat: field(head, /(?:^|\s)stat:\s*([A-Za-z_]+)/i),
    err: field(head, /(?:^|\s)err:\s*([^\s]+)/i),
    submitDate: field(head, /submit[ _]date:\s*(\d+)/i),
    doneDate: field(head, /done[ _]date:\s*(\d+)/i),
  };
}

function meaningfulError(code: string | null): string | null {
  if (code === null || code === '' || /^0+$/.test(code)) return null;
  return code;
}

export interface ReceiptInput {
  /** The receipt text (short_message or message_payload), '' when the PDU carries only TLVs. */
  text: string;
  receiptedMessageId: string | null;
  messageState: number | null;
  /** network_error_code TLV: network type and error code. */
  networkError: { type: number; code: number } | null;
}

/**
 * Reads a delivery receipt: TLVs receipted_message_id and message_state win when present, the text fills the
 * gaps (and gives `err:`). Returns null when no message id can be found.
 */
export function parseReceipt(input: ReceiptInput): ParsedReceipt | null {
  const text = parseReceiptText(input.text);
  const carrierRef = input.receiptedMessageId?.trim() || text.id;
  if (!carrierRef) return null;
  let status: ReceiptStatus | null;
  let state: string;
  if (input.messageState !== null) {
    status = statusFromMessageState(input.messageState);
    state = messageStateName(input.messageState);
  } else if (text.stat !== null) {
    status = statusFromStat(text.stat);
    state = text.stat.toUpperCase();
  } else {
    status = 'unknown';
    state = 'UNKNOWN';
  }
  const errorCode =
    meaningfulError(text.err) ??
    (input.networkError && input.networkError.code !== 0
      ? `${input.networkError.type}:${input.networkError.code}`
      : null);
  return { carrierRef, status, state, errorCode, submitDate: text.submitDate, doneDate: text.doneDate };
}

/**
 * How to answer a deliver_sm (receipt or MO) that could not be stored: always with a temporary error,
 * ESME_RX_T_APPN, so that the SMSC keeps it and delivers it again later, on the same bind (an answer
 * with an error never drops the session). `logAs` is `warn` when the database is away or full: that is
 * reported once by the storage itself, not once per refused PDU (a carrier retries thousands).
 */
export function refusedDelivery(error: unknown): { status: number; logAs: 'error' | 'warn' } {
  return { status: Status.ESME_RX_T_APPN, logAs: storageFault(error) ? 'warn' : 'error' };
}

export { carrierRefVariants } from '../../modules/route-port';
