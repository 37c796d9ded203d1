import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  analyzeText,
  decodeGsm7,
  decodeUcs2,
  encodeGsm7,
  encodeUcs2,
  splitSegments,
  unpackGsm7,
} from '../../src/modules/codec';
import { RouteError } from '../../src/modules/route-port';
import { message, route, simulator, waitFor } from './helpers';

const LONG_GSM = 'The quick brown fox jumps over the lazy dog; {curly} braces cost two septets. '.repeat(5);
const LONG_UCS2 = 'Привет! Ваш заказ №4521 готов к выдаче 📦. '.repeat(4);

describe('submit_sm', () => {
  it('sends a single GSM-7 message with explicit data_coding, TON/NPI and registered delivery', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    const validUntil = Date.UTC(2031, 5, 1, 8, 9, 10, 0);
    const result = await smpp.send(message({ text: 'Hello @ 10€', from: 'ACME', validUntil }));

    expect(sim.submits).toHaveLength(1);
    const pdu = sim.submits[0]!;
    expect(result).toEqual({ carrierRef: pdu.messageId, partRefs: [pdu.messageId] });
    expect(pdu).toMatchObject({
      sourceAddr: 'ACME',
      sourceTon: 5,
      sourceNpi: 0,
      destinationAddr: '447911123456',
      destTon: 1,
      destNpi: 1,
      esmClass: 0,
      registeredDelivery: 1,
      dataCoding: 0,
      validityPeriod: '310601080910000+',
    });
    expect(pdu.shortMessage).toEqual(encodeGsm7('Hello @ 10€'));
    expect([...pdu.shortMessage]).toEqual([
      0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x00, 0x20, 0x31, 0x30, 0x1b, 0x65,
    ]);
  });

  it('sends a single UCS-2 message as UTF-16BE with data_coding 8', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    const text = 'Ваш код: 4521 👍';
    await smpp.send(message({ text, from: '+447700900123' }));

    const pdu = sim.submits[0]!;
    expect(pdu.dataCoding).toBe(8);
    expect(pdu.shortMessage).toEqual(Buffer.from(text, 'utf16le').swap16());
    expect(decodeUcs2(pdu.shortMessage)).toBe(text);
    expect(pdu).toMatchObject({ sourceAddr: '447700900123', sourceTon: 1, sourceNpi: 1, validityPeriod: '' });
  });

  it('detects short codes and honours configured TON/NPI', async () => {
    const sim = await simulator();
    const auto = await route(sim);
    await auto.send(message({ from: '54321' }));
    expect(sim.submits[0]).toMatchObject({ sourceAddr: '54321', sourceTon: 3, sourceNpi: 0 });

    const fixed = await route(sim, { sourceTon: 0, sourceNpi: 1, destTon: 0, destNpi: 1 });
    await fixed.send(message({ from: '54321' }));
    expect(sim.submits[1]).toMatchObject({ sourceTon: 0, sourceNpi: 1, destTon: 0, destNpi: 1 });
    expect(sim.submits[1]!.destinationAddr).toBe('447911123456');
  });

  it('splits long GSM-7 text into UDH parts matching analyzeText().segments', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    const analysis = analyzeText(LONG_GSM);
    expect(analysis.segments).toBeGreaterThan(2);
    const result = await smpp.send(message({ text: LONG_GSM }));

    const parts = sim.submits;
    expect(parts).toHaveLength(analysis.segments);
    expect(result.partRefs).toEqual(parts.map((part) => part.messageId));
    expect(result.carrierRef).toBe(parts.at(-1)!.messageId);
    const ref = parts[0]!.shortMessage[3];
    const expected = splitSegments(LONG_GSM, 'GSM-7');
    parts.forEach((part, index) => {
      expect(part.esmClass & 0x40).toBe(0x40);
      expect(part.dataCoding).toBe(0);
      expect([...part.shortMessage.subarray(0, 6)]).toEqual([0x05, 0x00, 0x03, ref, parts.length, index + 1]);
      expect(part.shortMessage.length - 6).toBeLessThanOrEqual(153);
      expect(decodeGsm7(part.shortMessage.subarray(6))).toBe(expected[index]);
    });
    expect(parts.map((part) => decodeGsm7(part.shortMessage.subarray(6))).join('')).toBe(LONG_GSM);
  });

  it('splits long UCS-2 text into UDH parts of at most 67 code units', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    const segments = analyzeText(LONG_UCS2).segments;
    await smpp.send(message({ text: LONG_UCS2 }));

    expect(sim.submits).toHaveLength(segments);
    for (const part of sim.submits) {
      expect(part.dataCoding).toBe(8);
      expect(part.shortMessage.length - 6).toBeLessThanOrEqual(134);
    }
    expect(sim.submits.map((part) => decodeUcs2(part.shortMessage.subarray(6))).join('')).toBe(LONG_UCS2);
  });

  it('uses SAR TLVs when configured', async () => {
    const sim = await simulator();
    const smpp = await route(sim, { longMessages: 'sar' });
    const segments = analyzeText(LONG_GSM).segments;
    await smpp.send(message({ text: LONG_GSM }));

    expect(sim.submits).toHaveLength(segments);
    const ref = sim.submits[0]!.tlvs.get(0x020c)!.readUInt16BE(0);
    sim.submits.forEach((part, index) => {
      expect(part.esmClass).toBe(0);
      expect(part.tlvs.get(0x020c)!.readUInt16BE(0)).toBe(ref);
      expect(part.tlvs.get(0x020e)![0]).toBe(segments);
      expect(part.tlvs.get(0x020f)![0]).toBe(index + 1);
    });
    expect(sim.submits.map((part) => decodeGsm7(part.shortMessage)).join('')).toBe(LONG_GSM);
  });

  it('sends one PDU with message_payload when configured', async () => {
    const sim = await simulator();
    const smpp = await route(sim, { longMessages: 'payload' });
    const result = await smpp.send(message({ text: LONG_UCS2 }));

    expect(sim.submits).toHaveLength(1);
    const pdu = sim.submits[0]!;
    expect(pdu.shortMessage.length).toBe(0);
    expect(pdu.dataCoding).toBe(8);
    expect(pdu.tlvs.get(0x0424)).toEqual(encodeUcs2(LONG_UCS2));
    expect(result.partRefs).toEqual([pdu.messageId]);
  });

  it('packs GSM-7 septets when configured, with fill bits after the UDH', async () => {
    const sim = await simulator();
    const smpp = await route(sim, { gsmPacking: 'packed' });
    await smpp.send(message({ text: 'hellohello' }));
    const single = sim.submits[0]!;
    expect(single.dataCoding).toBe(0);
    expect(single.shortMessage.toString('hex')).toBe('e8329bfd4697d9ec37');

    await smpp.send(message({ text: LONG_GSM }));
    const parts = sim.submits.slice(1);
    const texts = splitSegments(LONG_GSM, 'GSM-7');
    expect(parts).toHaveLength(texts.length);
    parts.forEach((part, index) => {
      const septets = encodeGsm7(texts[index]!).length;
      const body = part.shortMessage.subarray(6);
      expect(body.length).toBe(Math.ceil((1 + septets * 7) / 8));
      expect(decodeGsm7(unpackGsm7(body, septets, 1))).toBe(texts[index]);
    });
  });

  it('rejects messages whose parts would not match the charged segments, without sending', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    const error = await smpp.send(message({ text: LONG_GSM, segments: 2 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteError);
    expect(error).toMatchObject({ retryable: false, code: 'invalid_message', carrierCode: null });
    expect((error as Error).message).toContain('segments were charged');

    const notGsm = await smpp.send(message({ text: 'Ж', encoding: 'GSM-7', segments: 1 })).catch((e) => e);
    expect(notGsm).toMatchObject({ retryable: false, code: 'invalid_message' });
    expect((notGsm as Error).message).toContain('cannot be sent as GSM-7');

    const expired = await smpp.send(message({ validUntil: Date.now() - 1000 })).catch((e) => e);
    expect(expired).toMatchObject({ retryable: false, code: 'expired' });
    expect(sim.submits).toHaveLength(0);
  });

  it('keeps at most `window` submits unacknowledged per bind and spreads them over binds', async () => {
    const sim = await simulator({ responseDelayMs: 500, receipts: false });
    const smpp = await route(sim, { binds: 2, window: 3 });
    await waitFor(() => smpp.health().connectedBinds === 2, { what: 'two binds' });
    const sends = Array.from({ length: 12 }, () => smpp.send(message()));
    await waitFor(() => sim.submits.length >= 6, { what: 'first window' });
    expect(smpp.health().inFlight).toBe(6);
    expect(sim.submits.length).toBe(6);
    expect(new Set(sim.submits.map((submit) => submit.session)).size).toBe(2);
    await Promise.all(sends);
    expect(sim.submits).toHaveLength(12);
    expect(smpp.health()).toMatchObject({ inFlight: 0, sentLastMinute: 12, errorsLastMinute: 0 });
  });
});
