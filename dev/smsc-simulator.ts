import { Buffer } from 'node:buffer';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import smpp from 'smpp';
import { sourceAddress } from '../src/adapters/smpp/addressing';
import {
  decodeShortMessagePdu,
  EsmClass,
  type ShortMessagePdu,
  Status,
  Tlv,
} from '../src/adapters/smpp/wire';
import { analyzeText, encodeGsm7, encodeUcs2, type SmsEncoding, splitSegments } from '../src/modules/codec';

/**
 * An SMSC for tests and benchmarks, on the `smpp` package's server: binds (checking credentials), answers
 * submit_sm with generated message ids, sends delivery receipts (as text and TLVs), and can misbehave on
 * demand — throttle, fail with a given status, stop answering, reset connections with PDUs in flight, send
 * malformed PDUs — and send mobile-originated messages, single or concatenated.
 */

export type ReceiptStat =
  | 'DELIVRD'
  | 'UNDELIV'
  | 'EXPIRED'
  | 'REJECTD'
  | 'DELETED'
  | 'UNKNOWN'
  | 'ACCEPTD'
  | 'ENROUTE';

const MESSAGE_STATE: Record<ReceiptStat, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** A submit_sm as the simulator received it, message octets exactly as sent. */
export interface ReceivedSubmit extends ShortMessagePdu {
  /** performance.now() on arrival. */
  at: number;
  /** Simulator connection number. */
  session: number;
  sequence: number;
  /** The whole PDU. */
  frame: Buffer;
  /** The id answered in submit_sm_resp (null when not answered or answered with an error). */
  messageId: string | null;
  /** The command_status answered (null while unanswered). */
  status: number | null;
}

export interface BindAttempt {
  at: number;
  session: number;
  command: string;
  systemId: string;
  ok: boolean;
}

/** A PDU from a client other than submit_sm / bind (responses, enquire_link, unbind, generic_nack, ...). */
export interface ReceivedPdu {
  at: number;
  session: number;
  command: string;
  commandId: number;
  status: number;
  sequence: number;
}

/** A deliver_sm the simulator sent, and how the client answered it. */
export interface DeliveryRecord {
  kind: 'receipt' | 'mo' | 'custom';
  session: number;
  sentAt: number;
  /** performance.now() of the deliver_sm_resp (null until answered). */
  ackAt: number | null;
  ackStatus: number | null;
}

export interface SmscBehaviour {
  /** Answer submit_sm at all (false = stop answering, as a hung SMSC does). */
  respond: boolean;
  responseDelayMs: number;
  receipts: boolean;
  receiptDelayMs: number;
  /** Where the receipt carries its id and state. */
  receiptFormat: 'text' | 'tlv' | 'both';
  /** Send the receipt before the submit_sm_resp. */
  receiptBeforeResponse: boolean;
  receiptStat: (submit: ReceivedSubmit) => ReceiptStat;
  /** Answer every Nth submit_sm with ESME_RTHROTTLED (0 = never). */
  throttleEvery: number;
  /** A command_status to answer a submit_sm with, or null to accept it. */
  failWith: (submit: ReceivedSubmit) => number | null;
  /** Message ids in hex in submit_sm_resp and the TLV, in decimal in the receipt text. */
  hexIds: boolean;
  /** Reset every connection when this many more submit_sm have arrived (0 = never; fires once). */
  dropAfter: number;
  /** Keep every submit_sm in `submits` (turn off for long benchmarks). */
  recordSubmits: boolean;
  /** Accept at most this many submit_sm in any one second, answering ESME_RTHROTTLED beyond (0 = no limit). */
  maxPerSecond: number;
  /** Send a receipt again (on the next bind) when its connection closes before acknowledging it, as SMSCs do. */
  redeliverReceipts: boolean;
}

export interface SmscSimulatorOptions extends Partial<SmscBehaviour> {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  systemId: string;
  password: string;
}

export interface MoOptions {
  /** Default: GSM-7 when the text allows, else UCS-2. */
  encoding?: SmsEncoding;
  /** How a multipart message is concatenated (default udh8). */
  concat?: 'udh8' | 'udh16' | 'sar' | 'payload';
  reference?: number;
}

export interface SmscSimulator {
  readonly port: number;
  readonly submits: ReceivedSubmit[];
  readonly binds: BindAttempt[];
  readonly received: ReceivedPdu[];
  readonly deliveries: DeliveryRecord[];
  /** Fields of a submit_sm on which the `smpp` package's decoder and the raw decoding disagree (should stay empty). */
  readonly protocolErrors: string[];
  /** submit_sm received since start (also when not recorded). */
  submitCount(): number;
  boundSessions(): number;
  /** Sends a mobile-originated message; resolves to the deliver_sm_resp status of each part. */
  sendMo(from: string, to: string, text: string, options?: MoOptions): Promise<number[]>;
  /** Sends a deliver_sm with the given fields (SMPP names) to a receiving session; resolves to its resp status. */
  sendDeliverSm(fields: smpp.PduOptions): Promise<number>;
  /** Writes raw bytes to every bound connection. */
  sendRaw(bytes: Buffer): void;
  /** Resets (TCP RST) every connection. */
  dropConnections(): void;
  setBehaviour(patch: Partial<SmscBehaviour>): void;
  stop(): Promise<void>;
}

interface Connection {
  id: number;
  session: smpp.Session;
  bound: 'transceiver' | 'transmitter' | 'receiver' | null;
  /** The last complete PDU read by the library (see `tapFrames`). */
  lastFrame: Buffer | null;
  corked: boolean;
}

/** Sends through the library, corking the socket for the rest of the tick so bursts share a write. */
function send(connection: Connection, pdu: smpp.PDU, onResponse?: (response: smpp.PDU) => void): boolean {
  const socket = connection.session.socket;
  if (!connection.corked && socket.writable) {
    connection.corked = true;
    socket.cork();
    process.nextTick(() => {
      connection.corked = false;
      socket.uncork();
    });
  }
  return connection.session.send(pdu, onResponse);
}

const ACK_TIMEOUT_MS = 15_000;

const DEFAULT_BEHAVIOUR: SmscBehaviour = {
  respond: true,
  responseDelayMs: 0,
  receipts: true,
  receiptDelayMs: 0,
  receiptFormat: 'both',
  receiptBeforeResponse: false,
  receiptStat: () => 'DELIVRD',
  throttleEvery: 0,
  failWith: () => null,
  hexIds: false,
  dropAfter: 0,
  recordSubmits: true,
  maxPerSecond: 0,
  redeliverReceipts: false,
};

let dateCache = { minute: -1, text: '' };

function smppDate(ms: number): string {
  const minute = Math.floor(ms / 60_000);
  if (dateCache.minute === minute) return dateCache.text;
  const date = new Date(ms);
  const pad = (value: number) => value.toString().padStart(2, '0');
  const text =
    pad(date.getUTCFullYear() % 100) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes());
  dateCache = { minute, text };
  return text;
}

/** Field pairs read both by the `smpp` package and by `decodeShortMessagePdu`. */
const CROSS_CHECKED: ReadonlyArray<readonly [library: string, raw: keyof ShortMessagePdu]> = [
  ['service_type', 'serviceType'],
  ['source_addr_ton', 'sourceTon'],
  ['source_addr_npi', 'sourceNpi'],
  ['source_addr', 'sourceAddr'],
  ['dest_addr_ton', 'destTon'],
  ['dest_addr_npi', 'destNpi'],
  ['destination_addr', 'destinationAddr'],
  ['esm_class', 'esmClass'],
  ['registered_delivery', 'registeredDelivery'],
  ['data_coding', 'dataCoding'],
];

/** The package decodes every PDU independently of the raw decoding used here: both must agree. */
function checkAgainstLibrary(pdu: smpp.PDU, raw: ShortMessagePdu, errors: string[]): void {
  for (const [library, field] of CROSS_CHECKED) {
    if (pdu[library] !== raw[field]) {
      errors.push(`${library}: package read ${String(pdu[library])}, raw ${String(raw[field])}`);
    }
  }
  const sar: [string, number][] = [
    ['sar_msg_ref_num', Tlv.sar_msg_ref_num],
    ['sar_total_segments', Tlv.sar_total_segments],
    ['sar_segment_seqnum', Tlv.sar_segment_seqnum],
  ];
  for (const [name, tag] of sar) {
    const value = raw.tlvs.get(tag);
    const rawValue = value ? (value.length === 2 ? value.readUInt16BE(0) : value[0]) : undefined;
    if (pdu[name] !== rawValue) errors.push(`${name}: package read ${String(pdu[name])}, raw ${rawValue}`);
  }
  const message = pdu.short_message as { udh?: Buffer[] } | undefined;
  const udhi = (raw.esmClass & EsmClass.UDH_INDICATOR) !== 0 && raw.shortMessage.length > 0;
  if (udhi && !message?.udh?.length) errors.push('short_message: package found no UDH');
}

/**
 * The library reads each PDU as two `read()` calls (4 length bytes, then the rest); with a 'data' listener next
 * to its 'readable' one, Node emits both chunks, so the raw PDU is known when the library emits it — the package
 * itself only exposes short_message decoded to text.
 */
function tapFrames(connection: Connection): void {
  let lengthBytes: Buffer | null = null;
  connection.session.socket.on('data', (chunk: Buffer) => {
    if (lengthBytes === null && chunk.length === 4) {
      lengthBytes = chunk;
      return;
    }
    connection.lastFrame = lengthBytes ? Buffer.concat([lengthBytes, chunk]) : chunk;
    lengthBytes = null;
  });
}

export async function startSmscSimulator(options: SmscSimulatorOptions): Promise<SmscSimulator> {
  const { systemId, password } = options;
  const behaviour: SmscBehaviour = { ...DEFAULT_BEHAVIOUR };
  for (const key of Object.keys(DEFAULT_BEHAVIOUR) as (keyof SmscBehaviour)[]) {
    if (options[key] !== undefined) Object.assign(behaviour, { [key]: options[key] });
  }
  const connections = new Set<Connection>();
  const submits: ReceivedSubmit[] = [];
  const binds: BindAttempt[] = [];
  const received: ReceivedPdu[] = [];
  const deliveries: DeliveryRecord[] = [];
  const protocolErrors: string[] = [];
  const pendingReceipts: smpp.PduOptions[] = [];
  // Receipts sent and not yet acknowledged, per connection (only with redeliverReceipts).
  const unackedReceipts = new Map<Connection, Set<smpp.PduOptions>>();
  // Arrival times of the submits accepted within the last second (only with maxPerSecond).
  const acceptedAt: number[] = [];
  let nextConnection = 1;
  let nextMessageId = 1_000_000;
  let submitTotal = 0;
  let dropCountdown = behaviour.dropAfter;
  let receiverCursor = 0;

  const receivers = (): Connection[] =>
    [...connections].filter((c) => c.bound === 'transceiver' || c.bound === 'receiver');

  function pickReceiver(preferred?: Connection): Connection | null {
    if (preferred && preferred.bound === 'transceiver') return preferred;
    const list = receivers();
    if (list.length === 0) return null;
    receiverCursor = (receiverCursor + 1) % list.length;
    return list[receiverCursor]!;
  }

  /** Sends a deliver_sm and records how it is answered; `onAck` gets the resp status. */
  function deliver(
    connection: Connection,
    kind: DeliveryRecord['kind'],
    fields: smpp.PduOptions,
    onAck?: (status: number) => void,
  ): boolean {
    const record: DeliveryRecord = {
      kind,
      session: connection.id,
      sentAt: performance.now(),
      ackAt: null,
      ackStatus: null,
    };
    deliveries.push(record);
    return send(connection, new smpp.PDU('deliver_sm', fields), (response) => {
      record.ackAt = performance.now();
      record.ackStatus = response.command_status;
      onAck?.(response.command_status);
    });
  }

  function deliverAndWait(
    connection: Connection,
    kind: DeliveryRecord['kind'],
    fields: smpp.PduOptions,
  ): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('deliver_sm not acknowledged')), ACK_TIMEOUT_MS);
      timer.unref();
      const sent = deliver(connection, kind, fields, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new Error('connection not writable'));
      }
    });
  }

  function sendReceipt(
    submit: ReceivedSubmit,
    origin: Connection,
    responseId: string,
    numericId: number,
  ): void {
    const stat = behaviour.receiptStat(submit);
    const now = Date.now();
    const textId = behaviour.hexIds ? numericId.toString(10) : responseId;
    const delivered = stat === 'DELIVRD';
    const text =
      `id:${textId} sub:001 dlvrd:${delivered ? '001' : '000'} submit date:${smppDate(now)} ` +
      `done date:${smppDate(now)} stat:${stat} err:${delivered ? '000' : '001'} text:`;
    const fields: smpp.PduOptions = {
      service_type: '',
      source_addr_ton: submit.destTon,
      source_addr_npi: submit.destNpi,
      source_addr: submit.destinationAddr,
      dest_addr_ton: submit.sourceTon,
      dest_addr_npi: submit.sourceNpi,
      destination_addr: submit.sourceAddr,
      esm_class: EsmClass.DELIVERY_RECEIPT,
      data_coding: 0,
      short_message: behaviour.receiptFormat === 'tlv' ? Buffer.alloc(0) : Buffer.from(text, 'latin1'),
    };
    if (behaviour.receiptFormat !== 'text') {
      fields.receipted_message_id = responseId;
      fields.message_state = MESSAGE_STATE[stat];
    }
    const target = pickReceiver(origin);
    if (!target) {
      pendingReceipts.push(fields);
      return;
    }
    deliverReceipt(target, fields);
  }

  /** Sends a receipt; false when the connection could not take it (it is then pending again). */
  function deliverReceipt(target: Connection, fields: smpp.PduOptions): boolean {
    if (!behaviour.redeliverReceipts) {
      deliver(target, 'receipt', fields);
      return true;
    }
    let unacked = unackedReceipts.get(target);
    if (!unacked) {
      unacked = new Set();
      unackedReceipts.set(target, unacked);
    }
    const pending = unacked;
    pending.add(fields);
    const sent = deliver(target, 'receipt', fields, () => pending.delete(fields));
    if (!sent) {
      pending.delete(fields);
      pendingReceipts.push(fields);
    }
    return sent;
  }

  function flushPendingReceipts(): void {
    while (pendingReceipts.length > 0) {
      const target = pickReceiver();
      if (!target) return;
      // A receiver that cannot take one now (its socket is closing: the gateway died) gets none of the
      // rest either; they wait for the next bind. Retrying here would spin forever.
      if (!deliverReceipt(target, pendingReceipts.shift()!)) return;
    }
  }

  function dropAll(): void {
    for (const connection of connections) {
      connection.bound = null;
      connection.session.socket.resetAndDestroy();
    }
  }

  function onSubmit(connection: Connection, pdu: smpp.PDU): void {
    const frame = connection.lastFrame;
    if (
      !frame ||
      frame.readUInt32BE(4) !== pdu.command_id ||
      frame.readUInt32BE(12) !== pdu.sequence_number
    ) {
      throw new Error('simulator lost track of the raw PDU');
    }
    const extra: Omit<ReceivedSubmit, keyof ShortMessagePdu> = {
      at: performance.now(),
      session: connection.id,
      sequence: pdu.sequence_number,
      frame,
      messageId: null,
      status: null,
    };
    const submit: ReceivedSubmit = Object.assign(decodeShortMessagePdu(frame), extra);
    checkAgainstLibrary(pdu, submit, protocolErrors);
    submitTotal++;
    if (behaviour.recordSubmits) submits.push(submit);
    if (dropCountdown > 0) {
      dropCountdown--;
      if (dropCountdown === 0) {
        behaviour.dropAfter = 0;
        dropAll();
        return;
      }
    }
    if (!behaviour.respond) return;
    if (connection.bound !== 'transceiver' && connection.bound !== 'transmitter') {
      submit.status = Status.ESME_RINVBNDSTS;
      send(connection, pdu.response({ command_status: Status.ESME_RINVBNDSTS }));
      return;
    }
    let status = 0;
    if (behaviour.maxPerSecond > 0) {
      while (acceptedAt.length > 0 && acceptedAt[0]! <= submit.at - 1000) acceptedAt.shift();
    }
    if (behaviour.throttleEvery > 0 && submitTotal % behaviour.throttleEvery === 0) {
      status = Status.ESME_RTHROTTLED;
    } else if (behaviour.maxPerSecond > 0 && acceptedAt.length >= behaviour.maxPerSecond) {
      status = Status.ESME_RTHROTTLED;
    } else {
      status = behaviour.failWith(submit) ?? 0;
      if (status === 0 && behaviour.maxPerSecond > 0) acceptedAt.push(submit.at);
    }
    if (behaviour.responseDelayMs > 0) {
      setTimeout(answerSubmit, behaviour.responseDelayMs, connection, pdu, submit, status);
    } else {
      answerSubmit(connection, pdu, submit, status);
    }
  }

  /** Receipts due now go out together on the next turn of the event loop, in one write per connection. */
  const receiptBatch: [ReceivedSubmit, Connection, string, number][] = [];

  function queueReceipt(
    submit: ReceivedSubmit,
    origin: Connection,
    responseId: string,
    numericId: number,
  ): void {
    if (receiptBatch.length === 0) {
      setImmediate(() => {
        for (const args of receiptBatch.splice(0)) sendReceipt(...args);
      });
    }
    receiptBatch.push([submit, origin, responseId, numericId]);
  }

  function answerSubmit(connection: Connection, pdu: smpp.PDU, submit: ReceivedSubmit, status: number): void {
    if (status !== 0) {
      submit.status = status;
      send(connection, pdu.response({ command_status: status }));
      return;
    }
    const numericId = nextMessageId++;
    const responseId = behaviour.hexIds ? numericId.toString(16).toUpperCase() : numericId.toString(10);
    submit.messageId = responseId;
    submit.status = 0;
    const wantsReceipt = behaviour.receipts && (submit.registeredDelivery & 0x03) !== 0;
    if (wantsReceipt && behaviour.receiptBeforeResponse)
      sendReceipt(submit, connection, responseId, numericId);
    send(connection, pdu.response({ message_id: responseId }));
    if (wantsReceipt && !behaviour.receiptBeforeResponse) {
      const delay = behaviour.receiptDelayMs;
      if (delay > 0) setTimeout(sendReceipt, delay, submit, connection, responseId, numericId);
      else queueReceipt(submit, connection, responseId, numericId);
    }
  }

  function onPdu(connection: Connection, pdu: smpp.PDU): void {
    const command = pdu.command;
    if (command === 'bind_transceiver' || command === 'bind_transmitter' || command === 'bind_receiver') {
      const ok = pdu.system_id === systemId && pdu.password === password;
      binds.push({
        at: performance.now(),
        session: connection.id,
        command,
        systemId: String(pdu.system_id),
        ok,
      });
      if (connection.bound) {
        send(connection, pdu.response({ command_status: smpp.errors.ESME_RALYBND ?? 0x05 }));
      } else if (!ok) {
        send(connection, pdu.response({ command_status: Status.ESME_RBINDFAIL }));
      } else {
        connection.bound = command.slice('bind_'.length) as Connection['bound'];
        send(connection, pdu.response({ system_id: 'SMSCSIM' }));
        flushPendingReceipts();
      }
      return;
    }
    if (command === 'submit_sm') {
      onSubmit(connection, pdu);
      return;
    }
    received.push({
      at: performance.now(),
      session: connection.id,
      command,
      commandId: pdu.command_id,
      status: pdu.command_status,
      sequence: pdu.sequence_number,
    });
    if (command === 'enquire_link') {
      send(connection, pdu.response());
    } else if (command === 'unbind') {
      connection.bound = null;
      connection.session.send(pdu.response(), () => connection.session.close());
    } else if (!pdu.isResponse()) {
      send(connection, pdu.response({ command_status: Status.ESME_RINVCMDID }));
    }
  }

  const server = smpp.createServer((session) => {
    const connection: Connection = {
      id: nextConnection++,
      session,
      bound: null,
      lastFrame: null,
      corked: false,
    };
    connections.add(connection);
    tapFrames(connection);
    session.on('pdu', (pdu: smpp.PDU) => {
      try {
        onPdu(connection, pdu);
      } catch {
        session.destroy();
      }
    });
    // The library stops reading a session after a decode error: drop it.
    session.on('error', () => session.destroy());
    session.on('close', () => {
      connection.bound = null;
      connections.delete(connection);
      const unacked = unackedReceipts.get(connection);
      unackedReceipts.delete(connection);
      if (unacked && unacked.size > 0) {
        pendingReceipts.push(...unacked);
        flushPendingReceipts();
      }
    });
  });
  server.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  function moParts(from: string, to: string, text: string, mo: MoOptions): smpp.PduOptions[] {
    const encoding = mo.encoding ?? analyzeText(text).encoding;
    const ucs2 = encoding === 'UCS-2';
    const encode = (part: string) => (ucs2 ? encodeUcs2(part) : encodeGsm7(part));
    const source = sourceAddress(from);
    const destination = sourceAddress(to);
    const base: smpp.PduOptions = {
      service_type: '',
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      source_addr: source.addr,
      dest_addr_ton: destination.ton,
      dest_addr_npi: destination.npi,
      destination_addr: destination.addr,
      esm_class: 0,
      data_coding: ucs2 ? 0x08 : 0x00,
    };
    const parts = splitSegments(text, encoding);
    if (parts.length <= 1) return [{ ...base, short_message: encode(text) }];
    const ref = (mo.reference ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
    const total = parts.length;
    switch (mo.concat ?? 'udh8') {
      case 'payload':
        return [{ ...base, short_message: Buffer.alloc(0), message_payload: encode(text) }];
      case 'sar':
        return parts.map((part, i) => ({
          ...base,
          short_message: encode(part),
          sar_msg_ref_num: ref,
          sar_total_segments: total,
          sar_segment_seqnum: i + 1,
        }));
      case 'udh16':
        return parts.map((part, i) => ({
          ...base,
          esm_class: EsmClass.UDH_INDICATOR,
          short_message: Buffer.concat([
            Buffer.from([0x06, 0x08, 0x04, ref >> 8, ref & 0xff, total, i + 1]),
            encode(part),
          ]),
        }));
      default:
        return parts.map((part, i) => ({
          ...base,
          esm_class: EsmClass.UDH_INDICATOR,
          short_message: Buffer.concat([
            Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, i + 1]),
            encode(part),
          ]),
        }));
    }
  }

  return {
    port,
    submits,
    binds,
    received,
    deliveries,
    protocolErrors,
    submitCount: () => submitTotal,
    boundSessions: () => [...connections].filter((c) => c.bound !== null).length,
    async sendMo(from, to, text, mo = {}) {
      const target = pickReceiver();
      if (!target) throw new Error('no bound receiver to deliver to');
      const statuses: number[] = [];
      for (const fields of moParts(from, to, text, mo))
        statuses.push(await deliverAndWait(target, 'mo', fields));
      return statuses;
    },
    async sendDeliverSm(fields) {
      const target = pickReceiver();
      if (!target) throw new Error('no bound receiver to deliver to');
      return deliverAndWait(target, 'custom', { service_type: '', data_coding: 0, ...fields });
    },
    sendRaw(bytes) {
      for (const connection of connections) {
        if (connection.bound) connection.session.socket.write(bytes);
      }
    },
    dropConnections: dropAll,
    setBehaviour(patch) {
      Object.assign(behaviour, patch);
      if (patch.dropAfter !== undefined) dropCountdown = patch.dropAfter;
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.session.socket.destroy();
      await closed;
    },
  };
}
