import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/kernel/ids';
import {
  accountIdOfSid,
  accountSid,
  keySid,
  MAX_TWIML_MESSAGES,
  messageIdOfSid,
  messageSid,
  rfc2822,
  twilioSignature,
  twimlMessages,
} from '../../src/modules/twilio-compat';
import { FakeClock } from '../helpers/fake-clock';

describe('Twilio SIDs for our ids', () => {
  const ids = createIdGenerator(new FakeClock());

  it('are two letters and 32 hex digits, and lead back to the id', () => {
    for (let i = 0; i < 200; i++) {
      const msg = ids('msg');
      const acc = ids('acc');
      expect(messageSid(msg)).toMatch(/^SM[0-9a-f]{32}$/);
      expect(accountSid(acc)).toMatch(/^AC[0-9a-f]{32}$/);
      expect(keySid(ids('key'))).toMatch(/^SK[0-9a-f]{32}$/);
      expect(messageIdOfSid(messageSid(msg))).toBe(msg);
      expect(accountIdOfSid(accountSid(acc))).toBe(acc);
      // Upper-case hex, as some clients write it, is the same SID.
      expect(
        messageIdOfSid(
          messageSid(msg)
            .replace(/[a-f]/g, (c) => c.toUpperCase())
            .replace(/^sm/i, 'SM'),
        ),
      ).toBe(msg);
    }
  });

  it('keep the order of the ids (time-sortable)', () => {
    const a = ids('msg');
    const b = ids('msg');
    expect(messageSid(a) < messageSid(b)).toBe(true);
  });

  it('refuse what is not one', () => {
    expect(messageIdOfSid('SM123')).toBeNull();
    expect(messageIdOfSid(`MM${'0'.repeat(32)}`)).toBeNull();
    expect(messageIdOfSid(`SM${'g'.repeat(32)}`)).toBeNull();
    expect(accountIdOfSid(`SM${'0'.repeat(32)}`)).toBeNull();
    expect(() => messageSid('acc_01h0000000000000000000000')).toThrow();
    expect(() => messageSid('msg_zzzzzzzzzzzzzzzzzzzzzzzzzz')).toThrow();
  });
});

describe('Twilio shapes', () => {
  it('writes dates in RFC 2822 GMT', () => {
    expect(rfc2822('2023-08-24T05:01:45.123Z')).toBe('Thu, 24 Aug 2023 05:01:45 +0000');
    expect(rfc2822(undefined)).toBeNull();
  });

  it('signs as the official SDK expects (its own implementation as the independent check)', () => {
    const params = {
      MessageSid: 'SM1',
      MessageStatus: 'delivered',
      To: '+37121234567',
      From: 'Acme',
      ErrorCode: '',
    };
    for (const url of [
      'https://example.com/status',
      'https://example.com/s?b=2&a=1',
      'http://127.0.0.1:8080/x',
    ]) {
      const ours = twilioSignature('sg_live_token', url, params);
      expect(ours).toBe(twilio.getExpectedTwilioSignature('sg_live_token', url, params));
      expect(twilio.validateRequest('sg_live_token', ours, url, params)).toBe(true);
      expect(twilio.validateRequest('other', ours, url, params)).toBe(false);
    }
  });
});

describe('TwiML answers of an SMS URL', () => {
  it('gives the texts of <Message> elements, with or without <Body>, entities decoded', () => {
    expect(
      twimlMessages(
        '<?xml version="1.0"?><Response><Message to="+1">Hi &amp; bye &#233;&#x1F600;</Message><Message><Body> B </Body><Media>https://x/y.png</Media></Message></Response>',
      ),
    ).toEqual(['Hi & bye é😀', 'B']);
  });

  it('gives nothing for what is not TwiML, an empty answer or empty messages', () => {
    expect(twimlMessages(null)).toEqual([]);
    expect(twimlMessages('ok')).toEqual([]);
    expect(twimlMessages('<Message>not in a Response</Message>')).toEqual([]);
    expect(twimlMessages('<Response></Response>')).toEqual([]);
    expect(twimlMessages('<Response><Message>  </Message><Message>unclosed')).toEqual([]);
  });

  it('takes at most MAX_TWIML_MESSAGES, and stays fast on hostile input', () => {
    const many = `<Response>${'<Message>x</Message>'.repeat(50)}</Response>`;
    expect(twimlMessages(many)).toHaveLength(MAX_TWIML_MESSAGES);
    const hostile = `<Response>${'<Message '.repeat(100)}${'<Body>'.repeat(50)}`;
    const started = performance.now();
    expect(twimlMessages(hostile.slice(0, 1024))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
