import { afterEach, expect } from 'vitest';
import { type SmscSimulator, type SmscSimulatorOptions, startSmscSimulator } from '../../dev/smsc-simulator';
import type { SmppRouteConfig } from '../../src/adapters/smpp/config';
import { createSmppRoute } from '../../src/adapters/smpp/smpp-route';
import { analyzeText } from '../../src/modules/codec';
import type {
  DeliveryReport,
  InboundSms,
  OutboundSms,
  RouteEvents,
  SmsRoute,
} from '../../src/modules/route-port';

export const SYSTEM_ID = 'smsgate';
export const PASSWORD = 'secret1';

const cleanups: (() => Promise<void>)[] = [];

/** Stops every route and simulator a test started, routes first. */
afterEach(async () => {
  const pending = cleanups.splice(0).reverse();
  const failures: unknown[] = [];
  for (const cleanup of pending) await cleanup().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

export async function waitFor(
  predicate: () => boolean,
  { timeoutMs = 10_000, intervalMs = 10, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let counter = 0;

/** An outbound message; encoding and segments are computed from the text unless given. */
export function message(overrides: Partial<OutboundSms> = {}): OutboundSms {
  const text = overrides.text ?? 'Your code is 123456';
  const analysis = analyzeText(text);
  return {
    messageId: `msg-${++counter}`,
    accountId: 'acc-1',
    to: '+447911123456',
    from: 'ACME',
    encoding: analysis.encoding,
    segments: analysis.segments,
    validUntil: null,
    type: 'transactional',
    ...overrides,
    text,
  };
}

export async function simulator(options: Partial<SmscSimulatorOptions> = {}): Promise<SmscSimulator> {
  const sim = await startSmscSimulator({ systemId: SYSTEM_ID, password: PASSWORD, ...options });
  cleanups.push(async () => {
    await sim.stop();
    // The route's submit_sm encoding must read the same through the `smpp` package's decoder.
    expect(sim.protocolErrors).toEqual([]);
  });
  return sim;
}

export interface Recorder extends RouteEvents {
  reports: DeliveryReport[];
  inbound: InboundSms[];
}

export function recorder(
  handlers: {
    onDeliveryReport?: (report: DeliveryReport) => void | Promise<void>;
    onInbound?: (sms: InboundSms) => void | Promise<void>;
  } = {},
): Recorder {
  const reports: DeliveryReport[] = [];
  const inbound: InboundSms[] = [];
  return {
    reports,
    inbound,
    async onDeliveryReport(report) {
      await handlers.onDeliveryReport?.(report);
      reports.push(report);
    },
    async onInbound(sms) {
      await handlers.onInbound?.(sms);
      inbound.push(sms);
    },
  };
}

/** A started route bound to `sim` (stopped after the test). */
export async function route(
  sim: SmscSimulator,
  config: Partial<SmppRouteConfig> = {},
  events: RouteEvents = recorder(),
): Promise<SmsRoute> {
  const smsRoute = createSmppRoute('smpp-test', {
    host: '127.0.0.1',
    port: sim.port,
    systemId: SYSTEM_ID,
    password: PASSWORD,
    ...config,
  });
  cleanups.push(() => smsRoute.stop());
  await smsRoute.start(events);
  return smsRoute;
}
