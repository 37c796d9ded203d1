import { isIPv4, isIPv6 } from 'node:net';
import { AppError } from '../../kernel/errors';

/** Longest webhook URL accepted. */
export const MAX_URL_LENGTH = 2048;

// [first address as a 32-bit number, prefix length]; everything that is not the public internet.
const V4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const V4_RANGES = V4_BLOCKED.map(([base, bits]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (v4ToNumber(base)! & mask) >>> 0, mask };
});

function v4ToNumber(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

function v4Blocked(n: number): boolean {
  return V4_RANGES.some((r) => (n & r.mask) >>> 0 === r.base);
}

/** The 16 bytes of an IPv6 address (zone id dropped), or null when it is not one. */
function v6ToBytes(input: string): Uint8Array | null {
  const address = input.split('%')[0]!;
  if (!isIPv6(address)) return null;
  let head = address;
  let tailV4: number | null = null;
  // A trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups.
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    tailV4 = v4ToNumber(address.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::') as [string, string | undefined];
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [
    ...leftGroups,
    ...Array<string>(right === undefined ? 0 : missing).fill('0'),
    ...rightGroups,
  ];
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  if (tailV4 !== null) {
    bytes[12] = tailV4 >>> 24;
    bytes[13] = (tailV4 >>> 16) & 0xff;
    bytes[14] = (tailV4 >>> 8) & 0xff;
    bytes[15] = tailV4 & 0xff;
  }
  return bytes;
}

function startsWith(bytes: Uint8Array, prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const bit = 7 - (i & 7);
    if (((bytes[byte]! >> bit) & 1) !== (((prefix[byte] ?? 0) >> bit) & 1)) return false;
  }
  return true;
}

const v4At = (b: Uint8Array, offset: number) =>
  ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;

function v6Blocked(b: Uint8Array): boolean {
  if (b.every((x) => x === 0)) return true; // :: unspecified
  if (startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128)) return true; // ::1 loopback
  if (startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) return v4Blocked(v4At(b, 12)); // v4-mapped
  if (startsWith(b, [], 96)) return true; // deprecated v4-compatible ::a.b.c.d
  if (startsWith(b, [0, 0x64, 0xff, 0x9b], 96)) return v4Blocked(v4At(b, 12)); // NAT64 64:ff9b::/96
  if (startsWith(b, [0, 0x64, 0xff, 0x9b, 0, 1], 48)) return true; // local-use NAT64
  if (startsWith(b, [0x01, 0], 64)) return true; // 100::/64 discard
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return true; // documentation
  if (startsWith(b, [0x20, 0x02], 16)) return v4Blocked(v4At(b, 2)); // 6to4 embeds an IPv4
  if (startsWith(b, [0xfc], 7)) return true; // unique local fc00::/7
  if (startsWith(b, [0xfe, 0x80], 10)) return true; // link-local fe80::/10
  if (startsWith(b, [0xfe, 0xc0], 10)) return true; // deprecated site-local
  if (startsWith(b, [0xff], 8)) return true; // multicast
  return false;
}

/**
 * True when an IP address is not on the public internet: private, loopback, link-local, CGNAT,
 * multicast, unspecified, documentation/benchmark ranges, IPv6 ULA/link-local, and IPv4 addresses
 * embedded in IPv6 (mapped, NAT64, 6to4) that are any of these. Anything unparsable counts as blocked.
 */
export function isForbiddenAddress(address: string): boolean {
  if (isIPv4(address)) return v4Blocked(v4ToNumber(address)!);
  const bytes = v6ToBytes(address);
  return bytes === null ? true : v6Blocked(bytes);
}

/** The host of a parsed URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Checks a webhook URL's form (not its addresses); returns it parsed. */
export function parseWebhookUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) {
    throw new AppError('validation_failed', `The URL is longer than ${MAX_URL_LENGTH} characters.`, {
      errors: [{ path: '/url', message: `at most ${MAX_URL_LENGTH} characters` }],
    });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('validation_failed', 'The URL is not a valid absolute URL.', {
      errors: [{ path: '/url', message: 'not a valid URL' }],
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('webhook_url_refused', 'Webhook URLs must use https or http.');
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('webhook_url_refused', 'Webhook URLs may not carry credentials (user:password@).');
  }
  if (hostOf(url) === '') throw new AppError('webhook_url_refused', 'The URL has no host.');
  return url;
}
