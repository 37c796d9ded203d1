// The SMPP PDU codec shared by the client route, the simulator and the SMPP server: one file per protocol.
import { Buffer } from 'node:buffer';
import smpp from 'smpp';

/**
 * SMPP 3.4 on the wire, for the client side: framing, and the encoders/decoders of the PDUs an ESME exchanges.
 *
 * The `smpp` package is the SMSC simulator's codec (and names the command statuses here), but the client does not
 * use it on the wire: its decoder turns short_message into text with its own tables (dropping the octets, so UDH
 * and UCS-2 surrogates split across parts cannot be reassembled exactly), it stops reading a session for good
 * after one malformed PDU, and its generic encoder took about half of the route's CPU per message in the
 * benchmark. The handful of PDUs below are small and fixed; tests decode them with the package (an independent
 * implementation) on the simulator side.
 */

export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
} as const;

export const Status = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RMSGQFUL: 0x14,
  ESME_RTHROTTLED: 0x58,
  ESME_RX_T_APPN: 0x64,
} as const;

export const Tlv = {
  receipted_message_id: 0x001e,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  network_error_code: 0x0423,
  message_payload: 0x0424,
  message_state: 0x0427,
} as const;

export const EsmClass = {
  /** Message type bits (2–5). */
  TYPE_MASK: 0x3c,
  DELIVERY_RECEIPT: 0x04,
  INTERMEDIATE_NOTIFICATION: 0x20,
  UDH_INDICATOR: 0x40,
} as const;

/** Largest PDU accepted from a peer: a 64 KiB message_payload plus headers. */
export const MAX_PDU_LENGTH = 70_000;
const HEADER_LENGTH = 16;

const STATUS_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(smpp.errors)) {
  if (!STATUS_NAMES.has(value)) STATUS_NAMES.set(value, name);
}

/** `ESME_RTHROTTLED` for 0x58; `SMPP_0x00000400` for statuses the package does not name. */
export function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `SMPP_0x${status.toString(16).padStart(8, '0')}`;
}

export function isResponse(commandId: number): boolean {
  return (commandId & 0x80000000) !== 0;
}

const NUL = 0;

/** Checks a C-Octet String: at most `max` characters, each a single octet other than NUL. */
function checkCString(field: string, value: string, max: number): void {
  if (value.length > max) throw new RangeError(`${field} is longer than ${max} characters`);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === NUL || code > 0xff)
      throw new RangeError(`${field} contains a character that is not an octet`);
  }
}

function writeHeader(out: Buffer, commandId: number, status: number, sequence: number): number {
  out.writeUInt32BE(out.length, 0);
  out.writeUInt32BE(commandId >>> 0, 4);
  out.writeUInt32BE(status >>> 0, 8);
  out.writeUInt32BE(sequence >>> 0, 12);
  return HEADER_LENGTH;
}

function writeCString(out: Buffer, offset: number, value: string): number {
  const end = offset + out.write(value, offset, 'latin1');
  out[end] = NUL;
  return end + 1;
}

/** A PDU without a body (enquire_link, unbind, their responses, generic_nack, any error response). */
export function encodeHeaderOnly(commandId: number, sequence: number, status = 0): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH);
  writeHeader(out, commandId, status, sequence);
  return out;
}

/**
 * A response carrying one C-Octet String (message_id of submit_sm_resp/deliver_sm_resp, system_id of a bind
 * response). With a non-zero status only the header is sent, as SMPP 3.4 §4.4.2 prescribes.
 */
export function encodeStringResponse(commandId: number, sequence: number, value: string, status = 0): Buffer {
  if (status !== 0) return encodeHeaderOnly(commandId, sequence, status);
  checkCString('message_id', value, 64);
  const out = Buffer.allocUnsafe(HEADER_LENGTH + value.length + 1);
  writeCString(out, writeHeader(out, commandId, status, sequence), value);
  return out;
}

export interface BindFields {
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
  addrTon: number;
  addrNpi: number;
  addressRange: string;
}

/** bind_transmitter / bind_receiver / bind_transceiver. */
export function encodeBind(commandId: number, sequence: number, bind: BindFields): Buffer {
  checkCString('system_id', bind.systemId, 15);
  // SMPP 3.4 allows 8 characters; some SMSCs issue longer passwords and accept them.
  checkCString('password', bind.password, 64);
  checkCString('system_type', bind.systemType, 12);
  checkCString('address_range', bind.addressRange, 40);
  const length =
    HEADER_LENGTH +
    bind.systemId.length +
    bind.password.length +
    bind.systemType.length +
    bind.addressRange.length +
    7;
  const out = Buffer.allocUnsafe(length);
  let offset = writeHeader(out, commandId, 0, sequence);
  offset = writeCString(out, offset, bind.systemId);
  offset = writeCString(out, offset, bind.password);
  offset = writeCString(out, offset, bind.systemType);
  out[offset++] = bind.interfaceVersion;
  out[offset++] = bind.addrTon;
  out[offset++] = bind.addrNpi;
  writeCString(out, offset, bind.addressRange);
  return out;
}

/**
 * submit_sm or deliver_sm (they share the body layout). The sequence number can be set later with
 * {@link setSequence}, so a message is encoded (and validated) once, before it is queued.
 *
 * @throws RangeError when a field does not fit SMPP 3.4 (address over 20 characters, short_message over 254
 * octets, a TLV over 65535 octets, a non-octet character).
 */
export function encodeShortMessagePdu(commandId: number, sequence: number, pdu: ShortMessagePdu): Buffer {
  checkCString('service_type', pdu.serviceType, 5);
  checkCString('source_addr', pdu.sourceAddr, 20);
  checkCString('destination_addr', pdu.destinationAddr, 20);
  checkCString('schedule_delivery_time', pdu.scheduleDeliveryTime, 16);
  checkCString('validity_period', pdu.validityPeriod, 16);
  if (pdu.shortMessage.length > 254) throw new RangeError('short_message is longer than 254 octets');
  let length =
    HEADER_LENGTH +
    pdu.serviceType.length +
    pdu.sourceAddr.length +
    pdu.destinationAddr.length +
    pdu.scheduleDeliveryTime.length +
    pdu.validityPeriod.length +
    17 +
    pdu.shortMessage.length;
  for (const value of pdu.tlvs.values()) {
    if (value.length > 0xffff) throw new RangeError('an optional parameter is longer than 65535 octets');
    length += 4 + value.length;
  }
  const out = Buffer.allocUnsafe(length);
  let offset = writeHeader(out, commandId, 0, sequence);
  offset = writeCString(out, offset, pdu.serviceType);
  out[offset++] = pdu.sourceTon;
  out[offset++] = pdu.sourceNpi;
  offset = writeCString(out, offset, pdu.sourceAddr);
  out[offset++] = pdu.destTon;
  out[offset++] = pdu.destNpi;
  offset = writeCString(out, offset, pdu.destinationAddr);
  out[offset++] = pdu.esmClass;
  out[offset++] = pdu.protocolId;
  out[offset++] = pdu.priorityFlag;
  offset = writeCString(out, offset, pdu.scheduleDeliveryTime);
  offset = writeCString(out, offset, pdu.validityPeriod);
  out[offset++] = pdu.registeredDelivery;
  out[offset++] = pdu.replaceIfPresent;
  out[offset++] = pdu.dataCoding;
  out[offset++] = pdu.smDefaultMsgId;
  out[offset++] = pdu.shortMessage.length;
  offset += pdu.shortMessage.copy(out, offset);
  for (const [tag, value] of pdu.tlvs) {
    out.writeUInt16BE(tag, offset);
    out.writeUInt16BE(value.length, offset + 2);
    offset += 4;
    offset += value.copy(out, offset);
  }
  return out;
}

export function setSequence(pdu: Buffer, sequence: number): void {
  pdu.writeUInt32BE(sequence >>> 0, 12);
}

export function tlvOctet(value: number): Buffer {
  return Buffer.from([value & 0xff]);
}

export function tlvShort(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value & 0xffff, 0);
  return out;
}

/** A PDU the codec cannot decode; the header (and so the sequence number) was still readable. */
export class MalformedPduError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'MalformedPduError';
  }
}

/** A length prefix no PDU can have: the stream cannot be resynchronised and the connection must go. */
export class FramingError extends Error {
  constructor(readonly commandLength: number) {
    super(`impossible command_length ${commandLength}`);
    this.name = 'FramingError';
  }
}

const EMPTY = Buffer.alloc(0);

/** Cuts a TCP byte stream into PDUs by their command_length. */
export class FrameReader {
  private pending: Buffer = EMPTY;

  constructor(private readonly maxLength = MAX_PDU_LENGTH) {}

  /**
   * Adds received bytes and calls `onFrame` for every complete PDU, in order. Frames are views on the
   * received chunk: copy what must outlive the call.
   *
   * @throws FramingError on a command_length below 16 or above the maximum.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    const buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const length = buffer.readUInt32BE(offset);
      if (length < HEADER_LENGTH || length > this.maxLength) {
        this.pending = EMPTY;
        throw new FramingError(length);
      }
      if (buffer.length - offset < length) break;
      const frame = buffer.subarray(offset, offset + length);
      offset += length;
      onFrame(frame);
    }
    this.pending = offset >= buffer.length ? EMPTY : Buffer.from(buffer.subarray(offset));
  }

  reset(): void {
    this.pending = EMPTY;
  }
}

export interface PduHeader {
  length: number;
  commandId: number;
  status: number;
  sequence: number;
}

export function readHeader(frame: Buffer): PduHeader {
  return {
    length: frame.readUInt32BE(0),
    commandId: frame.readUInt32BE(4),
    status: frame.readUInt32BE(8),
    sequence: frame.readUInt32BE(12),
  };
}

/** Reads a PDU body field by field; a field that runs past the PDU throws {@link MalformedPduError}. */
export class Cursor {
  constructor(
    private readonly buffer: Buffer,
    public offset: number,
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  u8(field: string): number {
    if (this.offset >= this.end) throw new MalformedPduError(`${field}: PDU ends early`);
    return this.buffer[this.offset++]!;
  }

  u16(field: string): number {
    if (this.offset + 2 > this.end) throw new MalformedPduError(`${field}: PDU ends early`);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  cstring(field: string, maxLength: number): string {
    const limit = Math.min(this.end, this.offset + maxLength + 1);
    const nul = this.buffer.indexOf(0, this.offset);
    if (nul < 0 || nul >= limit) throw new MalformedPduError(`${field}: missing NUL terminator`);
    const value = this.buffer.toString('latin1', this.offset, nul);
    this.offset = nul + 1;
    return value;
  }

  bytes(field: string, length: number): Buffer {
    if (this.offset + length > this.end) throw new MalformedPduError(`${field}: PDU ends early`);
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

/** A cursor on the body of `frame` (after its 16-octet header, up to its command_length). */
export function bodyCursor(frame: Buffer): Cursor {
  return new Cursor(frame, HEADER_LENGTH, Math.min(frame.length, frame.readUInt32BE(0)));
}

/** The optional parameters (TLVs) from the cursor to the end of the PDU, values copied out of the frame. */
export function readTlvs(c: Cursor): Map<number, Buffer> {
  const tlvs = new Map<number, Buffer>();
  while (c.remaining > 0) {
    const tag = c.u16('tlv tag');
    const length = c.u16('tlv length');
    tlvs.set(tag, Buffer.from(c.bytes(`tlv 0x${tag.toString(16)}`, length)));
  }
  return tlvs;
}

/** The body shared by submit_sm and deliver_sm, with the message octets exactly as sent. */
export interface ShortMessagePdu {
  serviceType: string;
  sourceTon: number;
  sourceNpi: number;
  sourceAddr: string;
  destTon: number;
  destNpi: number;
  destinationAddr: string;
  esmClass: number;
  protocolId: number;
  priorityFlag: number;
  scheduleDeliveryTime: string;
  validityPeriod: string;
  registeredDelivery: number;
  replaceIfPresent: number;
  dataCoding: number;
  smDefaultMsgId: number;
  /** short_message octets (including any UDH), copied out of the frame. */
  shortMessage: Buffer;
  /** Optional parameters by tag, values copied out of the frame. */
  tlvs: Map<number, Buffer>;
}

/**
 * Decodes the body of a submit_sm or deliver_sm frame.
 *
 * @throws MalformedPduError when a field runs past the end of the PDU.
 */
export function decodeShortMessagePdu(frame: Buffer): ShortMessagePdu {
  const c = bodyCursor(frame);
  const head = readAddressing(c);
  const protocolId = c.u8('protocol_id');
  const priorityFlag = c.u8('priority_flag');
  const scheduleDeliveryTime = c.cstring('schedule_delivery_time', 16);
  const validityPeriod = c.cstring('validity_period', 16);
  const registeredDelivery = c.u8('registered_delivery');
  const replaceIfPresent = c.u8('replace_if_present_flag');
  const dataCoding = c.u8('data_coding');
  const smDefaultMsgId = c.u8('sm_default_msg_id');
  const smLength = c.u8('sm_length');
  const shortMessage = Buffer.from(c.bytes('short_message', smLength));
  const tlvs = readTlvs(c);
  return {
    ...head,
    protocolId,
    priorityFlag,
    scheduleDeliveryTime,
    validityPeriod,
    registeredDelivery,
    replaceIfPresent,
    dataCoding,
    smDefaultMsgId,
    shortMessage,
    tlvs,
  };
}

/** The fields submit_sm, deliver_sm and data_sm begin with: service_type, both addresses, esm_class. */
export function readAddressing(
  c: Cursor,
): Pick<
  ShortMessagePdu,
  | 'serviceType'
  | 'sourceTon'
  | 'sourceNpi'
  | 'sourceAddr'
  | 'destTon'
  | 'destNpi'
  | 'destinationAddr'
  | 'esmClass'
> {
  return {
    serviceType: c.cstring('service_type', 5),
    sourceTon: c.u8('source_addr_ton'),
    sourceNpi: c.u8('source_addr_npi'),
    sourceAddr: c.cstring('source_addr', 64),
    destTon: c.u8('dest_addr_ton'),
    destNpi: c.u8('dest_addr_npi'),
    destinationAddr: c.cstring('destination_addr', 64),
    esmClass: c.u8('esm_class'),
  };
}

/** The message_id of a submit_sm_resp / deliver_sm_resp frame ('' when absent). */
export function readMessageId(frame: Buffer): string {
  const end = Math.min(frame.length, frame.readUInt32BE(0));
  if (end <= HEADER_LENGTH) return '';
  const nul = frame.indexOf(0, HEADER_LENGTH);
  return frame.toString('latin1', HEADER_LENGTH, nul < 0 || nul > end ? end : nul);
}

export function tlvU8(tlvs: Map<number, Buffer>, tag: number): number | null {
  const value = tlvs.get(tag);
  return value && value.length >= 1 ? value[0]! : null;
}

export function tlvU16(tlvs: Map<number, Buffer>, tag: number): number | null {
  const value = tlvs.get(tag);
  if (!value || value.length === 0) return null;
  return value.length >= 2 ? value.readUInt16BE(0) : value[0]!;
}

/** A C-octet-string TLV value without its NUL terminator. */
export function tlvCString(tlvs: Map<number, Buffer>, tag: number): string | null {
  const value = tlvs.get(tag);
  if (!value) return null;
  const nul = value.indexOf(0);
  return value.toString('latin1', 0, nul < 0 ? value.length : nul);
}
