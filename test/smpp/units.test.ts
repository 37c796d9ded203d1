import { Buffer } from 'node:buffer';
import smpp from 'smpp';
import { describe, expect, it } from 'vitest';
import {
  destinationAddress,
  displayAddress,
  formatAbsoluteTime,
  sourceAddress,
} from '../../src/adapters/smpp/addressing';
import { smppRouteConfigSchema } from '../../src/adapters/smpp/config';
import { SlidingWindowLimiter } from '../../src/adapters/smpp/flow';
import { alphabetOf, decodeMoText, MoReassembler } from '../../src/adapters/smpp/mo';
import {
  carrierRefVariants,
  parseReceipt,
  parseReceiptText,
  statusFromStat,
} from '../../src/adapters/smpp/receipts';
import {
  CommandId,
  decodeShortMessagePdu,
  encodeBind,
  encodeHeaderOnly,
  encodeShortMessagePdu,
  encodeStringResponse,
  FrameReader,
  FramingError,
  type ShortMessagePdu,
  Tlv,
  tlvCString,
} from '../../src/adapters/smpp/wire';
import { encodeUcs2 } from '../../src/modules/codec';

describe('carrierRefVariants', () => {
  it('converts decimal ids to hex and back', () => {
    const variants = carrierRefVariants('1000001');
    expect(variants).toContain('1000001');
    expect(variants).toContain('f4241');
    expect(variants).toContain('F4241');
  });

  it('converts hex ids to decimal and covers case', () => {
    const variants = carrierRefVariants('0F4241');
    expect(variants).toEqual(expect.arrayContaining(['0F4241', '0f4241', 'f4241', 'F4241', '1000001']));
  });

  it('keeps non-numeric ids as they are, plus case variants', () => {
    expect(carrierRefVariants('msg-Ab_1')).toEqual(['msg-Ab_1', 'msg-ab_1', 'MSG-AB_1']);
    expect(carrierRefVariants('  ')).toEqual([]);
  });

  it('handles ids longer than 2^53 exactly', () => {
    expect(carrierRefVariants('ffffffffffffffffff')).toContain('4722366482869645213695');
  });
});

describe('receipt parsing', () => {
  it('reads the standard text', () => {
    const text =
      'id:0123456789 sub:001 dlvrd:001 submit date:2511291200 done date:2511291201 stat:DELIVRD err:000 text:Hello';
    expect(parseReceiptText(text)).toEqual({
      id: '0123456789',
      stat: 'DELIVRD',
      err: '000',
      submitDate: '2511291200',
      doneDate: '2511291201',
    });
  });

  it('is case-insensitive, tolerates missing fields and ignores the text field', () => {
    const parsed = parseReceiptText('ID:ab12 Stat:undeliv ERR:34 text:stat:DELIVRD id:evil');
    expect(parsed).toEqual({ id: 'ab12', stat: 'undeliv', err: '34', submitDate: null, doneDate: null });
    expect(parseReceiptText('stat:EXPIRED')).toMatchObject({ id: null, stat: 'EXPIRED' });
  });

  it('maps stat values', () => {
    expect(statusFromStat('DELIVRD')).toBe('delivered');
    expect(statusFromStat('UNDELIV')).toBe('undelivered');
    expect(statusFromStat('EXPIRED')).toBe('expired');
    expect(statusFromStat('REJECTD')).toBe('rejected');
    expect(statusFromStat('DELETED')).toBe('unknown');
    expect(statusFromStat('UNKNOWN')).toBe('unknown');
    expect(statusFromStat('ACCEPTD')).toBe('unknown');
    expect(statusFromStat('ENROUTE')).toBeNull();
  });

  it('prefers TLVs over the text, and keeps err from the text', () => {
    const receipt = parseReceipt({
      text: 'id:123 stat:DELIVRD err:012',
      receiptedMessageId: '7B',
      messageState: 5,
      networkError: null,
    });
    expect(receipt).toMatchObject({ carrierRef: '7B', status: 'undelivered', errorCode: '012' });
  });

  it('uses network_error_code when the text has no error', () => {
    const receipt = parseReceipt({
      text: '',
      receiptedMessageId: 'x1',
      messageState: 8,
      networkError: { type: 3, code: 11 },
    });
    expect(receipt).toMatchObject({ carrierRef: 'x1', status: 'rejected', errorCode: '3:11' });
  });

  it('returns null without an id', () => {
    expect(
      parseReceipt({
        text: 'stat:DELIVRD',
        receiptedMessageId: null,
        messageState: null,
        networkError: null,
      }),
    ).toBe(null);
  });
});

describe('addresses', () => {
  it('detects the source TON/NPI', () => {
    expect(sourceAddress('ACME')).toEqual({ addr: 'ACME', ton: 5, npi: 0 });
    expect(sourceAddress('Info 24')).toEqual({ addr: 'Info 24', ton: 5, npi: 0 });
    expect(sourceAddress('+447911123456')).toEqual({ addr: '447911123456', ton: 1, npi: 1 });
    expect(sourceAddress('12345')).toEqual({ addr: '12345', ton: 3, npi: 0 });
    expect(sourceAddress('07911123456')).toEqual({ addr: '07911123456', ton: 2, npi: 1 });
    expect(sourceAddress('00447911123456')).toEqual({ addr: '447911123456', ton: 1, npi: 1 });
    expect(sourceAddress('447911123456')).toEqual({ addr: '447911123456', ton: 0, npi: 1 });
    expect(sourceAddress('ACME', 0, 1)).toEqual({ addr: 'ACME', ton: 0, npi: 1 });
  });

  it('sends E.164 destinations as international without the plus', () => {
    expect(destinationAddress('+447911123456')).toEqual({ addr: '447911123456', ton: 1, npi: 1 });
    expect(destinationAddress('+447911123456', 0)).toEqual({ addr: '447911123456', ton: 0, npi: 1 });
    expect(displayAddress('447911123456', 1)).toBe('+447911123456');
    expect(displayAddress('12345', 3)).toBe('12345');
  });

  it('formats absolute SMPP time in UTC', () => {
    expect(formatAbsoluteTime(Date.UTC(2025, 11, 1, 12, 30, 45, 678))).toBe('251201123045600+');
    expect(formatAbsoluteTime(Date.UTC(2030, 0, 9, 3, 4, 5, 0))).toBe('300109030405000+');
  });
});

describe('config', () => {
  it('applies defaults', () => {
    const config = smppRouteConfigSchema.parse({ host: 'smsc', port: 2775, systemId: 'id', password: 'pw' });
    expect(config).toMatchObject({
      tls: false,
      bindMode: 'transceiver',
      binds: 1,
      window: 10,
      throughput: 0,
      enquireLinkSeconds: 30,
      longMessages: 'udh',
      gsmPacking: 'unpacked',
      submitTimeoutMs: 10_000,
    });
  });

  it('rejects impossible values', () => {
    expect(() =>
      smppRouteConfigSchema.parse({ host: 'smsc', port: 0, systemId: 'id', password: 'pw' }),
    ).toThrow();
    expect(() =>
      smppRouteConfigSchema.parse({ host: 'smsc', port: 2775, systemId: 'id', password: 'pw', window: 0 }),
    ).toThrow();
  });
});

describe('SlidingWindowLimiter', () => {
  it('starts a submit only when the one N starts back was answered a window ago', () => {
    const limiter = new SlidingWindowLimiter(3, 1000);
    const slots = [limiter.start(), limiter.start(), limiter.start()];
    expect(limiter.delay(0)).toBe(Number.POSITIVE_INFINITY);
    limiter.settle(slots[1]!, 40);
    expect(limiter.delay(50)).toBe(Number.POSITIVE_INFINITY); // the oldest is still unanswered
    limiter.settle(slots[0]!, 30);
    expect(limiter.delay(50)).toBe(980);
    expect(limiter.delay(1030)).toBe(0);
    limiter.start();
    limiter.settle(slots[2]!, 60);
    expect(limiter.delay(1030)).toBe(10);
  });

  it('never lets more than N arrivals share a window at the receiver, whatever the delays', () => {
    const limiter = new SlidingWindowLimiter(5, 1000);
    const arrivals: number[] = [];
    const pending: { slot: number; answerAt: number }[] = [];
    let now = 0;
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    while (arrivals.length < 60) {
      for (let i = pending.length - 1; i >= 0; i--) {
        const { slot, answerAt } = pending[i]!;
        if (answerAt <= now) {
          limiter.settle(slot, answerAt);
          pending.splice(i, 1);
        }
      }
      if (limiter.delay(now) === 0) {
        const arrival = now + random() * 300; // network + receiver delay
        arrivals.push(arrival);
        pending.push({ slot: limiter.start(), answerAt: arrival + random() * 50 });
      } else {
        now += 1;
      }
    }
    const sorted = arrivals.sort((a, b) => a - b);
    for (let i = 5; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 5]!).toBeGreaterThanOrEqual(1000);
  });
});

describe('MO decoding', () => {
  it('maps data codings to alphabets', () => {
    expect(alphabetOf(0x00)).toBe('gsm7');
    expect(alphabetOf(0x08)).toBe('ucs2');
    expect(alphabetOf(0x03)).toBe('latin1');
    expect(alphabetOf(0x18)).toBe('ucs2');
    expect(alphabetOf(0xf0)).toBe('gsm7');
    expect(alphabetOf(0xf4)).toBe('latin1');
  });

  it('decodes GSM-7, UCS-2 and Latin-1 and falls back on bad GSM bytes', () => {
    expect(decodeMoText(Buffer.from([0x48, 0x00, 0x1b, 0x65]), 0)).toBe('H@€');
    expect(decodeMoText(encodeUcs2('Привет 👋'), 8)).toBe('Привет 👋');
    expect(decodeMoText(Buffer.from('café', 'latin1'), 3)).toBe('café');
    expect(decodeMoText(Buffer.from('café', 'latin1'), 0)).toBe('café');
  });

  it('joins octets before decoding so a surrogate pair split across parts survives', () => {
    const bytes = encodeUcs2('ab👋cd');
    const reassembler = new MoReassembler();
    const concat = (seq: number) => ({ ref: 7, total: 2, seq });
    expect(reassembler.add('+44', '123', concat(2), bytes.subarray(6), 8, 0)).toBeNull();
    const done = reassembler.add('+44', '123', concat(1), bytes.subarray(0, 6), 8, 0);
    expect(done?.text).toBe('ab👋cd');
  });

  it('hands over incomplete messages after the timeout', () => {
    const reassembler = new MoReassembler();
    reassembler.add('+44', '123', { ref: 1, total: 3, seq: 1 }, Buffer.from('Hi '), 3, 0);
    expect(reassembler.expire(1_000, 5_000)).toEqual([]);
    const [partial] = reassembler.expire(6_000, 5_000);
    expect(partial).toMatchObject({ text: 'Hi ', parts: 1, complete: false });
    expect(reassembler.size).toBe(0);
  });
});

describe('FrameReader', () => {
  it('cuts PDUs split across chunks and joined in one chunk', () => {
    const a = encodeHeaderOnly(CommandId.enquire_link, 1);
    const b = encodeStringResponse(CommandId.submit_sm_resp, 2, 'abc');
    const stream = Buffer.concat([a, b, a]);
    const reader = new FrameReader();
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 5) {
      reader.push(stream.subarray(i, i + 5), (frame) => frames.push(Buffer.from(frame)));
    }
    expect(frames).toEqual([a, b, a]);
  });

  it('rejects impossible lengths', () => {
    const reader = new FrameReader();
    expect(() => reader.push(Buffer.from([0, 0, 0, 8, 0, 0, 0, 0]), () => {})).toThrow(FramingError);
    expect(() => reader.push(Buffer.from([0xff, 0xff, 0xff, 0xff]), () => {})).toThrow(FramingError);
  });
});

describe('codec against the smpp package', () => {
  const submit: ShortMessagePdu = {
    serviceType: '',
    sourceTon: 5,
    sourceNpi: 0,
    sourceAddr: 'ACME',
    destTon: 1,
    destNpi: 1,
    destinationAddr: '447911123456',
    esmClass: 0,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: '',
    validityPeriod: '310601080910000+',
    registeredDelivery: 1,
    replaceIfPresent: 0,
    dataCoding: 8,
    smDefaultMsgId: 0,
    shortMessage: encodeUcs2('Привет'),
    tlvs: new Map([
      [Tlv.sar_msg_ref_num, Buffer.from([0x12, 0x34])],
      [Tlv.sar_total_segments, Buffer.from([2])],
      [Tlv.sar_segment_seqnum, Buffer.from([1])],
    ]),
  };

  it('encodes submit_sm as the package decodes it, and decodes it back', () => {
    const bytes = encodeShortMessagePdu(CommandId.submit_sm, 77, submit);
    const pdu = new smpp.PDU(bytes);
    expect(pdu).toMatchObject({
      command: 'submit_sm',
      command_length: bytes.length,
      sequence_number: 77,
      source_addr_ton: 5,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447911123456',
      registered_delivery: 1,
      data_coding: 8,
      sar_msg_ref_num: 0x1234,
      sar_total_segments: 2,
      sar_segment_seqnum: 1,
    });
    expect((pdu.short_message as { message: string }).message).toBe('Привет');
    expect(decodeShortMessagePdu(bytes)).toEqual(submit);
  });

  it('encodes binds and responses as the package decodes them', () => {
    const bind = new smpp.PDU(
      encodeBind(CommandId.bind_transceiver, 1, {
        systemId: 'smsgate',
        password: 'secret',
        systemType: 'SMPP',
        interfaceVersion: 0x34,
        addrTon: 0,
        addrNpi: 0,
        addressRange: '',
      }),
    );
    expect(bind).toMatchObject({
      command: 'bind_transceiver',
      system_id: 'smsgate',
      password: 'secret',
      system_type: 'SMPP',
      interface_version: 0x34,
    });
    expect(new smpp.PDU(encodeStringResponse(CommandId.deliver_sm_resp, 9, ''))).toMatchObject({
      command: 'deliver_sm_resp',
      sequence_number: 9,
      command_status: 0,
    });
    expect(new smpp.PDU(encodeStringResponse(CommandId.submit_sm_resp, 3, 'x', 0x58))).toMatchObject({
      command: 'submit_sm_resp',
      command_length: 16,
      command_status: 0x58,
    });
    expect(new smpp.PDU(encodeHeaderOnly(CommandId.generic_nack, 4, 3))).toMatchObject({
      command: 'generic_nack',
      command_status: 3,
    });
  });

  it('decodes a deliver_sm the package encodes', () => {
    const bytes = new smpp.PDU('deliver_sm', {
      sequence_number: 5,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '447911123456',
      destination_addr: 'ACME',
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from('id:42 stat:DELIVRD'),
      receipted_message_id: '2A',
      message_state: 2,
    }).toBuffer();
    const pdu = decodeShortMessagePdu(bytes);
    expect(pdu).toMatchObject({
      sourceTon: 1,
      sourceAddr: '447911123456',
      destinationAddr: 'ACME',
      esmClass: 4,
    });
    expect(pdu.shortMessage.toString()).toBe('id:42 stat:DELIVRD');
    expect(tlvCString(pdu.tlvs, Tlv.receipted_message_id)).toBe('2A');
    expect(pdu.tlvs.get(Tlv.message_state)).toEqual(Buffer.from([2]));
  });

  it('refuses fields that do not fit SMPP 3.4', () => {
    expect(() =>
      encodeShortMessagePdu(CommandId.submit_sm, 1, { ...submit, sourceAddr: 'x'.repeat(21) }),
    ).toThrow(RangeError);
    expect(() => encodeShortMessagePdu(CommandId.submit_sm, 1, { ...submit, sourceAddr: 'Ωmega' })).toThrow(
      RangeError,
    );
    expect(() =>
      encodeShortMessagePdu(CommandId.submit_sm, 1, { ...submit, shortMessage: Buffer.alloc(255) }),
    ).toThrow(RangeError);
  });
});
