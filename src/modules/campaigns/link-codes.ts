/** Short-link codes: random base62, and the shape a code in a followed URL must have. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^8 ≈ 2.2·10^14 codes: a collision is rare enough to retry row by row. */
export const CODE_LENGTH = 8;
/** The shape of a code: 7 or 8 base62 characters (anything else is refused before any query). */
export const CODE_PATTERN = /^[0-9A-Za-z]{7,8}$/;

/** `n` distinct random base62 codes (rejection sampling keeps them uniform). */
export function newCodes(n: number): string[] {
  const out = new Set<string>();
  let pool = randomBytes(Math.max(64, n * CODE_LENGTH * 1.1) | 0);
  let at = 0;
  while (out.size < n) {
    let code = '';
    while (code.length < CODE_LENGTH) {
      if (at >= pool.length) {
        pool = randomBytes(Math.max(64, (n - out.size) * CODE_LENGTH * 1.1) | 0);
        at = 0;
      }
      const byte = pool[at++]!;
      if (byte < 248) code += ALPHABET[byte % 62];
    }
    out.add(code);
  }
  return [...out];
}
