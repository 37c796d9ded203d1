import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import {
  type OutboundSms,
  RouteError,
  type RouteHealth,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/dispatch';
import { MinuteCounter } from '../minute-counter';
import { type CarrierHttp, type CarrierRequest, type CarrierResponse, createCarrierHttp } from './transport';

/**
 * The part of an HTTP vendor route (Twilio, Infobip, …) that is the same for every vendor: the pooled
 * client, the route's pace, and its health. A vendor supplies only how a message becomes a request and how
 * an answer becomes a result or a RouteError.
 */
export interface VendorRouteSpec {
  id: string;
  clock: Clock;
  logger: Logger;
  connection: { maxConnections: number; timeoutMs: number; throughput: number };
  /** The request for one message (the signal is added here). */
  build(message: OutboundSms): Omit<CarrierRequest, 'signal'>;
  /** The vendor's answer as a submit result; throws a RouteError for a refusal. */
  interpret(response: CarrierResponse, message: OutboundSms): SubmitResult;
}

/** Failures that say the vendor cannot be used at all right now (not just this message). */
const ROUTE_DOWN = new Set(['unreachable', 'auth_failed', 'timeout']);

export function createVendorRoute(spec: VendorRouteSpec): SmsRoute & { close(): void } {
  const http: CarrierHttp = createCarrierHttp({
    maxSockets: spec.connection.maxConnections,
    timeoutMs: spec.connection.timeoutMs,
  });
  const pace = spec.connection.throughput > 0 ? new Pacer(spec.connection.throughput) : null;
  const sent = new MinuteCounter();
  const errors = new MinuteCounter();
  let reachable = true;
  let lastError: string | null = null;
  let inFlight = 0;

  function failed(error: RouteError): never {
    errors.add(spec.clock.now());
    lastError = `${error.code}: ${error.message}`.slice(0, 500);
    // Only failures of the route itself take it out of service: a refused number says nothing about it.
    if (ROUTE_DOWN.has(error.code)) reachable = false;
    throw error;
  }

  return {
    id: spec.id,
    async send(message) {
      if (message.signal?.aborted) throw new RouteError('unreachable', 'send withdrawn before it started');
      if (pace) await pace.wait(message.signal);
      inFlight++;
      try {
        let response: CarrierResponse;
        try {
          response = await http.request({ ...spec.build(message), signal: message.signal });
        } catch (error) {
          if (error instanceof RouteError) failed(error);
          throw error;
        }
        try {
          const result = spec.interpret(response, message);
          sent.add(spec.clock.now());
          reachable = true;
          return result;
        } catch (error) {
          if (error instanceof RouteError) {
            // The vendor answered: the connection works even if the message was refused.
            if (error.code !== 'auth_failed') reachable = true;
            failed(error);
          }
          throw error;
        }
      } finally {
        inFlight--;
      }
    },
    async start() {},
    async stop() {
      http.close();
    },
    close() {
      http.close();
    },
    health(): RouteHealth {
      const now = spec.clock.now();
      return {
        connectedBinds: reachable ? 1 : 0,
        inFlight,
        sentLastMinute: sent.total(now),
        errorsLastMinute: errors.total(now),
        lastError,
      };
    },
  };
}

/**
 * At most `perSecond` request starts in any one-second window of this process: each start remembers its
 * time in a ring, and a new one waits until the start `perSecond` back is a second old. Waiters queue in
 * order; an aborted one leaves the queue.
 */
class Pacer {
  private readonly starts: Float64Array;
  private next = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: number) {
    this.starts = new Float64Array(Math.max(1, Math.floor(perSecond))).fill(Number.NEGATIVE_INFINITY);
  }

  wait(signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.take(signal));
    // A withdrawn waiter must not stall the ones behind it.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    // Below 1 msg/s the ring has one slot and the window stretches to 1/perSecond seconds.
    const windowMs = this.perSecond >= 1 ? 1000 : 1000 / this.perSecond;
    const delay = this.starts[this.next]! + windowMs - performance.now();
    if (delay > 0) await sleep(delay, signal);
    this.starts[this.next] = performance.now();
    this.next = (this.next + 1) % this.starts.length;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RouteError('unreachable', 'send withdrawn while paced'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RouteError('unreachable', 'send withdrawn while paced'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
