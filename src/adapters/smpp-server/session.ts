import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { messageStateOf, type SmppBinder, type SmppDelivery } from '../../modules/smpp-accounts';
import { formatAbsoluteTime } from '../smpp/addressing';
import {
  CommandId,
  decodeShortMessagePdu,
  encodeHeaderOnly,
  encodeStringResponse,
  FrameReader,
  FramingError,
  isResponse,
  MAX_PDU_LENGTH,
  readHeader,
  Status,
} from '../smpp/wire';
import {
  BIND_MODES,
  type BindMode,
  decodeBind,
  decodeDataSm,
  decodeMessageRef,
  encodeBindResponse,
  encodeDelivery,
  encodeQueryResponse,
  readSubmission,
  ServerCommandId,
  ServerStatus,
  statusOfError,
  textOf,
} from './pdus';
import type { SessionHost } from './server';

/** Malformed PDUs a session may send before it is closed. */
const MAX_MALFORMED = 5;
const SYSTEM_ID = 'smsgate';
/** Answers waiting in a session's send buffer before it stops reading that client. */
const MAX_UNSENT_BYTES = 1 << 20;

interface PendingParts {
  messageId: string;
  total: number;
  parts: Map<number, Buffer>;
  firstAt: number;
}

/**
 * One client connection: framing (a bounded read buffer; a command_length below 16 or above the maximum
 * closes the session), the bind, and the PDUs of a bound session. Submits go to the host's accept path and
 * are answered only once it has stored them; deliver_sm PDUs handed over by the host wait for their
 * response, and one not answered in time is simply offered again later by the host (its lease expires).
 */
export class ClientSession {
  mode: BindMode | null = null;
  binder: SmppBinder | null = null;
  boundAt = 0;
  submits = 0;
  private readonly reader = new FrameReader(MAX_PDU_LENGTH);
  private malformed = 0;
  private inFlight = 0;
  private sequence = 0;
  private closed = false;
  private readonly awaiting = new Map<number, { delivery: SmppDelivery; timer: NodeJS.Timeout }>();
  private readonly concat = new Map<string, PendingParts>();
  private lastActivity: number;
  private probedAt = Number.NEGATIVE_INFINITY;
  readonly ip: string;

  constructor(
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.ip = socket.remoteAddress ?? '';
    this.lastActivity = host.now();
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get receives(): boolean {
    return this.mode === 'receiver' || this.mode === 'transceiver';
  }

  /** deliver_sm PDUs sent and not yet answered. */
  get unanswered(): number {
    return this.awaiting.size;
  }

  private write(pdu: Buffer): void {
    if (this.closed) return;
    this.socket.write(pdu);
    // A client that sends without reading its answers: stop reading it until it has taken them, so that
    // the answers waiting to be sent stay bounded.
    if (this.socket.writableLength > MAX_UNSENT_BYTES && !this.socket.isPaused()) {
      this.socket.pause();
      this.socket.once('drain', () => this.socket.resume());
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const unanswered = [...this.awaiting.values()].map(({ delivery, timer }) => {
      clearTimeout(timer);
      return delivery;
    });
    this.awaiting.clear();
    this.socket.destroy();
    this.host.closed(this, unanswered);
  }

  /** Sends unbind and closes once answered (or after a second). */
  unbind(): void {
    if (this.closed) return;
    this.write(encodeHeaderOnly(CommandId.unbind, this.nextSequence()));
    setTimeout(() => this.close(), 1000).unref();
  }

  /** Sends enquire_link (at most one a minute) to a quiet bind. */
  probe(): void {
    const now = this.host.now();
    if (now - this.probedAt < 60_000) return;
    this.probedAt = now;
    this.write(encodeHeaderOnly(CommandId.enquire_link, this.nextSequence()));
  }

  private nextSequence(): number {
    this.sequence = this.sequence >= 0x7fffffff ? 1 : this.sequence + 1;
    return this.sequence;
  }

  /** Hands a deliver_sm to the client; the host is told when (and whether) it was answered with ESME_ROK. */
  deliver(delivery: SmppDelivery): void {
    const sequence = this.nextSequence();
    let pdu: Buffer;
    try {
      pdu = encodeDelivery(delivery, sequence);
    } catch (error) {
      this.host.log.warn({ err: error, delivery: delivery.id }, 'smpp deliver_sm cannot be encoded');
      return;
    }
    const timer = setTimeout(() => this.awaiting.delete(sequence), this.host.settings.responseTimeoutMs);
    timer.unref();
    this.awaiting.set(sequence, { delivery, timer });
    this.write(pdu);
  }

  idleFor(now: number): number {
    return now - this.lastActivity;
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = this.host.now();
    try {
      this.reader.push(chunk, (frame) => this.onFrame(Buffer.from(frame)));
    } catch (error) {
      if (error instanceof FramingError) {
        this.host.log.info(
          { ip: this.ip, length: error.commandLength },
          'smpp session closed: bad command_length',
        );
        this.write(encodeHeaderOnly(CommandId.generic_nack, 0, Status.ESME_RINVCMDLEN));
        this.socket.end();
        this.close();
        return;
      }
      this.fail(error);
    }
  }

  /** An error no PDU handler expected: logged, and this session (only) is closed. */
  private fail(error: unknown): void {
    this.host.log.error({ err: error, ip: this.ip }, 'smpp session failed');
    this.close();
  }

  private onFrame(frame: Buffer): void {
    const header = readHeader(frame);
    const { commandId, sequence } = header;
    if (isResponse(commandId)) {
      if (commandId === CommandId.deliver_sm_resp) this.onDeliverResponse(sequence, header.status);
      else if (commandId === CommandId.unbind_resp) this.close();
      return;
    }
    switch (commandId) {
      case CommandId.bind_transmitter:
      case CommandId.bind_receiver:
      case CommandId.bind_transceiver:
        this.onBind(frame, commandId, sequence).catch((error) => this.fail(error));
        return;
      case CommandId.enquire_link:
        this.write(encodeHeaderOnly(CommandId.enquire_link_resp, sequence));
        return;
      case CommandId.unbind:
        this.write(encodeHeaderOnly(CommandId.unbind_resp, sequence));
        this.socket.end();
        this.close();
        return;
      case CommandId.submit_sm:
        this.onSubmit(frame, sequence, CommandId.submit_sm).catch((error) => this.fail(error));
        return;
      case ServerCommandId.data_sm:
        this.onSubmit(frame, sequence, ServerCommandId.data_sm).catch((error) => this.fail(error));
        return;
      case ServerCommandId.query_sm:
        this.onQuery(frame, sequence).catch((error) => this.fail(error));
        return;
      case ServerCommandId.cancel_sm:
        this.onCancel(frame, sequence).catch((error) => this.fail(error));
        return;
      default:
        // Unknown or not implemented here (replace_sm, submit_multi, outbind from a client).
        this.write(encodeHeaderOnly(CommandId.generic_nack, sequence, Status.ESME_RINVCMDID));
    }
  }

  private malformedPdu(sequence: number, commandId: number): void {
    this.write(encodeHeaderOnly(commandId | 0x80000000, sequence, Status.ESME_RINVCMDLEN));
    if (++this.malformed >= MAX_MALFORMED) {
      this.host.log.info({ ip: this.ip }, 'smpp session closed: repeated malformed PDUs');
      this.close();
    }
  }

  private async onBind(frame: Buffer, commandId: number, sequence: number): Promise<void> {
    const respond = (status: number) =>
      this.write(encodeBindResponse(commandId | 0x80000000, sequence, status, SYSTEM_ID));
    if (this.mode !== null) return respond(ServerStatus.ESME_RALYBND);
    let bind: ReturnType<typeof decodeBind>;
    try {
      bind = decodeBind(frame);
    } catch {
      return this.malformedPdu(sequence, commandId);
    }
    const mode = BIND_MODES[commandId as keyof typeof BIND_MODES];
    // Binding: a second bind on the same connection waits for this one's answer and then gets ALYBND.
    this.mode = mode;
    const result = await this.host.bind(this, bind, mode);
    if (typeof result === 'number') {
      this.mode = null;
      respond(result);
      return;
    }
    this.binder = result;
    this.boundAt = this.host.now();
    respond(Status.ESME_ROK);
  }

  private onDeliverResponse(sequence: number, status: number): void {
    const entry = this.awaiting.get(sequence);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.awaiting.delete(sequence);
    if (status === Status.ESME_ROK) this.host.acknowledged(entry.delivery);
  }

  /** A bound transmitter or transceiver may send messages and ask about them. */
  private get sends(): boolean {
    return this.binder !== null && (this.mode === 'transmitter' || this.mode === 'transceiver');
  }

  private async onQuery(frame: Buffer, sequence: number): Promise<void> {
    const fail = (status: number) =>
      this.write(encodeHeaderOnly(ServerCommandId.query_sm_resp, sequence, status));
    if (!this.sends || !this.binder) return fail(Status.ESME_RINVBNDSTS);
    let messageId: string;
    try {
      messageId = decodeMessageRef(frame, false);
    } catch {
      return this.malformedPdu(sequence, ServerCommandId.query_sm);
    }
    const found = await this.host.query(this.binder, messageId);
    if (found === 'error') return fail(ServerStatus.ESME_RQUERYFAIL);
    if (found === null) return fail(ServerStatus.ESME_RINVMSGID);
    const code = Number(found.carrierCode);
    this.write(
      encodeQueryResponse(sequence, {
        messageId,
        finalDate: found.doneAt === null ? '' : formatAbsoluteTime(found.doneAt),
        state: messageStateOf(found.status),
        errorCode: Number.isInteger(code) && code >= 0 && code <= 255 ? code : 0,
      }),
    );
  }

  private async onCancel(frame: Buffer, sequence: number): Promise<void> {
    const respond = (status: number) =>
      this.write(encodeHeaderOnly(ServerCommandId.cancel_sm_resp, sequence, status));
    if (!this.sends || !this.binder) return respond(Status.ESME_RINVBNDSTS);
    let messageId: string;
    try {
      messageId = decodeMessageRef(frame, true);
    } catch {
      return this.malformedPdu(sequence, ServerCommandId.cancel_sm);
    }
    // cancel_sm by service_type and addresses alone (an empty message_id) is not supported.
    if (messageId === '') return respond(ServerStatus.ESME_RINVMSGID);
    const outcome = await this.host.cancel(this.binder, messageId);
    respond(
      outcome === 'cancelled'
        ? Status.ESME_ROK
        : outcome === 'not_found'
          ? ServerStatus.ESME_RINVMSGID
          : ServerStatus.ESME_RCANCELFAIL,
    );
  }

  /** submit_sm, or data_sm read in its shape (answered with data_sm_resp). */
  private async onSubmit(frame: Buffer, sequence: number, commandId: number): Promise<void> {
    const respond = (status: number, messageId = '') =>
      this.write(encodeStringResponse(commandId | 0x80000000, sequence, messageId, status));
    if (!this.sends || !this.binder) return respond(Status.ESME_RINVBNDSTS);
    let pdu: ReturnType<typeof decodeShortMessagePdu>;
    try {
      pdu = commandId === CommandId.submit_sm ? decodeShortMessagePdu(frame) : decodeDataSm(frame);
    } catch {
      return this.malformedPdu(sequence, commandId);
    }
    if (this.inFlight >= this.host.settings.window) return respond(Status.ESME_RTHROTTLED);
    const submission = readSubmission(pdu, this.host.now());
    if ('status' in submission) return respond(submission.status);
    if (!this.host.takeToken(this.binder.accountId)) return respond(Status.ESME_RTHROTTLED);

    let text: string;
    let messageId: string | undefined;
    let retry: (() => void) | null = null;
    if (submission.concat) {
      const { ref, total, seq } = submission.concat;
      const key = `${submission.from ?? ''}\0${submission.to}\0${ref}\0${total}`;
      let entry = this.concat.get(key);
      if (!entry) {
        if (this.concat.size >= this.host.settings.maxPendingConcat) return respond(Status.ESME_RMSGQFUL);
        entry = { messageId: this.host.newMessageId(), total, parts: new Map(), firstAt: this.host.now() };
        this.concat.set(key, entry);
      }
      entry.parts.set(seq, submission.body);
      // An earlier part is answered at once with the message's id: the message is accepted (and charged)
      // when the part completing it is answered, after it is stored.
      if (entry.parts.size < entry.total) return respond(Status.ESME_ROK, entry.messageId);
      this.concat.delete(key);
      // Refused for now (the database briefly away): the parts wait again for the completing one's retry.
      retry = () => this.concat.set(key, entry);
      const body = Buffer.concat(
        [...entry.parts.keys()].sort((a, b) => a - b).map((s) => entry.parts.get(s)!),
      );
      text = textOf(body, submission.dataCoding);
      messageId = entry.messageId;
    } else text = textOf(submission.body, submission.dataCoding);

    this.inFlight++;
    try {
      const result = await this.host.submit(this.binder, {
        to: submission.to,
        from: submission.from,
        text,
        sendAt: submission.sendAt,
        validUntil: submission.validUntil,
        registeredDelivery: submission.registeredDelivery,
        sourceAddr: pdu.sourceAddr,
        messageId,
      });
      if (typeof result === 'string') {
        this.submits++;
        respond(Status.ESME_ROK, result);
      } else {
        const status = statusOfError(result.code);
        if (status === ServerStatus.ESME_RMSGQFUL) retry?.();
        respond(status);
      }
    } finally {
      this.inFlight--;
    }
  }

  /** Drops concatenated messages whose parts did not all arrive in time (nothing was accepted). */
  expireParts(now: number): number {
    let dropped = 0;
    for (const [key, entry] of this.concat) {
      if (now - entry.firstAt >= this.host.settings.concatWaitMs) {
        this.concat.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}
