import type { Buffer } from 'node:buffer';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { ResolvedSmppRouteConfig } from './config';
import {
  CommandId,
  decodeShortMessagePdu,
  encodeBind,
  encodeHeaderOnly,
  encodeStringResponse,
  FrameReader,
  isResponse,
  type PduHeader,
  readHeader,
  type ShortMessagePdu,
  Status,
  setSequence,
  statusName,
} from './wire';

/** What the route logs through: pino's `Logger` fits. Message texts and numbers are never logged. */
export interface SmppLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type SessionKind = 'transceiver' | 'transmitter' | 'receiver';
export type SessionState = 'idle' | 'connecting' | 'binding' | 'bound' | 'closing' | 'closed';

/** A submit_sm waiting for its response. */
export interface InFlight<J> {
  job: J;
  sequence: number;
  /** performance.now() after which it times out. */
  deadline: number;
}

/** Answers a deliver_sm on the connection it arrived on (a no-op once that connection is gone). */
export type DeliverReply = (status: number) => void;

/** The route, as its sessions see it. */
export interface SessionHost<J> {
  readonly routeId: string;
  readonly config: ResolvedSmppRouteConfig;
  readonly logger: SmppLogger;
  onBound(session: SmppSession<J>): void;
  /** The connection is gone; `lost` were in flight on it. */
  onClosed(session: SmppSession<J>, lost: InFlight<J>[]): void;
  onSubmitResponse(session: SmppSession<J>, entry: InFlight<J>, header: PduHeader, frame: Buffer): void;
  onDeliverSm(session: SmppSession<J>, pdu: ShortMessagePdu, reply: DeliverReply): void;
  /** `bindStatus`: the command_status of a refused bind. */
  onError(session: SmppSession<J>, message: string, bindStatus?: number): void;
}

interface PendingControl {
  callback: (header: PduHeader | null) => void;
  timer: NodeJS.Timeout;
}

/** First reconnect after 250–500 ms, doubling per consecutive failure up to 15–30 s. */
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A bind that lasted this long counts as healthy: the next drop reconnects quickly again. */
const STABLE_AFTER_MS = 10_000;
const UNBIND_TIMEOUT_MS = 1_000;
const SMPP_VERSION_34 = 0x34;

const BIND_COMMANDS: Record<SessionKind, number> = {
  transceiver: CommandId.bind_transceiver,
  transmitter: CommandId.bind_transmitter,
  receiver: CommandId.bind_receiver,
};

/**
 * One SMPP session (a transceiver, transmitter or receiver bind): connects, binds, keeps the link alive with
 * enquire_link, answers the peer's enquire_link/unbind, and reconnects with exponential backoff and jitter until
 * closed. Submit bookkeeping (window, timeouts) lives in the route; this class only tracks what is in flight on
 * its own connection so that a reset can fail exactly those sends.
 */
export class SmppSession<J> {
  state: SessionState = 'idle';
  readonly inFlight = new Map<number, InFlight<J>>();
  /** performance.now() until which no submit_sm goes out on this bind (after throttling). */
  pausedUntil = 0;
  /** Consecutive throttling responses, for the pause length. */
  throttleStreak = 0;
  /** Consecutive submits that timed out; a whole window of them gets the bind re-established. */
  timeoutStreak = 0;

  private socket: net.Socket | null = null;
  private connection = 0;
  private readonly reader = new FrameReader();
  private sequence = 0;
  private readonly control = new Map<number, PendingControl>();
  private failures = 0;
  private boundAt = 0;
  private boundThisConnection = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private enquireTimer: NodeJS.Timeout | null = null;
  private enquirePending = false;
  private stopped = true;
  private corked = false;
  private firstAttempt: (() => void) | null = null;
  private readonly closeWaiters: (() => void)[] = [];

  constructor(
    private readonly host: SessionHost<J>,
    readonly index: number,
    readonly kind: SessionKind,
  ) {}

  get name(): string {
    return `${this.kind}#${this.index}`;
  }

  get canTransmit(): boolean {
    return this.kind !== 'receiver';
  }

  get isBound(): boolean {
    return this.state === 'bound';
  }

  /** Starts connecting; resolves once the first bind attempt has succeeded or failed (never rejects). */
  open(): Promise<void> {
    this.stopped = false;
    const first = new Promise<void>((resolve) => {
      this.firstAttempt = resolve;
    });
    this.connect();
    return first;
  }

  /** Sends an encoded submit_sm (its sequence number is set here); false when the connection cannot take it. */
  submit(job: J, pdu: Buffer, now: number): boolean {
    if (this.state !== 'bound') return false;
    const sequence = this.nextSequence();
    setSequence(pdu, sequence);
    if (!this.write(pdu)) return false;
    this.inFlight.set(sequence, { job, sequence, deadline: now + this.host.config.submitTimeoutMs });
    return true;
  }

  /** Checks the link with an enquire_link; drops the connection when it is not answered in time. */
  probe(): void {
    if (this.state !== 'bound' || this.enquirePending) return;
    const { submitTimeoutMs, enquireLinkSeconds } = this.host.config;
    this.enquirePending = true;
    const sent = this.request(
      CommandId.enquire_link,
      null,
      Math.min(submitTimeoutMs, enquireLinkSeconds * 1000),
      (header) => {
        this.enquirePending = false;
        if (header === null && this.state === 'bound') {
          this.host.onError(this, `${this.name}: enquire_link not answered, reconnecting`);
          this.destroy();
        }
      },
    );
    if (!sent) this.enquirePending = false;
  }

  /** Drops the connection at once (it reconnects unless closed). */
  destroy(): void {
    if (!this.socket) return;
    if (this.state === 'bound' || this.state === 'binding') this.state = 'closing';
    this.stopEnquireLink();
    this.socket.destroy();
  }

  /** Unbinds (waiting briefly for unbind_resp), closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const socket = this.socket;
    if (!socket) {
      this.state = 'closed';
      this.settleFirstAttempt();
      return;
    }
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.state === 'bound') {
      this.state = 'closing';
      this.stopEnquireLink();
      const sent = this.request(CommandId.unbind, null, UNBIND_TIMEOUT_MS, () => socket.end());
      if (!sent) socket.destroy();
    } else {
      socket.destroy();
    }
    const hardStop = setTimeout(() => socket.destroy(), 2 * UNBIND_TIMEOUT_MS);
    await closed;
    clearTimeout(hardStop);
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.stopped) return;
    const { host, port, submitTimeoutMs } = this.host.config;
    const useTls = this.host.config.tls;
    this.state = 'connecting';
    this.connection++;
    this.boundThisConnection = false;
    this.reader.reset();
    const socket = useTls
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
      : net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const connectTimer = setTimeout(
      () => socket.destroy(new Error(`no connection after ${submitTimeoutMs} ms`)),
      submitTimeoutMs,
    );
    socket.once(useTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      if (socket === this.socket) this.bind();
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.onData(chunk);
    });
    socket.on('error', (error: Error) => {
      if (socket === this.socket) this.host.onError(this, `${this.name}: ${error.message}`);
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (socket === this.socket) this.onClose();
    });
  }

  private bind(): void {
    const { systemId, password, systemType, submitTimeoutMs } = this.host.config;
    this.state = 'binding';
    let bind: Buffer;
    try {
      bind = encodeBind(BIND_COMMANDS[this.kind], 0, {
        systemId,
        password,
        systemType,
        interfaceVersion: SMPP_VERSION_34,
        addrTon: 0,
        addrNpi: 0,
        addressRange: '',
      });
    } catch (error) {
      this.host.onError(this, `${this.name}: cannot encode the bind: ${(error as Error).message}`);
      this.destroy();
      return;
    }
    const sent = this.request(BIND_COMMANDS[this.kind], bind, submitTimeoutMs, (header) => {
      if (this.state !== 'binding') return;
      if (header === null) {
        this.host.onError(this, `${this.name}: no bind response after ${submitTimeoutMs} ms`);
        this.destroy();
        return;
      }
      if (header.status !== Status.ESME_ROK || header.commandId === CommandId.generic_nack) {
        this.host.onError(
          this,
          `${this.name}: bind refused with ${statusName(header.status)}`,
          header.status,
        );
        this.destroy();
        return;
      }
      this.state = 'bound';
      this.boundAt = performance.now();
      this.boundThisConnection = true;
      this.throttleStreak = 0;
      this.timeoutStreak = 0;
      this.pausedUntil = 0;
      this.startEnquireLink();
      this.host.logger.info({ routeId: this.host.routeId, session: this.name }, 'SMPP bind established');
      this.settleFirstAttempt();
      this.host.onBound(this);
    });
    if (!sent) this.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      this.reader.push(chunk, (frame) => this.onFrameSafely(frame));
    } catch (error) {
      this.host.onError(this, `${this.name}: ${(error as Error).message}; dropping the connection`);
      this.destroy();
    }
  }

  private onFrameSafely(frame: Buffer): void {
    try {
      this.onFrame(frame);
    } catch (error) {
      const header = readHeader(frame);
      this.host.logger.error(
        { routeId: this.host.routeId, session: this.name, commandId: header.commandId, err: error },
        'failed to handle a PDU from the SMSC',
      );
      if (!isResponse(header.commandId))
        this.respond(CommandId.generic_nack, header.sequence, Status.ESME_RSYSERR);
    }
  }

  private onFrame(frame: Buffer): void {
    const header = readHeader(frame);
    if (isResponse(header.commandId)) {
      this.onResponse(header, frame);
      return;
    }
    switch (header.commandId) {
      case CommandId.deliver_sm: {
        let pdu: ShortMessagePdu;
        try {
          pdu = decodeShortMessagePdu(frame);
        } catch (error) {
          this.host.logger.warn(
            { routeId: this.host.routeId, session: this.name, reason: (error as Error).message },
            'malformed deliver_sm answered with generic_nack',
          );
          this.respond(CommandId.generic_nack, header.sequence, Status.ESME_RINVCMDLEN);
          return;
        }
        const connection = this.connection;
        this.host.onDeliverSm(this, pdu, (status) => {
          if (connection !== this.connection) return;
          this.write(encodeStringResponse(CommandId.deliver_sm_resp, header.sequence, '', status));
        });
        return;
      }
      case CommandId.enquire_link:
        this.respond(CommandId.enquire_link_resp, header.sequence);
        return;
      case CommandId.unbind:
        this.host.logger.info({ routeId: this.host.routeId, session: this.name }, 'SMSC unbound the session');
        this.respond(CommandId.unbind_resp, header.sequence);
        this.state = 'closing';
        this.stopEnquireLink();
        this.socket?.end();
        return;
      default:
        this.host.logger.warn(
          { routeId: this.host.routeId, session: this.name, commandId: header.commandId },
          'unexpected command from the SMSC answered with generic_nack',
        );
        this.respond(CommandId.generic_nack, header.sequence, Status.ESME_RINVCMDID);
    }
  }

  private onResponse(header: PduHeader, frame: Buffer): void {
    if (header.commandId === CommandId.submit_sm_resp || header.commandId === CommandId.generic_nack) {
      const entry = this.inFlight.get(header.sequence);
      if (entry) {
        this.inFlight.delete(header.sequence);
        this.host.onSubmitResponse(this, entry, header, frame);
        return;
      }
    }
    const control = this.control.get(header.sequence);
    if (control) {
      this.control.delete(header.sequence);
      clearTimeout(control.timer);
      control.callback(header);
      return;
    }
    this.host.logger.debug(
      {
        routeId: this.host.routeId,
        session: this.name,
        commandId: header.commandId,
        status: statusName(header.status),
      },
      'late or unmatched response from the SMSC',
    );
  }

  private onClose(): void {
    const wasBound = this.boundThisConnection;
    this.state = 'closed';
    this.socket = null;
    this.reader.reset();
    this.stopEnquireLink();
    this.enquirePending = false;
    for (const pending of this.control.values()) clearTimeout(pending.timer);
    this.control.clear();
    const lost = [...this.inFlight.values()];
    this.inFlight.clear();
    if (wasBound) {
      this.host.logger.warn(
        { routeId: this.host.routeId, session: this.name, lost: lost.length },
        'SMPP connection closed',
      );
    }
    this.host.onClosed(this, lost);
    this.settleFirstAttempt();
    for (const waiter of this.closeWaiters.splice(0)) waiter();
    if (!this.stopped) this.scheduleReconnect(wasBound);
  }

  private scheduleReconnect(wasBound: boolean): void {
    if (wasBound && performance.now() - this.boundAt >= STABLE_AFTER_MS) this.failures = 0;
    const base = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** this.failures);
    const delay = base / 2 + Math.random() * (base / 2);
    this.failures = Math.min(this.failures + 1, 16);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private startEnquireLink(): void {
    this.stopEnquireLink();
    this.enquireTimer = setInterval(() => this.probe(), this.host.config.enquireLinkSeconds * 1000);
    this.enquireTimer.unref();
  }

  private stopEnquireLink(): void {
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = null;
  }

  private settleFirstAttempt(): void {
    const resolve = this.firstAttempt;
    this.firstAttempt = null;
    resolve?.();
  }

  private nextSequence(): number {
    this.sequence = this.sequence >= 0x7fffffff ? 1 : this.sequence + 1;
    return this.sequence;
  }

  /** Sends a request (`body` = the encoded PDU, or null for a bare header) and waits for its response. */
  private request(
    commandId: number,
    body: Buffer | null,
    timeoutMs: number,
    callback: (header: PduHeader | null) => void,
  ): boolean {
    const sequence = this.nextSequence();
    const pdu = body ?? encodeHeaderOnly(commandId, sequence);
    setSequence(pdu, sequence);
    if (!this.write(pdu)) return false;
    const timer = setTimeout(() => {
      if (this.control.delete(sequence)) callback(null);
    }, timeoutMs);
    this.control.set(sequence, { callback, timer });
    return true;
  }

  /** Answers a request with a bodiless response (or generic_nack). */
  private respond(commandId: number, sequence: number, status = 0): void {
    this.write(encodeHeaderOnly(commandId, sequence, status));
  }

  /** Writes are corked for the rest of the tick, so a burst of PDUs leaves in one segment. */
  private write(bytes: Buffer): boolean {
    const socket = this.socket;
    if (!socket || socket.destroyed || !socket.writable) return false;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(bytes);
    return true;
  }
}
