import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import {
  type DeliveryReport,
  type OutboundSms,
  RouteError,
  type RouteEvents,
  type RouteHealth,
  type SmsRoute,
  type SubmitResult,
} from '../../modules/dispatch';
import { MinuteCounter } from '../minute-counter';

export interface SimulatorSettings {
  /** How long after the submit the receipt comes. */
  deliveryDelayMs: number;
  /** Share of messages (0–1) reported undelivered, chosen by a hash of the carrier id (stable across restarts). */
  undeliveredRate: number;
  /** Numbers matching this are reported undelivered. */
  undeliveredPattern: RegExp | null;
  /** Numbers matching this are refused at submit (a permanent error: the message fails, credits come back). */
  rejectPattern: RegExp | null;
}

/**
 * The built-in carrier of the embedded default: accepts every submit and later reports delivery.
 * It keeps no state of its own: pending receipts are the messages it sent that are still `sent`, so a
 * restart loses none (like a real carrier re-sending receipts after a reconnect).
 */
export function createSimulatorRoute(deps: {
  id: string;
  clock: Clock;
  settings: SimulatorSettings;
  awaitingReports(
    routeId: string,
    sentBefore: number,
    limit: number,
  ): Promise<Array<{ carrierRef: string; to: string }>>;
}): SmsRoute & {
  pump(): Promise<number>;
  reply(sms: { from: string; to: string; text: string; accountId: string }): Promise<void>;
} {
  const { id, clock, settings } = deps;
  let events: RouteEvents | null = null;
  const sent = new MinuteCounter();
  // Receipts handed in but not yet stored: not generated again while in flight.
  const inFlight = new Set<string>();

  function outcomeFor(carrierRef: string, to: string): DeliveryReport['status'] {
    if (settings.undeliveredPattern?.test(to)) return 'undelivered';
    if (settings.undeliveredRate > 0) {
      const bucket = createHash('sha1').update(carrierRef).digest().readUInt32BE(0) / 0xffffffff;
      if (bucket < settings.undeliveredRate) return 'undelivered';
    }
    return 'delivered';
  }

  return {
    id,
    async send(message: OutboundSms): Promise<SubmitResult> {
      if (settings.rejectPattern?.test(message.to)) {
        throw new RouteError(
          'invalid_destination',
          'The simulated carrier refuses this destination.',
          'SIM_REJECTED',
        );
      }
      const carrierRef = `sim-${randomBytes(8).toString('hex')}`;
      sent.add(clock.now());
      return { carrierRef, partRefs: [carrierRef] };
    },
    async start(handlers: RouteEvents) {
      events = handlers;
    },
    async stop() {
      events = null;
    },
    /** Reports every receipt that is due; returns how many. */
    async pump(): Promise<number> {
      if (!events) return 0;
      const due = await deps.awaitingReports(id, clock.now() - settings.deliveryDelayMs, 5000);
      const fresh = due.filter((d) => !inFlight.has(d.carrierRef));
      if (fresh.length === 0) return 0;
      const at = clock.now();
      await Promise.all(
        fresh.map(async (d) => {
          inFlight.add(d.carrierRef);
          const status = outcomeFor(d.carrierRef, d.to);
          try {
            await events?.onDeliveryReport({
              routeId: id,
              carrierRef: d.carrierRef,
              status,
              errorCode: status === 'delivered' ? null : '001',
              raw: `id:${d.carrierRef} sub:001 dlvrd:${status === 'delivered' ? '001' : '000'} stat:${status === 'delivered' ? 'DELIVRD' : 'UNDELIV'} err:${status === 'delivered' ? '000' : '001'}`,
              at,
            });
          } finally {
            inFlight.delete(d.carrierRef);
          }
        }),
      );
      return fresh.length;
    },
    /**
     * A simulated phone's reply (a mobile-originated message), handed in exactly as a carrier's MO is: the
     * inbound receiver stores it, sends `message.received` webhooks and applies STOP/START. Resolves once
     * it is stored.
     */
    async reply(sms) {
      if (!events) throw new Error('the simulator route is not started');
      await events.onInbound({
        routeId: id,
        from: sms.from,
        to: sms.to,
        text: sms.text,
        at: clock.now(),
        accountId: sms.accountId,
      });
    },
    health(): RouteHealth {
      return {
        connectedBinds: 1,
        inFlight: inFlight.size,
        sentLastMinute: sent.total(clock.now()),
        errorsLastMinute: 0,
        lastError: null,
      };
    },
  };
}
