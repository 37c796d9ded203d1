import { describe, expect, it } from 'vitest';
import {
  generateSecret,
  isForbiddenAddress,
  signWebhook,
  verifyWebhookSignature,
} from '../../src/modules/webhooks';

// The test vector of the Standard Webhooks specification.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const headersOf = (id: string, timestamp: number, signature: string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

describe('webhook signing (Standard Webhooks)', () => {
  it('matches the specification test vector', () => {
    expect(signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
    expect(signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, Buffer.from(SPEC.body))).toBe(SPEC.signature);
  });

  it('verifies within the tolerance and refuses a wrong secret, a changed body, id or an old timestamp', () => {
    const now = SPEC.timestamp * 1000;
    const headers = headersOf(SPEC.id, SPEC.timestamp, SPEC.signature);
    expect(verifyWebhookSignature(SPEC.secret, headers, SPEC.body, 300, now)).toBe(true);
    expect(verifyWebhookSignature(SPEC.secret, new Headers(headers), SPEC.body, 300, now + 299_000)).toBe(
      true,
    );
    expect(verifyWebhookSignature(generateSecret(), headers, SPEC.body, 300, now)).toBe(false);
    expect(verifyWebhookSignature(SPEC.secret, headers, `${SPEC.body} `, 300, now)).toBe(false);
    expect(
      verifyWebhookSignature(SPEC.secret, { ...headers, 'webhook-id': 'msg_other' }, SPEC.body, 300, now),
    ).toBe(false);
    expect(verifyWebhookSignature(SPEC.secret, headers, SPEC.body, 300, now + 301_000)).toBe(false);
    expect(verifyWebhookSignature(SPEC.secret, headers, SPEC.body, 300, now - 301_000)).toBe(false);
    expect(verifyWebhookSignature(SPEC.secret, { 'webhook-id': SPEC.id }, SPEC.body, 300, now)).toBe(false);
  });

  it('accepts any one of several space-separated signatures (secret rotation)', () => {
    const other = generateSecret();
    const both = `${signWebhook(other, SPEC.id, SPEC.timestamp, SPEC.body)} ${SPEC.signature}`;
    const headers = headersOf(SPEC.id, SPEC.timestamp, both);
    expect(verifyWebhookSignature(SPEC.secret, headers, SPEC.body, 300, SPEC.timestamp * 1000)).toBe(true);
    expect(verifyWebhookSignature(other, headers, SPEC.body, 300, SPEC.timestamp * 1000)).toBe(true);
  });

  it('makes secrets of 32 random bytes behind whsec_', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });
});

describe('webhook address policy', () => {
  it.each([
    '0.0.0.0',
    '10.1.2.3',
    '100.64.0.1',
    '100.127.255.254',
    '127.0.0.1',
    '127.255.255.255',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '192.0.2.10',
    '198.18.0.1',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
    '2001:db8::1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '93.184.215.14',
    '100.63.255.255',
    '100.128.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});
