import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import {
  type OutboundSms,
  RouteError,
  type RouteHealth,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/dispatch';
import type { SharedThroughput } from '../../modules/route-port';
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
  /** The throughput shared with the deployment's other processes (RouteAdapterDeps.sharedThroughput). */
  shared?: SharedThroughput | null;
  /** The request for one message (the signal is added here). */
  build(message: OutboundSms): Omit<CarrierRequest, 'signal'>;
  /** The vendor's answer as a submit result; throws a RouteError for a refusal. */
  interpret(response: CarrierResponse, message: OutboundSms): SubmitResult;
}

/**
 * Failures that say the vendor cannot be used at all right now (not just this message). A timeout is not
 * one: a single slow answer says little, and the vendor may well have taken the message.
 */
const ROUTE_DOWN = new Set(['unreachable', 'auth_failed']);

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
      const settle = pace ? await pace.wait(message.signal) : null;
      inFlight++;
      try {
        if (spec.shared) await spec.shared.acquire(message.signal);
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
        settle?.();
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
 * At most `perSecond` requests *as the vendor receives them* in any one-second window of this process
 * (the SMPP route's rule, src/adapters/smpp/flow.ts): a request may start only once the one `perSecond`
 * starts back has been answered (or given up on) at least a second ago. The vendor received that one before
 * answering it, so the two arrivals are a second apart whatever the network delays; counting send times
 * instead lets jitter squeeze more arrivals into one of the vendor's seconds. Waiters queue in order; a
 * withdrawn one leaves the queue without holding up the others.
 */
class Pacer {
  private readonly slots: Array<{ settledAt: number; done: Promise<void> }>;
  private readonly windowMs: number;
  private next = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(perSecond: number) {
    // Below 1 a second the ring has one slot and the window stretches to 1/perSecond seconds.
    this.windowMs = perSecond >= 1 ? 1000 : 1000 / perSecond;
    const free = { settledAt: Number.NEGATIVE_INFINITY, done: Promise.resolve() };
    this.slots = Array.from({ length: Math.max(1, Math.floor(perSecond)) }, () => free);
  }

  /** Resolves when the request may start, with the function to call once it is answered or failed. */
  wait(signal?: AbortSignal): Promise<() => void> {
    const turn = this.tail.then(() => this.take(signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(signal?: AbortSignal): Promise<() => void> {
    const slot = this.slots[this.next]!;
    await until(slot.done, signal);
    const delay = slot.settledAt + this.windowMs - performance.now();
    if (delay > 0) await sleep(delay, signal);
    let settle!: () => void;
    const mine = { settledAt: Number.POSITIVE_INFINITY, done: new Promise<void>((r) => (settle = r)) };
    this.slots[this.next] = mine;
    this.next = (this.next + 1) % this.slots.length;
    return () => {
      mine.settledAt = performance.now();
      settle();
    };
  }
}

/** The promise, or a RouteError once the job is withdrawn. */
function until(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new RouteError('unreachable', 'send withdrawn while paced'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new RouteError('unreachable', 'send withdrawn while paced'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
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
