/**
 * The SMPP server's side of the wire: decoding binds and submit_sm into a message, SMPP times, encoding the
 * PDUs it answers and sends, and the mapping of the accept path's error codes to command_status values.
 * Framing and the submit_sm/deliver_sm body layout are shared with the SMPP client (../smpp/wire.ts).
 */
import { Buffer } from 'node:buffer';
import { type ConcatInfo, encodeGsm7, encodeUcs2, isGsm7 } from '../../modules/codec';
import type { SmppDelivery } from '../../modules/smpp-accounts';
import { sourceAddress, Ton } from '../smpp/addressing';
import { decodeMoText, moPayload } from '../smpp/mo';
import {
  bodyCursor,
  CommandId,
  encodeShortMessagePdu,
  readAddressing,
  readTlvs,
  type ShortMessagePdu,
  Status,
  Tlv,
  tlvOctet,
} from '../smpp/wire';

/** command_status values the server answers with (SMPP 3.4 §5.1.3). */
export const ServerCommandId = {
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

export const ServerStatus = {
  ...Status,
  ESME_RALYBND: 0x05,
  ESME_RINVMSGID: 0x0c,
  ESME_RCANCELFAIL: 0x11,
  ESME_RQUERYFAIL: 0x67,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RINVSCHED: 0x61,
  ESME_RINVEXPIRY: 0x62,
} as const;

export const BIND_MODES = {
  [CommandId.bind_transmitter]: 'transmitter',
  [CommandId.bind_receiver]: 'receiver',
  [CommandId.bind_transceiver]: 'transceiver',
} as const satisfies Record<number, string>;
export type BindMode = (typeof BIND_MODES)[keyof typeof BIND_MODES];

export interface BindRequest {
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
}

/** The fields of a bind_* body that matter here (address_range is not used for routing MO). */
export function decodeBind(frame: Buffer): BindRequest {
  const r = bodyCursor(frame);
  const systemId = r.cstring('system_id', 15);
  // SMPP 3.4 says 8 characters; some clients send longer passwords and are refused by the check, not here.
  const password = r.cstring('password', 64);
  const systemType = r.cstring('system_type', 12);
  return { systemId, password, systemType, interfaceVersion: r.u8('interface_version') };
}

/** The message_id of a query_sm (§4.8.1) or cancel_sm (§4.9.1; after its service_type). */
export function decodeMessageRef(frame: Buffer, cancel: boolean): string {
  const r = bodyCursor(frame);
  if (cancel) r.cstring('service_type', 5);
  return r.cstring('message_id', 64);
}

/**
 * A data_sm (§4.7.1) in the shape of a submit_sm: its text comes in message_payload (or, where a client
 * splits it, in parts with SAR TLVs), so short_message stays empty and the rest reads the same.
 */
export function decodeDataSm(frame: Buffer): ShortMessagePdu {
  const c = bodyCursor(frame);
  const head = readAddressing(c);
  const registeredDelivery = c.u8('registered_delivery');
  const dataCoding = c.u8('data_coding');
  return {
    ...head,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: '',
    validityPeriod: '',
    registeredDelivery,
    replaceIfPresent: 0,
    dataCoding,
    smDefaultMsgId: 0,
    shortMessage: Buffer.alloc(0),
    tlvs: readTlvs(c),
  };
}

/** query_sm_resp (§4.8.2): message_id, final_date, message_state, error_code. */
export function encodeQueryResponse(
  sequence: number,
  answer: { messageId: string; finalDate: string; state: number; errorCode: number },
): Buffer {
  const body = Buffer.concat([
    Buffer.from(`${answer.messageId}\0${answer.finalDate}\0`, 'latin1'),
    Buffer.from([answer.state, answer.errorCode & 0xff]),
  ]);
  return withHeader(ServerCommandId.query_sm_resp, 0, sequence, body);
}

/** A PDU of a header and `body`. */
function withHeader(commandId: number, status: number, sequence: number, body: Buffer): Buffer {
  const out = Buffer.alloc(16 + body.length);
  out.writeUInt32BE(out.length, 0);
  out.writeUInt32BE(commandId >>> 0, 4);
  out.writeUInt32BE(status >>> 0, 8);
  out.writeUInt32BE(sequence >>> 0, 12);
  body.copy(out, 16);
  return out;
}

/** bind_*_resp with our system_id and the sc_interface_version TLV (3.4) of §4.1.2. */
export function encodeBindResponse(
  commandId: number,
  sequence: number,
  status: number,
  systemId: string,
): Buffer {
  const body =
    status === 0
      ? Buffer.concat([Buffer.from(`${systemId}\0`, 'latin1'), Buffer.from([0x02, 0x10, 0x00, 0x01, 0x34])])
      : Buffer.alloc(0);
  return withHeader(commandId, status, sequence, body);
}

/** A submit_sm read for the accept path: addresses as the platform writes them, and the text octets. */
export interface Submission {
  to: string;
  from: string | undefined;
  /** The decoded text of this PDU (a part's text when `concat` is set). */
  body: Buffer;
  dataCoding: number;
  concat: ConcatInfo | null;
  registeredDelivery: number;
  sendAt: number | null;
  validUntil: number | null;
}

/** A destination as E.164: international numbers (TON 1, or digits, `+` or `00` first) get their `+`. */
export function recipientOf(addr: string, ton: number): string {
  const a = addr.trim();
  if (/^\+\d+$/.test(a)) return a;
  if (/^00\d+$/.test(a)) return `+${a.slice(2)}`;
  if (/^\d+$/.test(a) && (ton === Ton.INTERNATIONAL || ton === Ton.UNKNOWN)) return `+${a}`;
  return a;
}

/** A source address as a sender id: an alphanumeric name as is, an international number with its `+`. */
export function senderOf(addr: string, ton: number): string | undefined {
  const a = addr.trim();
  if (a === '') return undefined;
  if (ton === Ton.INTERNATIONAL && /^\d+$/.test(a)) return `+${a}`;
  return a;
}

/**
 * An SMPP time (§7.1.1): absolute `YYMMDDhhmmsstnnp` (`nn` quarter hours from UTC, `p` `+`/`-`) or relative
 * `YYMMDDhhmmss000R` (added to now). Empty: null.
 *
 * @throws RangeError for any other form.
 */
export function parseSmppTime(value: string, now: number): number | null {
  if (value === '') return null;
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/.exec(value);
  if (!m) throw new RangeError('not an SMPP time');
  const [yy = 0, mo = 0, dd = 0, hh = 0, mi = 0, ss = 0, t = 0, nn = 0] = m.slice(1, 9).map(Number);
  const p = m[9];
  if (p === 'R') {
    // Relative: years and months as 365 and 30 days (the spec leaves them to the SMSC).
    const seconds = (((yy * 365 + mo * 30 + dd) * 24 + hh) * 60 + mi) * 60 + ss;
    return now + seconds * 1000;
  }
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59 || nn > 48)
    throw new RangeError('not an SMPP time');
  const local = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss, t * 100);
  const offset = nn * 15 * 60_000;
  return p === '+' ? local - offset : local + offset;
}

/**
 * Reads a submit_sm body (decoded by the shared codec) into a {@link Submission}: message_payload in place of
 * short_message, a UDH (8- or 16-bit concatenation reference) or SAR TLVs for a part of a longer message.
 *
 * @throws RangeError with the status to answer for a bad time.
 */
export function readSubmission(pdu: ShortMessagePdu, now: number): Submission | { status: number } {
  let sendAt: number | null;
  let validUntil: number | null;
  try {
    sendAt = parseSmppTime(pdu.scheduleDeliveryTime, now);
  } catch {
    return { status: ServerStatus.ESME_RINVSCHED };
  }
  try {
    validUntil = parseSmppTime(pdu.validityPeriod, now);
  } catch {
    return { status: ServerStatus.ESME_RINVEXPIRY };
  }
  const payload = moPayload(pdu);
  return {
    to: recipientOf(pdu.destinationAddr, pdu.destTon),
    from: senderOf(pdu.sourceAddr, pdu.sourceTon),
    body: payload.body,
    dataCoding: pdu.dataCoding,
    concat: payload.concat,
    registeredDelivery: pdu.registeredDelivery,
    sendAt,
    validUntil,
  };
}

/** Text octets as the platform's text (GSM-7 unpacked, UCS-2, Latin-1 and the other §5.2.19 codings). */
export function textOf(body: Buffer, dataCoding: number): string {
  return decodeMoText(body, dataCoding);
}

/**
 * The command_status for an error of the accept path. Invalid numbers and senders, length and schedule
 * problems have their own statuses; refusals that retrying will not fix (no credit, a suspended account, a
 * restricted recipient) answer ESME_RSUBMITFAIL; a database that is briefly away answers ESME_RMSGQFUL,
 * which clients retry.
 */
export function statusOfError(code: string | null): number {
  switch (code) {
    case 'invalid_phone_number':
    case 'invalid_country':
      return ServerStatus.ESME_RINVDSTADR;
    case 'invalid_sender_id':
      return ServerStatus.ESME_RINVSRCADR;
    case 'message_too_long':
    case 'empty_message':
      return ServerStatus.ESME_RINVMSGLEN;
    case 'invalid_schedule':
      return ServerStatus.ESME_RINVSCHED;
    case 'database_unavailable':
    case 'storage_full':
      return ServerStatus.ESME_RMSGQFUL;
    case null:
      return ServerStatus.ESME_RSYSERR;
    default:
      return ServerStatus.ESME_RSUBMITFAIL;
  }
}

/** The deliver_sm of a receipt (esm_class 0x04, receipted_message_id, message_state) or of an MO message. */
export function encodeDelivery(delivery: SmppDelivery, sequence: number): Buffer {
  const source = sourceAddress(delivery.sourceAddr);
  const dest = sourceAddress(delivery.destAddr);
  const tlvs = new Map<number, Buffer>();
  let shortMessage: Buffer;
  let dataCoding = 0x00;
  let esmClass = 0x00;
  if (delivery.receipt) {
    esmClass = 0x04;
    // The text is ASCII; Latin-1 (0x03) says so to every decoder, where 0x00 would mean GSM-7 and turn
    // the `_` of our ids into `§`.
    dataCoding = 0x03;
    shortMessage = Buffer.from(delivery.text, 'latin1').subarray(0, 254);
    tlvs.set(Tlv.receipted_message_id, Buffer.from(`${delivery.receipt.messageId}\0`, 'latin1'));
    tlvs.set(Tlv.message_state, tlvOctet(delivery.receipt.state));
  } else {
    const gsm = isGsm7(delivery.text);
    dataCoding = gsm ? 0x00 : 0x08;
    const octets = gsm ? encodeGsm7(delivery.text) : encodeUcs2(delivery.text);
    // A reply longer than one PDU's 254 octets goes whole in message_payload (SMPP 3.4 §5.3.2.32).
    if (octets.length <= 254) shortMessage = Buffer.from(octets);
    else {
      shortMessage = Buffer.alloc(0);
      tlvs.set(Tlv.message_payload, Buffer.from(octets));
    }
  }
  const pdu: ShortMessagePdu = {
    serviceType: '',
    sourceTon: source.ton,
    sourceNpi: source.npi,
    sourceAddr: source.addr,
    destTon: dest.ton,
    destNpi: dest.npi,
    destinationAddr: dest.addr,
    esmClass,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: '',
    validityPeriod: '',
    registeredDelivery: 0,
    replaceIfPresent: 0,
    dataCoding,
    smDefaultMsgId: 0,
    shortMessage,
    tlvs,
  };
  return encodeShortMessagePdu(CommandId.deliver_sm, sequence, pdu);
}
