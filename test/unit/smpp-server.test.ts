import { describe, expect, it } from 'vitest';
import { encodeBind } from '../../src/adapters/smpp/wire';
import {
  decodeBind,
  parseSmppTime,
  recipientOf,
  senderOf,
  statusOfError,
  textOf,
} from '../../src/adapters/smpp-server/pdus';
import { receiptDate, receiptText } from '../../src/modules/smpp-accounts';

const NOW = Date.UTC(2026, 11, 8, 12, 0, 0);

describe('SMPP times (SMPP 3.4 §7.1.1)', () => {
  it('reads absolute times with their quarter-hour offset', () => {
    expect(parseSmppTime('261208150000000+', NOW)).toBe(Date.UTC(2026, 11, 8, 15, 0, 0));
    expect(parseSmppTime('261208150000004+', NOW)).toBe(Date.UTC(2026, 11, 8, 14, 0, 0));
    expect(parseSmppTime('261208150000508-', NOW)).toBe(Date.UTC(2026, 11, 8, 17, 0, 0, 500));
  });
  it('reads relative times from now', () => {
    expect(parseSmppTime('000001020304000R', NOW)).toBe(NOW + ((24 + 2) * 3600 + 3 * 60 + 4) * 1000);
  });
  it('takes empty as none and refuses other forms', () => {
    expect(parseSmppTime('', NOW)).toBeNull();
    for (const bad of ['2612081500', '261308150000000+', '26120815000000+0', 'abcdefghijklmnop'])
      expect(() => parseSmppTime(bad, NOW), bad).toThrow(RangeError);
  });
});

describe('SMPP addresses', () => {
  it('reads destinations as E.164', () => {
    expect(recipientOf('37121234567', 1)).toBe('+37121234567');
    expect(recipientOf('37121234567', 0)).toBe('+37121234567');
    expect(recipientOf('0037121234567', 2)).toBe('+37121234567');
    expect(recipientOf('+37121234567', 0)).toBe('+37121234567');
    expect(recipientOf('21234567', 2)).toBe('21234567');
  });
  it('reads senders by their TON', () => {
    expect(senderOf('Acme', 5)).toBe('Acme');
    expect(senderOf('37120000000', 1)).toBe('+37120000000');
    expect(senderOf('', 0)).toBeUndefined();
  });
});

describe('SMPP text and statuses', () => {
  it('decodes GSM-7 (unpacked), UCS-2 with surrogates and Latin-1', () => {
    expect(textOf(Buffer.from([0x48, 0x69, 0x1b, 0x65, 0x11]), 0)).toBe('Hi€_');
    expect(textOf(Buffer.from('d83dde420041', 'hex'), 8)).toBe('🙂A');
    expect(textOf(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 3)).toBe('café');
  });
  it('maps the accept path’s codes to command_status', () => {
    expect(statusOfError('invalid_phone_number')).toBe(0x0b);
    expect(statusOfError('invalid_sender_id')).toBe(0x0a);
    expect(statusOfError('insufficient_credits')).toBe(0x45);
    expect(statusOfError('message_too_long')).toBe(0x01);
    expect(statusOfError('storage_full')).toBe(0x14);
    expect(statusOfError(null)).toBe(0x08);
  });
  it('reads a bind body', () => {
    const frame = encodeBind(0x09, 3, {
      systemId: 'acme',
      password: 'pw',
      systemType: 'VMA',
      interfaceVersion: 0x34,
      addrTon: 0,
      addrNpi: 0,
      addressRange: '',
    });
    expect(decodeBind(frame)).toEqual({
      systemId: 'acme',
      password: 'pw',
      systemType: 'VMA',
      interfaceVersion: 0x34,
    });
    expect(() => decodeBind(frame.subarray(0, 20))).toThrow();
  });
});

describe('delivery receipt text (SMPP 3.4 Appendix B)', () => {
  it('has the standard fields, dates in UTC as YYMMDDhhmm', () => {
    expect(receiptDate(Date.UTC(2026, 0, 2, 3, 4, 59))).toBe('2601020304');
    expect(
      receiptText({
        messageId: 'msg_1',
        status: 'undelivered',
        submittedAt: Date.UTC(2026, 0, 2, 3, 4),
        doneAt: Date.UTC(2026, 0, 2, 3, 5),
        errorCode: '34',
        textHead: 'Hello',
      }),
    ).toBe(
      'id:msg_1 sub:001 dlvrd:000 submit date:2601020304 done date:2601020305 stat:UNDELIV err:034 text:Hello',
    );
  });
});
