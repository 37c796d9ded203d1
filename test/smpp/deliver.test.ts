import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { carrierRefVariants } from '../../src/adapters/smpp/smpp-route';
import { message, recorder, route, simulator, sleep, waitFor } from './helpers';

const LONG_UCS2 = 'Спасибо за заказ! Курьер приедет завтра с 9:00 до 12:00 🚚. '.repeat(3);

describe('delivery receipts', () => {
  it('reads TLV receipts with hex ids that match the submit_sm_resp id', async () => {
    const sim = await simulator({ hexIds: true });
    const events = recorder();
    const smpp = await route(sim, {}, events);
    const result = await smpp.send(message());
    await waitFor(() => events.reports.length === 1, { what: 'receipt' });

    expect(result.carrierRef).toMatch(/^[0-9A-F]+$/);
    const [report] = events.reports;
    expect(report).toMatchObject({
      routeId: 'smpp-test',
      carrierRef: result.carrierRef,
      status: 'delivered',
      errorCode: null,
    });
    expect(report!.raw).toMatch(/^id:\d+ sub:001 dlvrd:001 .* stat:DELIVRD err:000/);
    expect(typeof report!.at).toBe('number');
  });

  it('reads text-only receipts whose decimal id matches the hex carrierRef through carrierRefVariants', async () => {
    const sim = await simulator({ hexIds: true, receiptFormat: 'text', receiptStat: () => 'UNDELIV' });
    const events = recorder();
    const smpp = await route(sim, {}, events);
    const result = await smpp.send(message());
    await waitFor(() => events.reports.length === 1, { what: 'receipt' });

    const [report] = events.reports;
    expect(report!.carrierRef).toBe(Number.parseInt(result.carrierRef, 16).toString(10));
    expect(report!.carrierRef).not.toBe(result.carrierRef);
    expect(carrierRefVariants(report!.carrierRef)).toContain(result.carrierRef);
    expect(report).toMatchObject({ status: 'undelivered', errorCode: '001' });
  });

  it('reads TLV-only receipts', async () => {
    const sim = await simulator({ receiptFormat: 'tlv', receiptStat: () => 'EXPIRED' });
    const events = recorder();
    const smpp = await route(sim, {}, events);
    const result = await smpp.send(message());
    await waitFor(() => events.reports.length === 1, { what: 'receipt' });
    expect(events.reports[0]).toMatchObject({ carrierRef: result.carrierRef, status: 'expired' });
    expect(events.reports[0]!.raw).toContain(result.carrierRef);
  });

  it('hands over a receipt that arrives before the submit_sm_resp', async () => {
    const sim = await simulator({ receiptBeforeResponse: true });
    const order: string[] = [];
    const events = recorder({ onDeliveryReport: () => void order.push('report') });
    const smpp = await route(sim, {}, events);
    const result = await smpp.send(message());
    order.push('sent');
    await waitFor(() => events.reports.length === 1, { what: 'receipt' });
    expect(order).toEqual(['report', 'sent']);
    expect(events.reports[0]!.carrierRef).toBe(result.carrierRef);
  });

  it('acknowledges a receipt only after onDeliveryReport resolves, and asks for redelivery when it fails', async () => {
    const sim = await simulator();
    let resolvedAt = 0;
    let calls = 0;
    const events = recorder({
      async onDeliveryReport() {
        calls++;
        await sleep(300);
        resolvedAt = performance.now();
        if (calls === 2) throw new Error('database down');
      },
    });
    const smpp = await route(sim, {}, events);
    await smpp.send(message());
    await waitFor(() => sim.deliveries[0]?.ackAt != null, { what: 'first ack' });
    expect(sim.deliveries[0]!.ackStatus).toBe(0);
    expect(sim.deliveries[0]!.ackAt!).toBeGreaterThanOrEqual(resolvedAt);
    expect(sim.deliveries[0]!.ackAt! - sim.deliveries[0]!.sentAt).toBeGreaterThanOrEqual(290);

    await smpp.send(message());
    await waitFor(() => sim.deliveries[1]?.ackAt != null, { what: 'second ack' });
    expect(sim.deliveries[1]!.ackStatus).toBe(0x64);
  });

  it('ignores intermediate receipts and reads receipts from message_payload', async () => {
    const sim = await simulator({ receiptStat: () => 'ENROUTE' });
    const events = recorder();
    const smpp = await route(sim, {}, events);
    await smpp.send(message());
    await waitFor(() => sim.deliveries[0]?.ackAt != null, { what: 'ack' });
    expect(sim.deliveries[0]!.ackStatus).toBe(0);
    expect(events.reports).toHaveLength(0);

    const status = await sim.sendDeliverSm({
      esm_class: 0x04,
      source_addr: '447911123456',
      destination_addr: 'ACME',
      short_message: Buffer.alloc(0),
      message_payload: Buffer.from('ID:ab-77 SUB:001 DLVRD:000 STAT:REJECTD ERR:005', 'latin1'),
    });
    expect(status).toBe(0);
    expect(events.reports).toEqual([
      expect.objectContaining({ carrierRef: 'ab-77', status: 'rejected', errorCode: '005' }),
    ]);
    expect(smpp.health().connectedBinds).toBe(1);
  });
});

describe('mobile-originated messages', () => {
  it('delivers a single GSM-7 message with the sender in E.164', async () => {
    const sim = await simulator();
    const events = recorder();
    await route(sim, {}, events);
    const statuses = await sim.sendMo('+447911123456', '12345', 'STOP all @ 5€');
    expect(statuses).toEqual([0]);
    expect(events.inbound).toEqual([
      {
        routeId: 'smpp-test',
        from: '+447911123456',
        to: '12345',
        text: 'STOP all @ 5€',
        at: expect.any(Number),
      },
    ]);
  });

  it.each(['udh8', 'udh16', 'sar', 'payload'] as const)(
    'reassembles a concatenated UCS-2 message (%s)',
    async (concat) => {
      const sim = await simulator();
      const events = recorder();
      await route(sim, {}, events);
      const statuses = await sim.sendMo('+447911123456', '+447700900123', LONG_UCS2, { concat });
      expect(statuses.every((status) => status === 0)).toBe(true);
      expect(statuses.length).toBe(concat === 'payload' ? 1 : 3);
      expect(events.inbound).toHaveLength(1);
      expect(events.inbound[0]).toMatchObject({
        from: '+447911123456',
        to: '+447700900123',
        text: LONG_UCS2,
      });
    },
  );

  it('keeps the parts when onInbound fails so that a redelivery completes the message', async () => {
    const sim = await simulator();
    let calls = 0;
    const events = recorder({
      onInbound() {
        calls++;
        if (calls === 1) throw new Error('database down');
      },
    });
    await route(sim, {}, events);
    const text = 'Long reply from the handset. '.repeat(8);
    const first = await sim.sendMo('+447911123456', '12345', text, { reference: 77 });
    expect(first).toEqual([0, 0x64]);
    expect(events.inbound).toHaveLength(0);

    const again = await sim.sendMo('+447911123456', '12345', text, { reference: 77 });
    expect(again).toEqual([0, 0]);
    expect(events.inbound).toEqual([expect.objectContaining({ from: '+447911123456', text })]);
  });
});
