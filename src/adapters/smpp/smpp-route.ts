// One SMPP carrier route: binds, window, throughput, submits, receipts and MO; the state of a bind's life
// is shared across these, so they stay together (PDU details are in wire.ts, session.ts, submit.ts).
import type { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from '../../kernel/clock';
import { pause } from '../../kernel/timing';
import { decodeUcs2 } from '../../modules/codec';
import {
  type DeliveryReport,
  type OutboundSms,
  RouteError,
  type RouteEvents,
  type RouteHealth,
  type SharedThroughput,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/route-port';
import { MinuteCounter } from '../minute-counter';
import { displayAddress } from './addressing';
import { type ResolvedSmppRouteConfig, type SmppRouteConfig, smppRouteConfigSchema } from './config';
import { smppStatusError } from './failure-codes';
import { Deque, SlidingWindowLimiter } from './flow';
import { decodeMoText, MoReassembler, moPayload } from './mo';
import { parseReceipt, refusedDelivery } from './receipts';
import { type DeliverReply, type InFlight, type SessionHost, type SmppLogger, SmppSession } from './session';
import { buildSubmitPlan } from './submit';
import {
  CommandId,
  EsmClass,
  encodeShortMessagePdu,
  type PduHeader,
  readMessageId,
  type ShortMessagePdu,
  Status,
  Tlv,
  tlvCString,
  tlvU8,
} from './wire';

export type { SmppRouteConfig } from './config';
export { carrierRefVariants } from './receipts';
export type { SmppLogger } from './session';

export interface SmppRouteOptions {
  /** Source of the timestamps in reports, inbound messages, validity periods and health (default: wall clock). */
  clock?: Clock;
  logger?: SmppLogger;
  /** The route's throughput shared with the other processes of a deployment (Redis); null: this process's alone. */
  sharedThroughput?: SharedThroughput | null;
}

/**
 * Pause of a bind after a throttling (or queue full) answer: 100 ms, 100 ms longer each time it
 * continues, up to 1 s. While throttled a bind sends one submit at a time (a probe), and its first
 * success opens the whole window again. A carrier limit refills within a second, so longer pauses only
 * leave its capacity unused (doubling pauses gave a third of a 50/s limit away).
 */
const THROTTLE_PAUSE_MS = 100;
const MAX_THROTTLE_PAUSE_MS = 1_000;
/** Parts of a concatenated inbound message that do not complete within this time are handed over as they are. */
const MO_REASSEMBLY_TIMEOUT_MS = 10 * 60_000;

const noopLogger: SmppLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface MessageContext {
  messageId: string;
  refs: string[];
  remaining: number;
  settled: boolean;
  /** A part has gone to a bind: the message can no longer be withdrawn. */
  submitted: boolean;
  resolve(result: SubmitResult): void;
  reject(error: RouteError): void;
}

interface SubmitJob {
  message: MessageContext;
  part: number;
  /** The encoded submit_sm; its sequence number is set when it is sent. */
  pdu: Buffer;
  /** performance.now() when queued. */
  queuedAt: number;
  /** Throughput limiter slot while in flight (-1 without a limit). */
  slot: number;
}

type Session = SmppSession<SubmitJob>;

/**
 * An SMS route over SMPP 3.4 (see {@link smppRouteConfigSchema} for the options).
 *
 * - `binds` sessions (transceivers, or transmitter + receiver pairs), each reconnecting with backoff.
 * - At most `window` submit_sm unacknowledged per bind; sends beyond that queue and go to the least loaded bind.
 * - At most `throughput` submit_sm in any one-second window as the SMSC receives them, route-wide (see
 *   {@link SlidingWindowLimiter}).
 * - Receipts go to `onDeliveryReport` and mobile-originated messages to `onInbound`; each deliver_sm is
 *   acknowledged only after the handler's promise resolves (a rejection answers ESME_RX_T_APPN, so the SMSC
 *   delivers it again). Reports carry the id as the receipt wrote it: match with {@link carrierRefVariants}.
 * - `send` resolves with the SMSC's message id(s) or rejects with a {@link RouteError}: retryable for throttling,
 *   queue full, system error, timeouts, lost connections and no bind within `submitTimeoutMs`; permanent for
 *   invalid addresses, lengths and the like, and for texts that do not split into `message.segments` parts.
 * - `start` resolves once every session has tried its first bind (it does not fail on refused credentials: the
 *   sessions keep retrying); `health().connectedBinds` counts bound SMPP sessions, so a transmitter_receiver
 *   bind counts two.
 */
export function createSmppRoute(
  id: string,
  config: SmppRouteConfig,
  options: SmppRouteOptions = {},
): SmsRoute {
  return new SmppRoute(id, smppRouteConfigSchema.parse(config), options);
}

class SmppRoute implements SmsRoute, SessionHost<SubmitJob> {
  readonly logger: SmppLogger;
  private readonly clock: Clock;
  private sessions: Session[] = [];
  private readonly queue = new Deque<SubmitJob>();
  private readonly limiter: SlidingWindowLimiter | null;
  private readonly shared: SharedThroughput | null;
  private events: RouteEvents | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Number.POSITIVE_INFINITY;
  private pumpScheduled = false;
  private reference = Math.floor(Math.random() * 0x10000);
  private readonly mo = new MoReassembler();
  private readonly sent = new MinuteCounter();
  private readonly errors = new MinuteCounter();
  private lastError: string | null = null;
  /** The command_status of the last refused bind, until a bind succeeds. */
  private bindRefusal: number | null = null;
  private lastMoSweep = 0;
  /** performance.now() since when no transmitting bind has been up (null while one is). */
  private unboundSince: number | null = null;

  constructor(
    readonly routeId: string,
    readonly config: ResolvedSmppRouteConfig,
    options: SmppRouteOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? noopLogger;
    this.limiter = config.throughput > 0 ? new SlidingWindowLimiter(config.throughput, 1000) : null;
    this.shared = config.throughput > 0 ? (options.sharedThroughput ?? null) : null;
  }

  get id(): string {
    return this.routeId;
  }

  start(events: RouteEvents): Promise<void> {
    if (this.starting) return this.starting;
    this.events = events;
    const { binds, bindMode } = this.config;
    this.sessions = [];
    for (let index = 0; index < binds; index++) {
      if (bindMode === 'transceiver') {
        this.sessions.push(new SmppSession<SubmitJob>(this, index, 'transceiver'));
      } else {
        this.sessions.push(new SmppSession<SubmitJob>(this, index, 'transmitter'));
        this.sessions.push(new SmppSession<SubmitJob>(this, index, 'receiver'));
      }
    }
    const sweepEvery = Math.max(20, Math.min(250, Math.floor(this.config.submitTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), sweepEvery);
    this.sweepTimer.unref();
    this.starting = Promise.all(this.sessions.map((session) => session.open())).then(() => undefined);
    return this.starting;
  }

  async stop(): Promise<void> {
    if (!this.starting) return this.stopping ?? undefined;
    if (this.stopping) return this.stopping;
    this.stopping = this.shutdown();
    return this.stopping;
  }

  send(message: OutboundSms): Promise<SubmitResult> {
    if (!this.starting || this.stopping) {
      return Promise.reject(new RouteError('unreachable', `route ${this.routeId} is not started`));
    }
    let pdus: Buffer[];
    try {
      const plan = buildSubmitPlan(message, this.config, this.nextReference(), this.clock.now());
      pdus = plan.parts.map((part) => encodeShortMessagePdu(CommandId.submit_sm, 0, part));
    } catch (error) {
      const failure =
        error instanceof RouteError
          ? error
          : new RouteError('invalid_message', `submit_sm cannot be encoded: ${(error as Error).message}`);
      this.noteFailure(failure);
      return Promise.reject(failure);
    }
    return new Promise<SubmitResult>((resolve, reject) => {
      const context: MessageContext = {
        messageId: message.messageId,
        refs: new Array<string>(pdus.length),
        remaining: pdus.length,
        settled: false,
        submitted: false,
        resolve,
        reject,
      };
      // Withdrawn while still queued here: the pump skips the parts of a settled message.
      message.signal?.addEventListener(
        'abort',
        () => {
          if (context.settled || context.submitted) return;
          context.settled = true;
          reject(new RouteError('unreachable', 'withdrawn before it was submitted'));
        },
        { once: true },
      );
      const now = performance.now();
      for (let part = 0; part < pdus.length; part++) {
        this.queue.push({ message: context, part, pdu: pdus[part]!, queuedAt: now, slot: -1 });
      }
      this.schedulePump();
    });
  }

  health(): RouteHealth {
    const now = this.clock.now();
    let connectedBinds = 0;
    let inFlight = 0;
    for (const session of this.sessions) {
      if (session.isBound) connectedBinds++;
      inFlight += session.inFlight.size;
    }
    return {
      connectedBinds,
      inFlight,
      sentLastMinute: this.sent.total(now),
      errorsLastMinute: this.errors.total(now),
      lastError: this.lastError,
    };
  }

  // ---- SessionHost ----

  onBound(): void {
    this.bindRefusal = null;
    this.schedulePump();
  }

  onClosed(session: Session, lost: InFlight<SubmitJob>[]): void {
    for (const entry of lost) {
      this.settleSlot(entry.job);
      this.failPart(
        entry.job,
        new RouteError('unreachable', `connection ${session.name} closed before submit_sm_resp`),
      );
    }
    if (this.queue.length > 0) this.schedulePump();
  }

  onSubmitResponse(session: Session, entry: InFlight<SubmitJob>, header: PduHeader, frame: Buffer): void {
    this.settleSlot(entry.job);
    session.timeoutStreak = 0;
    if (header.status === Status.ESME_ROK && header.commandId === CommandId.submit_sm_resp) {
      session.throttleStreak = 0;
      const messageId = readMessageId(frame);
      if (messageId === '') {
        this.logger.warn(
          { routeId: this.routeId, session: session.name },
          'submit_sm_resp without message_id',
        );
      }
      this.completePart(entry.job, messageId);
    } else {
      const status = header.status === Status.ESME_ROK ? Status.ESME_RSYSERR : header.status;
      if (status === Status.ESME_RTHROTTLED || status === Status.ESME_RMSGQFUL) {
        // A window sent together is refused together: one pause for all of it. The pause grows only
        // when a submit sent after the last pause ended is refused again.
        const now = performance.now();
        if (now >= session.pausedUntil) {
          const pause = Math.min(MAX_THROTTLE_PAUSE_MS, THROTTLE_PAUSE_MS * (1 + session.throttleStreak));
          session.throttleStreak = Math.min(session.throttleStreak + 1, 10);
          session.pausedUntil = now + pause;
        }
      }
      if (status === Status.ESME_RINVBNDSTS) session.destroy();
      const via = header.commandId === CommandId.generic_nack ? 'generic_nack' : 'submit_sm_resp';
      this.failPart(entry.job, smppStatusError(status, `SMSC answered ${via}`));
    }
    this.schedulePump();
  }

  onDeliverSm(session: Session, pdu: ShortMessagePdu, reply: DeliverReply): void {
    const type = pdu.esmClass & EsmClass.TYPE_MASK;
    if (type === EsmClass.DELIVERY_RECEIPT || type === EsmClass.INTERMEDIATE_NOTIFICATION) {
      this.onReceipt(session, pdu, reply);
    } else if (type === 0) {
      this.onMobileOriginated(pdu, reply);
    } else {
      this.logger.debug(
        { routeId: this.routeId, esmClass: pdu.esmClass },
        'deliver_sm of another kind ignored',
      );
      reply(Status.ESME_ROK);
    }
  }

  onError(session: Session, message: string, bindStatus?: number): void {
    if (bindStatus !== undefined) this.bindRefusal = bindStatus;
    this.lastError = message;
    this.errors.add(this.clock.now());
    this.logger.warn({ routeId: this.routeId, session: session.name, reason: message }, 'SMPP session error');
  }

  // ---- submits ----

  private nextReference(): number {
    this.reference = (this.reference + 1) & 0xffff;
    return this.reference;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Moves queued parts onto binds with a free window slot, within the throughput limit. */
  private pump(): void {
    if (this.stopping) return;
    const now = performance.now();
    while (this.queue.length > 0) {
      const job = this.queue.peek()!;
      if (job.message.settled) {
        this.queue.shift();
        continue;
      }
      const session = this.pickSession(now);
      if (!session) return;
      if (this.limiter) {
        const wait = this.limiter.delay(now);
        if (wait > 0) {
          // Infinity: the submit a window back is unanswered; its answer (or failure) pumps again.
          if (wait !== Number.POSITIVE_INFINITY) this.wakeIn(wait);
          return;
        }
      }
      // The deployment-wide share: once this process's is spent, pump again when it holds more.
      if (this.shared && !this.shared.tryTake()) {
        this.shared.refill().then(
          () => this.pump(),
          () => this.wakeIn(100),
        );
        return;
      }
      const sent = session.submit(job, job.pdu, now);
      if (!sent) {
        session.destroy();
        continue;
      }
      this.queue.shift();
      job.message.submitted = true;
      if (this.limiter) job.slot = this.limiter.start();
    }
  }

  /** The bound transmitter with the most free window, or null (arming a wake-up for a paused one). */
  private pickSession(now: number): Session | null {
    let best: Session | null = null;
    let pausedUntil = Number.POSITIVE_INFINITY;
    for (const session of this.sessions) {
      if (!session.canTransmit || !session.isBound) continue;
      const window = session.throttleStreak > 0 ? 1 : this.config.window;
      if (session.inFlight.size >= window) continue;
      if (session.pausedUntil > now) {
        pausedUntil = Math.min(pausedUntil, session.pausedUntil);
        continue;
      }
      if (!best || session.inFlight.size < best.inFlight.size) best = session;
    }
    if (!best && pausedUntil !== Number.POSITIVE_INFINITY) this.wakeIn(pausedUntil - now);
    return best;
  }

  private wakeIn(ms: number): void {
    const at = performance.now() + ms;
    if (this.wakeTimer && this.wakeAt <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  /** An in-flight submit is answered or given up on: its throughput slot starts counting down. */
  private settleSlot(job: SubmitJob): void {
    if (job.slot < 0 || !this.limiter) return;
    this.limiter.settle(job.slot, performance.now());
    job.slot = -1;
  }

  private completePart(job: SubmitJob, messageId: string): void {
    const context = job.message;
    if (context.settled) return;
    context.refs[job.part] = messageId;
    context.remaining--;
    if (context.remaining > 0) return;
    context.settled = true;
    this.sent.add(this.clock.now());
    context.resolve({ carrierRef: context.refs[context.refs.length - 1]!, partRefs: context.refs });
  }

  private failPart(job: SubmitJob, error: RouteError): void {
    const context = job.message;
    if (context.settled) return;
    context.settled = true;
    this.noteFailure(error);
    if (context.refs.some((ref) => ref !== undefined)) {
      this.logger.warn(
        { routeId: this.routeId, messageId: context.messageId, code: error.code },
        'multipart message failed after some parts were accepted',
      );
    }
    context.reject(error);
  }

  /** Why a part waited for a bind in vain: refused credentials, or no bind at all. */
  private notConnected(): RouteError {
    const detail = `no bind to ${this.config.host}:${this.config.port} within ${this.config.submitTimeoutMs} ms`;
    if (this.bindRefusal === null) return new RouteError('unreachable', detail);
    const refusal = smppStatusError(this.bindRefusal, `${detail}; the bind was refused with`);
    return refusal.code === 'auth_failed'
      ? refusal
      : new RouteError('unreachable', refusal.message, refusal.carrierCode);
  }

  private noteFailure(error: Error): void {
    this.errors.add(this.clock.now());
    this.lastError = error instanceof RouteError ? `${error.code}: ${error.message}` : error.message;
  }

  /** Times out unanswered submits and parts that waited too long for a bind; flushes stale MO parts. */
  private sweep(): void {
    const now = performance.now();
    let freed = false;
    for (const session of this.sessions) {
      let expired = 0;
      for (const [sequence, entry] of session.inFlight) {
        if (entry.deadline > now) break;
        session.inFlight.delete(sequence);
        this.settleSlot(entry.job);
        expired++;
        this.failPart(
          entry.job,
          new RouteError(
            'timeout',
            `no submit_sm_resp within ${this.config.submitTimeoutMs} ms on ${session.name}`,
          ),
        );
      }
      if (expired > 0) {
        freed = true;
        session.timeoutStreak += expired;
        if (session.timeoutStreak >= this.config.window) {
          // A whole window unanswered while the link may still answer enquire_link: bind afresh.
          this.onError(session, `${session.name}: ${session.timeoutStreak} submits unanswered, rebinding`);
          session.timeoutStreak = 0;
          session.destroy();
        } else {
          session.probe();
        }
      }
    }
    if (this.sessions.some((session) => session.canTransmit && session.isBound)) {
      this.unboundSince = null;
    } else {
      this.unboundSince ??= now;
      const since = this.unboundSince;
      while (this.queue.length > 0) {
        const job = this.queue.peek()!;
        if (!job.message.settled && now - Math.max(job.queuedAt, since) < this.config.submitTimeoutMs) break;
        this.queue.shift();
        this.failPart(job, this.notConnected());
      }
    }
    if (freed) this.schedulePump();
    const wall = this.clock.now();
    if (this.mo.size > 0 && wall - this.lastMoSweep >= 10_000) {
      this.lastMoSweep = wall;
      for (const partial of this.mo.expire(wall, MO_REASSEMBLY_TIMEOUT_MS)) {
        this.logger.warn(
          { routeId: this.routeId, parts: partial.parts },
          'concatenated inbound message incomplete, handing over the parts received',
        );
        const [from, to] = partial.key.split('\u0000');
        void this.handOverInbound(from ?? '', to ?? '', partial.text);
      }
    }
  }

  private async shutdown(): Promise<void> {
    for (const job of this.queue.drain()) {
      this.failPart(job, new RouteError('unreachable', 'route stopped before the message was submitted'));
    }
    // Let what is in flight be answered, so that accepted messages are not retried as duplicates.
    const drainUntil = performance.now() + Math.min(this.config.submitTimeoutMs, 5_000);
    while (
      performance.now() < drainUntil &&
      this.sessions.some((session) => session.isBound && session.inFlight.size > 0)
    ) {
      await pause(20);
    }
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.sweepTimer = null;
    this.wakeTimer = null;
    await Promise.all(this.sessions.map((session) => session.close()));
    this.sessions = [];
    this.events = null;
    this.starting = null;
    this.stopping = null;
  }

  // ---- deliver_sm ----

  private onReceipt(session: Session, pdu: ShortMessagePdu, reply: DeliverReply): void {
    const text = receiptText(pdu);
    const network = pdu.tlvs.get(Tlv.network_error_code);
    const receipt = parseReceipt({
      text,
      receiptedMessageId: tlvCString(pdu.tlvs, Tlv.receipted_message_id),
      messageState: tlvU8(pdu.tlvs, Tlv.message_state),
      networkError:
        network && network.length >= 3 ? { type: network[0]!, code: network.readUInt16BE(1) } : null,
    });
    if (!receipt) {
      this.logger.warn(
        { routeId: this.routeId, session: session.name },
        'delivery receipt without message id',
      );
      reply(Status.ESME_ROK);
      return;
    }
    if (receipt.status === null) {
      this.logger.debug({ routeId: this.routeId, state: receipt.state }, 'intermediate receipt ignored');
      reply(Status.ESME_ROK);
      return;
    }
    const report: DeliveryReport = {
      routeId: this.routeId,
      carrierRef: receipt.carrierRef,
      status: receipt.status,
      errorCode: receipt.errorCode,
      raw: text !== '' ? text : `id:${receipt.carrierRef} stat:${receipt.state}`,
      at: this.clock.now(),
    };
    const events = this.events;
    if (!events) return;
    Promise.resolve()
      .then(() => events.onDeliveryReport(report))
      .then(
        () => reply(Status.ESME_ROK),
        (error: unknown) => {
          const refusal = refusedDelivery(error);
          this.logger[refusal.logAs](
            { routeId: this.routeId, err: error },
            'storing a delivery report failed',
          );
          reply(refusal.status);
        },
      );
  }

  private onMobileOriginated(pdu: ShortMessagePdu, reply: DeliverReply): void {
    const { concat, body } = moPayload(pdu);
    const from = displayAddress(pdu.sourceAddr, pdu.sourceTon);
    const to = displayAddress(pdu.destinationAddr, pdu.destTon);
    if (!concat) {
      this.handOverInbound(from, to, decodeMoText(body, pdu.dataCoding)).then(reply);
      return;
    }
    const assembled = this.mo.add(from, to, concat, body, pdu.dataCoding, this.clock.now());
    if (!assembled) {
      reply(Status.ESME_ROK);
      return;
    }
    this.handOverInbound(from, to, assembled.text).then((status) => {
      if (status === Status.ESME_ROK) this.mo.release(assembled.key);
      reply(status);
    });
  }

  /** Calls onInbound; resolves to the deliver_sm_resp status to answer. */
  private async handOverInbound(from: string, to: string, text: string): Promise<number> {
    const events = this.events;
    if (!events) return Status.ESME_RX_T_APPN;
    try {
      await events.onInbound({ routeId: this.routeId, from, to, text, at: this.clock.now() });
      return Status.ESME_ROK;
    } catch (error) {
      const refusal = refusedDelivery(error);
      this.logger[refusal.logAs]({ routeId: this.routeId, err: error }, 'storing an inbound message failed');
      return refusal.status;
    }
  }
}

/** The receipt text of a deliver_sm (short_message, else message_payload), as text. */
function receiptText(pdu: ShortMessagePdu): string {
  const payload = pdu.tlvs.get(Tlv.message_payload);
  const bytes = pdu.shortMessage.length > 0 ? pdu.shortMessage : (payload ?? pdu.shortMessage);
  if (bytes.length === 0) return '';
  if (pdu.dataCoding === 0x08) return decodeUcs2(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return bytes.toString('latin1').replace(/\u0000+$/, '');
}
