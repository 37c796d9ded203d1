import { Buffer } from 'node:buffer';

/** The two SMS data codings the platform sends: the GSM 03.38 default alphabet, or UCS-2 (UTF-16BE). */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Result of {@link analyzeText}: how a text would be encoded and how many SMS segments it costs. */
export interface TextAnalysis {
  /** The text actually to be sent (after smart replacement, if enabled and effective). */
  text: string;
  /** GSM-7 when every character is in the GSM 03.38 basic or extension table, otherwise UCS-2. */
  encoding: SmsEncoding;
  /** User-perceived length: Unicode code points (`Array.from(text).length`). */
  characters: number;
  /** GSM-7: septets (extension characters count 2). UCS-2: UTF-16 code units (astral characters count 2). */
  units: number;
  /** Number of SMS parts needed; 0 for empty text. */
  segments: number;
  /** Capacity of each part in `units`: 160/153 (GSM-7) or 70/67 (UCS-2) for single/multipart messages. */
  perSegment: number;
  /** Distinct code points that forced UCS-2, in order of first appearance; `[]` for GSM-7. */
  nonGsmCharacters: string[];
}

const ESC = 0x1b;
const GSM_SINGLE = 160;
const GSM_MULTI = 153;
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

// GSM 03.38 default alphabet, indexed by septet value. Greek capitals are escaped so they cannot be confused
// with Latin look-alikes (or with U+2126 OHM SIGN / U+2206 INCREMENT). Index 0x1B is the escape code itself.
const GSM_BASIC_TABLE =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  '\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

const GSM_EXTENSION_TABLE: ReadonlyArray<readonly [code: number, char: string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

const BASIC_CODE = new Map<number, number>();
for (let code = 0; code < GSM_BASIC_TABLE.length; code++) {
  // A literal U+001B in user text is not GSM-7: sent raw it would act as an escape and swallow the next
  // character on the handset, so it has to go out as UCS-2.
  if (code !== ESC) BASIC_CODE.set(GSM_BASIC_TABLE.charCodeAt(code), code);
}

const EXTENSION_CODE = new Map<number, number>();
const EXTENSION_CHAR = new Map<number, string>();
for (const [code, char] of GSM_EXTENSION_TABLE) {
  EXTENSION_CODE.set(char.charCodeAt(0), code);
  EXTENSION_CHAR.set(code, char);
}

/** Septets needed for one code point in GSM-7: 1 (basic), 2 (extension) or 0 when it is not representable. */
function gsmCost(codePoint: number): 0 | 1 | 2 {
  if (BASIC_CODE.has(codePoint)) return 1;
  if (EXTENSION_CODE.has(codePoint)) return 2;
  return 0;
}

const SMART_REPLACEMENTS = new Map<string, string>();
function addReplacements(chars: string, replacement: string): void {
  for (const char of chars) SMART_REPLACEMENTS.set(char, replacement);
}
addReplacements('\u2018\u2019\u201a\u201b\u2032\u2035\u02b9\u02bc\u2039\u203a`\u00b4', "'");
addReplacements('\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb', '"');
addReplacements('\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63', '-');
addReplacements('\u2022\u2023\u2043', '-');
addReplacements('\u2026', '...');
addReplacements('\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006', ' ');
addReplacements('\u2007\u2008\u2009\u200a\u202f\u205f\u3000', ' ');
addReplacements('\u2028\u2029', '\n');
// Invisible formatting characters carry nothing the recipient can see, yet alone they force UCS-2.
addReplacements('\u00ad\u200b\u200c\u200d\u2060\ufeff', '');
addReplacements('\u2044\u2215', '/');
addReplacements('\u02c6', '^');
addReplacements('\u02dc', '~');
// Symbols that look identical to the Greek capitals of the GSM table.
addReplacements('\u2126', '\u03a9');
addReplacements('\u2206', '\u0394');
// Greek capitals that look like Latin ones: the customary way Greek operators keep upper-case Greek in GSM-7.
for (const [greek, latin] of [
  ['\u0391', 'A'],
  ['\u0392', 'B'],
  ['\u0395', 'E'],
  ['\u0396', 'Z'],
  ['\u0397', 'H'],
  ['\u0399', 'I'],
  ['\u039a', 'K'],
  ['\u039c', 'M'],
  ['\u039d', 'N'],
  ['\u039f', 'O'],
  ['\u03a1', 'P'],
  ['\u03a4', 'T'],
  ['\u03a5', 'Y'],
  ['\u03a7', 'X'],
] as const) {
  SMART_REPLACEMENTS.set(greek, latin);
}
// Fullwidth ASCII forms (U+FF01..U+FF5E), where the ASCII counterpart is GSM-7.
for (let cp = 0xff01; cp <= 0xff5e; cp++) {
  const ascii = String.fromCharCode(cp - 0xfee0);
  if (isGsm7(ascii)) SMART_REPLACEMENTS.set(String.fromCharCode(cp), ascii);
}
SMART_REPLACEMENTS.set('\uff40', "'");

/**
 * Replaces common look-alike characters that are not in the GSM 03.38 alphabet with GSM equivalents,
 * e.g. curly quotes, dashes, ellipsis, bullets, guillemets, Unicode spaces, zero-width characters and
 * fullwidth ASCII. Characters that are already GSM-7 (such as é, ü, Ä) are never touched, and characters
 * with no exact look-alike (emoji, non-GSM accented letters such as á or ç) are left as they are.
 */
export function smartReplace(text: string): string {
  let out = '';
  for (const char of text) out += SMART_REPLACEMENTS.get(char) ?? char;
  return out;
}

/** True when every character of `text` is in the GSM 03.38 basic or extension table (true for ''). */
export function isGsm7(text: string): boolean {
  // Every GSM character is in the BMP, so a surrogate code unit is enough to reject.
  for (let i = 0; i < text.length; i++) {
    if (gsmCost(text.charCodeAt(i)) === 0) return false;
  }
  return true;
}

interface Layout {
  chars: string[];
  costs: number[];
  units: number;
  ends: number[];
  perSegment: number;
}

/**
 * Greedy split into parts. Both `analyzeText` and `splitSegments` go through here so the segment count always
 * matches the actual parts: an escape pair or surrogate pair that does not fit pushes the whole character
 * into the next part, so a multipart count can exceed ceil(units / perSegment).
 */
function layout(chars: string[], encoding: SmsEncoding): Layout {
  const gsm = encoding === 'GSM-7';
  const costs = chars.map((char) => (gsm ? gsmCost(char.codePointAt(0)!) : char.length));
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const single = gsm ? GSM_SINGLE : UCS2_SINGLE;
  const multi = gsm ? GSM_MULTI : UCS2_MULTI;
  if (units === 0) return { chars, costs, units, ends: [], perSegment: single };
  if (units <= single) return { chars, costs, units, ends: [chars.length], perSegment: single };
  const ends: number[] = [];
  let used = 0;
  for (let i = 0; i < costs.length; i++) {
    const cost = costs[i]!;
    if (used + cost > multi) {
      ends.push(i);
      used = 0;
    }
    used += cost;
  }
  ends.push(chars.length);
  return { chars, costs, units, ends, perSegment: multi };
}

/**
 * Works out the encoding, length and SMS segment count of `text`.
 *
 * With `smartReplace: true`, look-alike characters are replaced (see {@link smartReplace}) when that makes the
 * whole text GSM-7; if the text would still need UCS-2, the original is kept, since replacing would only
 * alter it without saving anything.
 */
export function analyzeText(text: string, options: { smartReplace?: boolean } = {}): TextAnalysis {
  let sent = text;
  if (options.smartReplace) {
    const replaced = smartReplace(text);
    if (isGsm7(replaced)) sent = replaced;
  }
  const chars = Array.from(sent);
  const nonGsm = new Set<string>();
  for (const char of chars) {
    if (gsmCost(char.codePointAt(0)!) === 0) nonGsm.add(char);
  }
  const encoding: SmsEncoding = nonGsm.size === 0 ? 'GSM-7' : 'UCS-2';
  const { units, ends, perSegment } = layout(chars, encoding);
  return {
    text: sent,
    encoding,
    characters: chars.length,
    units,
    segments: ends.length,
    perSegment,
    nonGsmCharacters: [...nonGsm],
  };
}

/**
 * Splits `text` into the parts of a concatenated SMS. GSM-7 parts hold at most 153 septets (160 for a single
 * part) and never split an escape pair; UCS-2 parts hold at most 67 code units (70 for a single part) and
 * never split a surrogate pair. Returns `[]` for empty text; the part count always equals
 * `analyzeText(text).segments` for the same encoding.
 *
 * @throws RangeError when `encoding` is GSM-7 and `text` contains a character outside the GSM 03.38 alphabet.
 */
export function splitSegments(text: string, encoding: SmsEncoding): string[] {
  if (encoding === 'GSM-7') assertGsm7(text);
  const { chars, ends } = layout(Array.from(text), encoding);
  const parts: string[] = [];
  let start = 0;
  for (const end of ends) {
    parts.push(chars.slice(start, end).join(''));
    start = end;
  }
  return parts;
}

function describeChar(char: string): string {
  const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `${JSON.stringify(char)} (U+${hex})`;
}

function assertGsm7(text: string): void {
  let index = 0;
  for (const char of text) {
    if (gsmCost(char.codePointAt(0)!) === 0) {
      throw new RangeError(
        `Character ${describeChar(char)} at index ${index} is not in the GSM 03.38 alphabet`,
      );
    }
    index += char.length;
  }
}

/**
 * Encodes `text` as unpacked GSM-7: one septet per byte, extension characters as 0x1B followed by their code.
 *
 * @throws RangeError when `text` contains a character outside the GSM 03.38 alphabet.
 */
export function encodeGsm7(text: string): Buffer {
  assertGsm7(text);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const basic = BASIC_CODE.get(unit);
    if (basic !== undefined) out.push(basic);
    else out.push(ESC, EXTENSION_CODE.get(unit)!);
  }
  return Buffer.from(out);
}

/**
 * Decodes unpacked GSM-7 septets (one per byte) to a string. Following GSM 03.38, an escape followed by a code
 * that has no extension character decodes as the basic-table character for that code, and an escape followed
 * by another escape (or by nothing) decodes as a space.
 *
 * @throws RangeError when a byte is above 0x7F.
 */
export function decodeGsm7(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const septet = checkSeptet(bytes, i);
    if (septet !== ESC) {
      out += GSM_BASIC_TABLE[septet];
      continue;
    }
    i++;
    if (i >= bytes.length) {
      out += ' ';
      break;
    }
    const code = checkSeptet(bytes, i);
    out += code === ESC ? ' ' : (EXTENSION_CHAR.get(code) ?? GSM_BASIC_TABLE[code]);
  }
  return out;
}

function checkSeptet(bytes: Uint8Array, index: number): number {
  const value = bytes[index]!;
  if (value > 0x7f) {
    throw new RangeError(`Byte 0x${value.toString(16)} at index ${index} is not a GSM-7 septet`);
  }
  return value;
}

function checkPadding(paddingBits: number): void {
  if (!Number.isInteger(paddingBits) || paddingBits < 0 || paddingBits > 6) {
    throw new RangeError(`paddingBits must be an integer from 0 to 6, got ${paddingBits}`);
  }
}

/**
 * Packs septets into octets (GSM 03.38 §6.1.2.1.1: least significant bit first). `paddingBits` (0–6) zero
 * fill bits are inserted first, so that after a User Data Header the first septet starts on a septet boundary.
 *
 * @throws RangeError when a septet is above 0x7F or `paddingBits` is out of range.
 */
export function packGsm7(septets: Uint8Array, paddingBits = 0): Buffer {
  checkPadding(paddingBits);
  const out = Buffer.alloc(Math.ceil((paddingBits + septets.length * 7) / 8));
  for (let i = 0; i < septets.length; i++) {
    const septet = checkSeptet(septets, i);
    const bit = paddingBits + i * 7;
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte] = out[byte]! | ((septet << shift) & 0xff);
    if (shift > 1) out[byte + 1] = out[byte + 1]! | (septet >> (8 - shift));
  }
  return out;
}

/**
 * Unpacks `septetCount` septets from packed octets, skipping `paddingBits` (0–6) leading fill bits. The count
 * must be given because the final octet's spare bits are indistinguishable from an extra `@` (0x00).
 *
 * @throws RangeError when `packed` is too short for `septetCount` or `paddingBits` is out of range.
 */
export function unpackGsm7(packed: Uint8Array, septetCount: number, paddingBits = 0): Buffer {
  checkPadding(paddingBits);
  if (!Number.isInteger(septetCount) || septetCount < 0) {
    throw new RangeError(`septetCount must be a non-negative integer, got ${septetCount}`);
  }
  const needed = Math.ceil((paddingBits + septetCount * 7) / 8);
  if (packed.length < needed) {
    throw new RangeError(`${septetCount} septets need ${needed} packed bytes, got ${packed.length}`);
  }
  const out = Buffer.alloc(septetCount);
  for (let i = 0; i < septetCount; i++) {
    const bit = paddingBits + i * 7;
    const byte = bit >> 3;
    const shift = bit & 7;
    let value = packed[byte]! >> shift;
    if (shift > 1) value |= packed[byte + 1]! << (8 - shift);
    out[i] = value & 0x7f;
  }
  return out;
}

/** Encodes `text` as UCS-2 as used by SMS: UTF-16 big-endian, astral characters as surrogate pairs. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/**
 * Decodes UTF-16 big-endian bytes (SMS UCS-2) to a string.
 *
 * @throws RangeError when the byte length is odd.
 */
export function decodeUcs2(bytes: Uint8Array): string {
  if (bytes.length % 2 !== 0) {
    throw new RangeError(`UCS-2 data must have an even byte length, got ${bytes.length}`);
  }
  return Buffer.from(bytes).swap16().toString('utf16le');
}
