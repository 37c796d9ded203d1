import { randomBytes } from 'node:crypto';
import type { Clock } from './clock';

/** Id prefixes in use: the public API documents them, so the set is closed. */
export type IdPrefix =
  | 'acc'
  | 'usr'
  | 'stf'
  | 'ses'
  | 'key'
  | 'msg'
  | 'rtt'
  | 'rcb'
  | 'ctc'
  | 'grp'
  | 'imp'
  | 'cmp'
  | 'whk'
  | 'whd'
  | 'wha'
  | 'evt'
  | 'rte'
  | 'rul'
  | 'led'
  | 'aud'
  | 'tok'
  | 'job'
  | 'dlr'
  | 'inb'
  | 'num'
  | 'req'
  | 'fil'
  | 'tpl'
  | 'lnk'
  | 'att'
  | 'dsr'
  | 'inc'
  | 'spr'
  | 'ntc'
  | 'pol'
  | 'swp'
  | 'clk'
  | 'smc'
  | 'smd'
  | 'kwr'
  | 'sid'
  | 'pnm'
  | 'crl'
  | 'cal'
  | 'mgs'
  | 'als'
  | 'pay';

export type IdGenerator = (prefix: IdPrefix) => string;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Prefixed, time-sortable ids (`msg_01h…`): 48 bits of milliseconds then 80 random bits, Crockford
 * base32 (ULID layout). Within one millisecond the random part is incremented so that ids made by one
 * process sort in creation order, which keeps cursor pagination stable.
 */
export function createIdGenerator(clock: Clock): IdGenerator {
  let lastTime = -1;
  const last = new Uint8Array(10);
  return (prefix) => {
    const time = clock.now();
    if (time <= lastTime) {
      // Same (or earlier, if the clock stepped back) millisecond: keep order by incrementing.
      for (let i = 9; i >= 0; i--) {
        last[i] = (last[i]! + 1) & 0xff;
        if (last[i] !== 0) break;
      }
    } else {
      lastTime = time;
      last.set(randomBytes(10));
      last[0]! &= 0x7f; // headroom so increments within a millisecond never overflow
    }
    return `${prefix}_${encodeTime(lastTime)}${encodeRandom(last)}`;
  };
}

/**
 * The smallest id of `prefix` made at or after `ms`: ids sort by creation time, so a time range is an id
 * range and can use any index that holds the id.
 */
export function firstIdAt(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encodeTime(Math.max(0, Math.floor(ms)))}${'0'.repeat(16)}`;
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits → 16 base32 characters, 5 bits at a time.
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}
