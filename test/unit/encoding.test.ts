import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  analyzeText,
  decodeGsm7,
  decodeUcs2,
  encodeGsm7,
  encodeUcs2,
  isGsm7,
  packGsm7,
  type SmsEncoding,
  smartReplace,
  splitSegments,
  unpackGsm7,
} from '../../src/modules/codec';

// Written out independently of the implementation, in septet order (0x1B = escape, listed as null).
// biome-ignore format: keep the 16-column table layout
const BASIC: ReadonlyArray<string | null> = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  '\u0394', '_', '\u03a6', '\u0393', '\u039b', '\u03a9', '\u03a0', '\u03a8', '\u03a3', '\u0398', '\u039e', null, 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

const BASIC_ENTRIES = BASIC.flatMap((char, code) => (char === null ? [] : [[char, code] as const]));

const EXTENSION: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const GSM_ALPHABET = [...BASIC_ENTRIES.map(([c]) => c), ...EXTENSION.map(([c]) => c)];

const NON_GSM = [
  '`',
  'ç',
  'á',
  'ā',
  'ê',
  'ő',
  'ж',
  '中',
  '\t',
  '\u001b',
  '\u00a0',
  '’',
  '“',
  '–',
  '…',
  '😀',
  '\u2126',
  'α',
  'µ',
  '©',
];

/** Deterministic PRNG (mulberry32) so random-property failures are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Lengths clustered around the single/multipart boundaries, plus a uniform spread. */
function randomLength(random: () => number): number {
  const anchors = [0, 1, 67, 70, 134, 153, 160, 201, 306, 459];
  if (random() < 0.6) return Math.max(0, pick(random, anchors) + Math.floor(random() * 9) - 4);
  return Math.floor(random() * 500);
}

function randomText(random: () => number, pool: readonly string[]): string {
  const length = randomLength(random);
  let text = '';
  for (let i = 0; i < length; i++) text += pick(random, pool);
  return text;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** Bit-by-bit reference packer: fill bits, then each septet LSB first. */
function referencePack(septets: readonly number[], paddingBits: number): Buffer {
  const bits: number[] = new Array(paddingBits).fill(0);
  for (const septet of septets) for (let b = 0; b < 7; b++) bits.push((septet >> b) & 1);
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => {
    out[i >> 3] = out[i >> 3]! | (bit << (i & 7));
  });
  return out;
}

function unitsOf(part: string, encoding: SmsEncoding): number {
  return encoding === 'GSM-7' ? encodeGsm7(part).length : part.length;
}

describe('isGsm7', () => {
  it.each(BASIC_ENTRIES)('accepts basic-table character %j (%i)', (char) => {
    expect(isGsm7(char)).toBe(true);
  });

  it.each(EXTENSION)('accepts extension-table character %j', (char) => {
    expect(isGsm7(char)).toBe(true);
  });

  it.each(NON_GSM)('rejects %j', (char) => {
    expect(isGsm7(char)).toBe(false);
    expect(isGsm7(`hello ${char} world`)).toBe(false);
  });

  it('accepts the empty string and the whole alphabet at once', () => {
    expect(isGsm7('')).toBe(true);
    expect(isGsm7(GSM_ALPHABET.join(''))).toBe(true);
  });

  it('has capital Ç (0x09) but not lower-case ç', () => {
    expect(isGsm7('Ç')).toBe(true);
    expect(isGsm7('ç')).toBe(false);
  });

  it('uses the Greek capitals, not their look-alike symbols', () => {
    expect(isGsm7('\u03a9\u0394')).toBe(true);
    expect(isGsm7('\u2126')).toBe(false); // OHM SIGN
    expect(isGsm7('\u2206')).toBe(false); // INCREMENT
    expect(isGsm7('A')).toBe(true);
    expect(isGsm7('\u0391')).toBe(false); // GREEK CAPITAL ALPHA is not in the table
  });

  it('rejects lone surrogates', () => {
    expect(isGsm7('\ud83d')).toBe(false);
    expect(isGsm7('\ude00')).toBe(false);
  });

  it('covers exactly 127 basic and 10 extension characters among all BMP code points', () => {
    let count = 0;
    for (let cp = 0; cp <= 0xffff; cp++) if (isGsm7(String.fromCharCode(cp))) count++;
    expect(count).toBe(127 + 10);
  });
});

describe('analyzeText', () => {
  it('handles the empty string', () => {
    expect(analyzeText('')).toEqual({
      text: '',
      encoding: 'GSM-7',
      characters: 0,
      units: 0,
      segments: 0,
      perSegment: 160,
      nonGsmCharacters: [],
    });
  });

  it('analyzes a short GSM text', () => {
    expect(analyzeText('Hello, world!')).toEqual({
      text: 'Hello, world!',
      encoding: 'GSM-7',
      characters: 13,
      units: 13,
      segments: 1,
      perSegment: 160,
      nonGsmCharacters: [],
    });
  });

  it.each([
    [1, 1, 160],
    [159, 1, 160],
    [160, 1, 160],
    [161, 2, 153],
    [305, 2, 153],
    [306, 2, 153],
    [307, 3, 153],
    [459, 3, 153],
    [460, 4, 153],
    [1530, 10, 153],
    [1531, 11, 153],
  ])('GSM-7: %i plain characters -> %i segment(s) of %i', (n, segments, perSegment) => {
    const result = analyzeText('a'.repeat(n));
    expect(result).toMatchObject({ encoding: 'GSM-7', characters: n, units: n, segments, perSegment });
    expect(splitSegments('a'.repeat(n), 'GSM-7')).toHaveLength(segments);
  });

  it.each([
    [1, 2, 1],
    [79, 158, 1],
    [80, 160, 1],
    [81, 162, 2],
    [153, 306, 3], // 76 + 76 + 1 per part: a pair never straddles the 153rd septet
  ])('GSM-7: %i × € -> %i septets, %i segment(s)', (n, units, segments) => {
    const result = analyzeText('€'.repeat(n));
    expect(result).toMatchObject({ encoding: 'GSM-7', characters: n, units, segments });
  });

  it.each(EXTENSION)('counts extension character %j as 2 septets', (char) => {
    expect(analyzeText(char)).toMatchObject({ encoding: 'GSM-7', characters: 1, units: 2, segments: 1 });
    expect(analyzeText(char.repeat(80)).segments).toBe(1);
    expect(analyzeText(char.repeat(81)).segments).toBe(2);
    expect(analyzeText(`${'a'.repeat(158)}${char}`).segments).toBe(1);
    expect(analyzeText(`${'a'.repeat(159)}${char}`).segments).toBe(2);
  });

  it.each(BASIC_ENTRIES)('counts basic character %j as 1 septet', (char) => {
    expect(analyzeText(char)).toMatchObject({ encoding: 'GSM-7', characters: 1, units: 1 });
    expect(analyzeText(char.repeat(160)).segments).toBe(1);
    expect(analyzeText(char.repeat(161)).segments).toBe(2);
  });

  it('counts newline and carriage return as basic characters and form feed as an extension', () => {
    expect(analyzeText('line 1\nline 2')).toMatchObject({ encoding: 'GSM-7', units: 13 });
    expect(analyzeText('\r\n')).toMatchObject({ encoding: 'GSM-7', units: 2, characters: 2 });
    expect(analyzeText('\f')).toMatchObject({ encoding: 'GSM-7', units: 2, characters: 1 });
  });

  it.each([
    [1, 1, 70],
    [70, 1, 70],
    [71, 2, 67],
    [134, 2, 67],
    [135, 3, 67],
    [201, 3, 67],
    [202, 4, 67],
  ])('UCS-2: %i × ā -> %i segment(s) of %i', (n, segments, perSegment) => {
    const result = analyzeText('ā'.repeat(n));
    expect(result).toMatchObject({ encoding: 'UCS-2', characters: n, units: n, segments, perSegment });
    expect(result.nonGsmCharacters).toEqual(['ā']);
  });

  it.each([
    [35, 70, 1],
    [36, 72, 2],
    [66, 132, 2],
    [67, 134, 3], // 33 emoji (66 units) per part: the 67th unit would split a pair
    [100, 200, 4],
  ])('UCS-2: %i × 😀 -> %i units, %i segment(s)', (n, units, segments) => {
    const result = analyzeText('😀'.repeat(n));
    expect(result).toMatchObject({ encoding: 'UCS-2', characters: n, units, segments });
    expect(result.nonGsmCharacters).toEqual(['😀']);
  });

  it('one non-GSM character switches the whole text to UCS-2', () => {
    const text = `${'a'.repeat(100)}ç`;
    expect(analyzeText(text)).toMatchObject({
      encoding: 'UCS-2',
      characters: 101,
      units: 101,
      segments: 2,
      perSegment: 67,
      nonGsmCharacters: ['ç'],
    });
  });

  it('extension characters cost 1 unit once the text is UCS-2', () => {
    expect(analyzeText('€{}ā')).toMatchObject({ encoding: 'UCS-2', units: 4, characters: 4 });
  });

  it('counts mixed emoji and text as code points and UTF-16 units', () => {
    expect(analyzeText('Hi 😀!')).toMatchObject({
      encoding: 'UCS-2',
      characters: 5,
      units: 6,
      segments: 1,
      nonGsmCharacters: ['😀'],
    });
    // A ZWJ family is 5 code points / 8 units even though it renders as one glyph.
    expect(analyzeText('👨‍👩‍👧')).toMatchObject({
      characters: 5,
      units: 8,
      nonGsmCharacters: ['👨', '\u200d', '👩', '👧'],
    });
  });

  it('lists distinct non-GSM characters in order of first appearance', () => {
    const result = analyzeText('“Café” – naïve ça 😀 “x” 😀 ça');
    expect(result.nonGsmCharacters).toEqual(['“', '”', '–', 'ï', 'ç', '😀']);
    expect(result.encoding).toBe('UCS-2');
  });

  it('does not list GSM characters such as é, ü, Ä, € as non-GSM', () => {
    expect(analyzeText('éüÄ€ ж').nonGsmCharacters).toEqual(['ж']);
  });

  it('lists a literal escape character as non-GSM', () => {
    expect(analyzeText('a\u001bb')).toMatchObject({ encoding: 'UCS-2', nonGsmCharacters: ['\u001b'] });
  });

  it('escape pair at the multipart boundary moves to the next part', () => {
    // 152 + 2 would exceed 153, so the € starts part 2 and the last "a" needs a third part.
    const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    expect(analyzeText(text)).toMatchObject({ encoding: 'GSM-7', units: 306, segments: 3, perSegment: 153 });
    const parts = splitSegments(text, 'GSM-7');
    expect(parts).toEqual(['a'.repeat(152), `€${'a'.repeat(151)}`, 'a']);
  });

  it('escape pair that exactly fills a part stays in it', () => {
    const text = `${'a'.repeat(151)}€${'a'.repeat(153)}`;
    expect(analyzeText(text)).toMatchObject({ units: 306, segments: 2 });
    expect(splitSegments(text, 'GSM-7')).toEqual([`${'a'.repeat(151)}€`, 'a'.repeat(153)]);
  });

  it('surrogate pair at the multipart boundary moves to the next part', () => {
    const text = `${'a'.repeat(66)}😀${'a'.repeat(66)}`;
    expect(analyzeText(text)).toMatchObject({ encoding: 'UCS-2', units: 134, segments: 3, perSegment: 67 });
    expect(splitSegments(text, 'UCS-2')).toEqual(['a'.repeat(66), `😀${'a'.repeat(65)}`, 'a']);
  });

  it('surrogate pair that exactly fills a part stays in it', () => {
    const text = `${'a'.repeat(65)}😀${'a'.repeat(67)}`;
    expect(analyzeText(text)).toMatchObject({ units: 134, segments: 2 });
    expect(splitSegments(text, 'UCS-2')).toEqual([`${'a'.repeat(65)}😀`, 'a'.repeat(67)]);
  });

  it('a single-part message may end with a pair at the 160th septet / 70th unit', () => {
    expect(analyzeText(`${'a'.repeat(158)}€`)).toMatchObject({ units: 160, segments: 1 });
    expect(analyzeText(`${'ā'.repeat(68)}😀`)).toMatchObject({ units: 70, segments: 1 });
  });

  it('counts lone surrogates as one unit and one character each', () => {
    expect(analyzeText('\ud83dx')).toMatchObject({
      encoding: 'UCS-2',
      characters: 2,
      units: 2,
      nonGsmCharacters: ['\ud83d'],
    });
  });

  describe('with smartReplace', () => {
    it('makes a text with typographic punctuation GSM-7 again', () => {
      const text = '“Hello” – it’s … «ok»';
      const plain = analyzeText(text);
      expect(plain.encoding).toBe('UCS-2');
      expect(plain.nonGsmCharacters).toEqual(['“', '”', '–', '’', '…', '«', '»']);

      const smart = analyzeText(text, { smartReplace: true });
      expect(smart).toEqual({
        text: '"Hello" - it\'s ... "ok"',
        encoding: 'GSM-7',
        characters: 23,
        units: 23,
        segments: 1,
        perSegment: 160,
        nonGsmCharacters: [],
      });
    });

    it('can reduce the segment count', () => {
      const text = `${'a'.repeat(100)}’s`;
      expect(analyzeText(text).segments).toBe(2);
      expect(analyzeText(text, { smartReplace: true })).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    });

    it('keeps the original text when it would still need UCS-2', () => {
      const text = '“Hi” 😀';
      expect(analyzeText(text, { smartReplace: true })).toEqual(analyzeText(text));
      expect(analyzeText(text, { smartReplace: true }).text).toBe(text);
    });

    it('leaves GSM-7 text unchanged', () => {
      const text = 'Café über Äpfel: 5€ {ok}';
      expect(analyzeText(text, { smartReplace: true })).toEqual(analyzeText(text));
    });

    it('is off by default and when false', () => {
      expect(analyzeText('it’s').text).toBe('it’s');
      expect(analyzeText('it’s', { smartReplace: false }).encoding).toBe('UCS-2');
      expect(analyzeText('it’s', {}).encoding).toBe('UCS-2');
    });
  });
});

describe('smartReplace', () => {
  it.each([
    ['\u2019', "'"],
    ['\u2018', "'"],
    ['\u201a', "'"],
    ['\u201b', "'"],
    ['\u2032', "'"],
    ['\u2039', "'"],
    ['\u203a', "'"],
    ['`', "'"],
    ['\u00b4', "'"],
    ['\u201c', '"'],
    ['\u201d', '"'],
    ['\u201e', '"'],
    ['\u201f', '"'],
    ['\u2033', '"'],
    ['\u00ab', '"'],
    ['\u00bb', '"'],
    ['\u2010', '-'],
    ['\u2011', '-'],
    ['\u2012', '-'],
    ['\u2013', '-'],
    ['\u2014', '-'],
    ['\u2015', '-'],
    ['\u2212', '-'],
    ['\u2022', '-'],
    ['\u2026', '...'],
    ['\u00a0', ' '],
    ['\u2002', ' '],
    ['\u2003', ' '],
    ['\u2009', ' '],
    ['\u200a', ' '],
    ['\u202f', ' '],
    ['\u205f', ' '],
    ['\u3000', ' '],
    ['\t', ' '],
    ['\u2028', '\n'],
    ['\u200b', ''],
    ['\u200d', ''],
    ['\ufeff', ''],
    ['\u00ad', ''],
    ['\u2044', '/'],
    ['\u02c6', '^'],
    ['\u02dc', '~'],
    ['\u2126', '\u03a9'],
    ['\u2206', '\u0394'],
    ['\u0391', 'A'],
    ['\u039f', 'O'],
    ['\uff21', 'A'],
    ['\uff01', '!'],
    ['\uff5b', '{'],
    ['\uff40', "'"],
  ])('replaces %j with %j', (from, to) => {
    expect(smartReplace(from)).toBe(to);
    expect(smartReplace(`x${from}y`)).toBe(`x${to}y`);
    expect(isGsm7(to)).toBe(true);
  });

  it('never changes a character of the GSM alphabet', () => {
    for (const char of GSM_ALPHABET) expect(smartReplace(char)).toBe(char);
    expect(smartReplace(GSM_ALPHABET.join(''))).toBe(GSM_ALPHABET.join(''));
  });

  it('leaves GSM accented letters alone and non-look-alikes in place', () => {
    expect(smartReplace('é ü Ä Ç ñ à')).toBe('é ü Ä Ç ñ à');
    expect(smartReplace('ç á ā ж 中 😀 ©')).toBe('ç á ā ж 中 😀 ©');
  });

  it('does not split surrogate pairs', () => {
    expect(smartReplace('😀’😀')).toBe("😀'😀");
    expect(smartReplace('\ud83d')).toBe('\ud83d');
  });

  it('turns typical pasted copy into GSM-7', () => {
    const pasted = 'Don’t miss our “Summer Sale”\u00a0— up to 50\u202f% off… • Ends\u2009Sunday';
    const replaced = smartReplace(pasted);
    expect(replaced).toBe('Don\'t miss our "Summer Sale" - up to 50 % off... - Ends Sunday');
    expect(isGsm7(replaced)).toBe(true);
  });

  it('turns upper-case Greek into GSM-7 via Latin look-alikes', () => {
    const replaced = smartReplace('ΚΑΛΗΜΕΡΑ ΣΑΣ');
    expect(replaced).toBe('KAΛHMEPA ΣAΣ');
    expect(isGsm7(replaced)).toBe(true);
  });

  it('every BMP character it replaces is outside GSM and maps to GSM text', () => {
    let replacedCount = 0;
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCharCode(cp);
      const out = smartReplace(char);
      if (out === char) continue;
      replacedCount++;
      expect(isGsm7(char), `U+${cp.toString(16)}`).toBe(false);
      expect(isGsm7(out), `U+${cp.toString(16)}`).toBe(true);
    }
    expect(replacedCount).toBeGreaterThan(50);
  });

  it('is idempotent', () => {
    const random = rng(7);
    const pool = [...GSM_ALPHABET, ...NON_GSM, '’', '“', '…', '\u00a0', '\u200b', 'Α', '\uff21'];
    for (let i = 0; i < 200; i++) {
      const once = smartReplace(randomText(random, pool));
      expect(smartReplace(once)).toBe(once);
    }
  });

  it('returns the empty string unchanged', () => {
    expect(smartReplace('')).toBe('');
  });
});

describe('splitSegments', () => {
  it('returns no parts for empty text', () => {
    expect(splitSegments('', 'GSM-7')).toEqual([]);
    expect(splitSegments('', 'UCS-2')).toEqual([]);
  });

  it('returns a single part up to 160 septets / 70 units', () => {
    expect(splitSegments('a'.repeat(160), 'GSM-7')).toEqual(['a'.repeat(160)]);
    expect(splitSegments('€'.repeat(80), 'GSM-7')).toEqual(['€'.repeat(80)]);
    expect(splitSegments('ā'.repeat(70), 'UCS-2')).toEqual(['ā'.repeat(70)]);
    expect(splitSegments('😀'.repeat(35), 'UCS-2')).toEqual(['😀'.repeat(35)]);
  });

  it('splits 161 septets into 153 + 8', () => {
    expect(splitSegments('a'.repeat(161), 'GSM-7')).toEqual(['a'.repeat(153), 'a'.repeat(8)]);
  });

  it('splits 307 septets into 153 + 153 + 1', () => {
    expect(splitSegments('a'.repeat(307), 'GSM-7')).toEqual(['a'.repeat(153), 'a'.repeat(153), 'a']);
  });

  it('splits 81 € without cutting an escape pair', () => {
    // 76 € = 152 septets; a 77th would need 154.
    expect(splitSegments('€'.repeat(81), 'GSM-7')).toEqual(['€'.repeat(76), '€'.repeat(5)]);
  });

  it('splits 71 ā into 67 + 4 and 135 ā into 67 + 67 + 1', () => {
    expect(splitSegments('ā'.repeat(71), 'UCS-2')).toEqual(['ā'.repeat(67), 'ā'.repeat(4)]);
    expect(splitSegments('ā'.repeat(135), 'UCS-2')).toEqual(['ā'.repeat(67), 'ā'.repeat(67), 'ā']);
  });

  it('splits 36 emoji without cutting a surrogate pair', () => {
    const parts = splitSegments('😀'.repeat(36), 'UCS-2');
    expect(parts).toEqual(['😀'.repeat(33), '😀'.repeat(3)]);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(67);
  });

  it('can split GSM text as UCS-2 when that encoding is forced', () => {
    expect(splitSegments('a'.repeat(71), 'UCS-2')).toEqual(['a'.repeat(67), 'a'.repeat(4)]);
    expect(splitSegments('€'.repeat(71), 'UCS-2')).toHaveLength(2);
  });

  it('throws for GSM-7 when the text has a non-GSM character', () => {
    expect(() => splitSegments('hello ā', 'GSM-7')).toThrow(RangeError);
    expect(() => splitSegments('hello 😀', 'GSM-7')).toThrow(/U\+1F600/);
  });

  it('keeps newlines inside the parts', () => {
    const text = `${'a'.repeat(152)}\n\n${'b'.repeat(10)}`;
    expect(splitSegments(text, 'GSM-7')).toEqual([`${'a'.repeat(152)}\n`, `\n${'b'.repeat(10)}`]);
  });

  describe('property: matches analyzeText over random strings', () => {
    const gsmPool = [...GSM_ALPHABET, 'a', 'e', ' ', '€', '{'];
    const mixedPool = [...gsmPool, ...NON_GSM, '😀', '👍🏽', '🇩🇪', 'ā', '中', '\ud83d'];
    const cases: Array<[string, readonly string[], number]> = [
      ['GSM-7 alphabet', gsmPool, 1],
      ['extension-heavy GSM-7', ['a', '€', '^', '{', '\f'], 2],
      ['mixed with emoji', mixedPool, 3],
      ['emoji-heavy', ['a', '😀', '👍🏽', 'ā'], 4],
    ];

    it.each(cases)('%s', (_name, pool, seed) => {
      const random = rng(seed);
      for (let i = 0; i < 750; i++) {
        const text = randomText(random, pool);
        const analysis = analyzeText(text);
        const parts = splitSegments(text, analysis.encoding);

        expect(parts.length).toBe(analysis.segments);
        expect(parts.join('')).toBe(text);
        expect(analysis.characters).toBe(Array.from(text).length);
        const unitSum = parts.reduce((sum, part) => sum + unitsOf(part, analysis.encoding), 0);
        expect(unitSum).toBe(analysis.units);

        const [single, multi] = analysis.encoding === 'GSM-7' ? [160, 153] : [70, 67];
        expect(analysis.perSegment).toBe(analysis.units > single ? multi : single);
        for (const part of parts) {
          expect(part.length).toBeGreaterThan(0);
          expect(unitsOf(part, analysis.encoding)).toBeLessThanOrEqual(analysis.perSegment);
        }
        for (let p = 0; p < parts.length - 1; p++) {
          const isHigh = /[\ud800-\udbff]$/.test(parts[p]!);
          const isLow = /^[\udc00-\udfff]/.test(parts[p + 1]!);
          expect(isHigh && isLow, 'surrogate pair split across parts').toBe(false);
        }
        // Greedy packing: each part is full enough that the next character would not have fitted.
        for (let p = 0; p < parts.length - 1; p++) {
          const next = Array.from(parts[p + 1]!)[0]!;
          expect(unitsOf(parts[p]! + next, analysis.encoding)).toBeGreaterThan(analysis.perSegment);
        }
        if (analysis.encoding === 'GSM-7') {
          // Escape pairs are never split: encoding the parts separately equals encoding the whole.
          expect(Buffer.concat(parts.map((part) => encodeGsm7(part)))).toEqual(encodeGsm7(text));
        } else {
          expect(analysis.units).toBe(text.length);
          for (const part of parts) expect(Array.from(part).join('')).toBe(part);
          expect(parts.flatMap((part) => Array.from(part))).toEqual(Array.from(text));
        }
      }
    });

    it('UCS-2 split of GSM text also never cuts characters and fits the limits', () => {
      const random = rng(5);
      for (let i = 0; i < 300; i++) {
        const text = randomText(random, gsmPool);
        const parts = splitSegments(text, 'UCS-2');
        expect(parts.join('')).toBe(text);
        const perPart = text.length > 70 ? 67 : 70;
        for (const part of parts) expect(part.length).toBeLessThanOrEqual(perPart);
        expect(parts.length).toBe(
          text.length === 0 ? 0 : text.length <= 70 ? 1 : Math.ceil(text.length / 67),
        );
      }
    });
  });
});

describe('encodeGsm7 / decodeGsm7', () => {
  it.each(BASIC_ENTRIES)('encodes basic character %j as septet %i', (char, code) => {
    expect([...encodeGsm7(char)]).toEqual([code]);
    expect(decodeGsm7(Uint8Array.of(code))).toBe(char);
  });

  it.each(EXTENSION)('encodes extension character %j as 0x1B %i', (char, code) => {
    expect([...encodeGsm7(char)]).toEqual([0x1b, code]);
    expect(decodeGsm7(Uint8Array.of(0x1b, code))).toBe(char);
  });

  it('encodes a mixed text', () => {
    expect(hex(encodeGsm7('Hi @€5'))).toBe('486920001B6535');
    expect([...encodeGsm7('a\nb')]).toEqual([0x61, 0x0a, 0x62]);
  });

  it('returns an empty Buffer for empty text', () => {
    const out = encodeGsm7('');
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.length).toBe(0);
    expect(decodeGsm7(new Uint8Array())).toBe('');
  });

  it.each(NON_GSM)('throws on non-GSM character %j', (char) => {
    expect(() => encodeGsm7(`ok ${char}`)).toThrow(RangeError);
  });

  it('reports the offending character and index', () => {
    expect(() => encodeGsm7('abc`d')).toThrow(/"`" \(U\+0060\) at index 3/);
  });

  it('decodes an escape followed by an unknown code as the basic-table character', () => {
    expect(decodeGsm7(Uint8Array.of(0x1b, 0x41))).toBe('A');
    expect(decodeGsm7(Uint8Array.of(0x1b, 0x00, 0x62))).toBe('@b');
    expect(decodeGsm7(Uint8Array.of(0x1b, 0x0d))).toBe('\r');
  });

  it('decodes escape-escape and a trailing escape as a space', () => {
    expect(decodeGsm7(Uint8Array.of(0x61, 0x1b, 0x1b, 0x62))).toBe('a b');
    expect(decodeGsm7(Uint8Array.of(0x61, 0x1b))).toBe('a ');
  });

  it('throws on bytes above 0x7F', () => {
    expect(() => decodeGsm7(Uint8Array.of(0x41, 0x80))).toThrow(RangeError);
    expect(() => decodeGsm7(Uint8Array.of(0x1b, 0xff))).toThrow(RangeError);
  });

  it('accepts a Buffer as input', () => {
    expect(decodeGsm7(Buffer.from([0x48, 0x69]))).toBe('Hi');
  });

  it('round-trips the whole alphabet', () => {
    const text = GSM_ALPHABET.join('');
    const encoded = encodeGsm7(text);
    expect(encoded.length).toBe(127 + 2 * 10);
    expect(decodeGsm7(encoded)).toBe(text);
  });

  it('round-trips random GSM texts, and the septet count equals analyzeText units', () => {
    const random = rng(11);
    for (let i = 0; i < 500; i++) {
      const text = randomText(random, GSM_ALPHABET);
      const encoded = encodeGsm7(text);
      expect(encoded.length).toBe(analyzeText(text).units);
      expect(decodeGsm7(encoded)).toBe(text);
    }
  });
});

describe('packGsm7 / unpackGsm7', () => {
  it('packs "hellohello" to E8329BFD4697D9EC37', () => {
    const packed = packGsm7(encodeGsm7('hellohello'));
    expect(hex(packed)).toBe('E8329BFD4697D9EC37');
    expect(decodeGsm7(unpackGsm7(Buffer.from('E8329BFD4697D9EC37', 'hex'), 10))).toBe('hellohello');
  });

  it('packs 8 septets into 7 bytes', () => {
    // "hellohel": 8 × 7 = 56 bits, no spare bits.
    expect(hex(packGsm7(encodeGsm7('hellohel')))).toBe('E8329BFD4697D9');
  });

  it('packs single septets and empty input', () => {
    expect(hex(packGsm7(Uint8Array.of(0x7f)))).toBe('7F');
    expect(hex(packGsm7(Uint8Array.of(0x41), 1))).toBe('82');
    expect(packGsm7(new Uint8Array()).length).toBe(0);
    expect(unpackGsm7(new Uint8Array(), 0).length).toBe(0);
  });

  it('applies fill bits after a UDH', () => {
    // Concatenation UDH is 6 octets = 48 bits, so 1 fill bit aligns the text to a septet boundary (49).
    const packed = packGsm7(encodeGsm7('hellohello'), 1);
    expect(hex(packed)).toBe(hex(referencePack([...encodeGsm7('hellohello')], 1)));
    expect(packed[0]! & 1).toBe(0);
    expect(decodeGsm7(unpackGsm7(packed, 10, 1))).toBe('hellohello');
  });

  it.each([0, 1, 2, 3, 4, 5, 6])(
    'matches a bit-level reference and round-trips with %i fill bits',
    (padding) => {
      const random = rng(100 + padding);
      for (let length = 0; length <= 170; length++) {
        const septets = Array.from({ length }, () => Math.floor(random() * 128));
        const packed = packGsm7(Uint8Array.from(septets), padding);
        expect(packed.length).toBe(Math.ceil((padding + 7 * length) / 8));
        expect(packed).toEqual(referencePack(septets, padding));
        expect([...unpackGsm7(packed, length, padding)]).toEqual(septets);
      }
    },
  );

  it('160 septets pack into 140 octets (the SMS user-data limit)', () => {
    expect(packGsm7(encodeGsm7('a'.repeat(160))).length).toBe(140);
    // 153 septets + 1 fill bit + 6-octet UDH = 140 octets
    expect(packGsm7(encodeGsm7('a'.repeat(153)), 1).length + 6).toBe(140);
  });

  it('round-trips random GSM texts through pack/unpack', () => {
    const random = rng(21);
    for (let i = 0; i < 300; i++) {
      const text = randomText(random, GSM_ALPHABET);
      const septets = encodeGsm7(text);
      const padding = Math.floor(random() * 7);
      expect(decodeGsm7(unpackGsm7(packGsm7(septets, padding), septets.length, padding))).toBe(text);
    }
  });

  it('unpacks only the requested number of septets', () => {
    const packed = packGsm7(encodeGsm7('hellohel'));
    expect(decodeGsm7(unpackGsm7(packed, 5))).toBe('hello');
    // 7 spare zero bits in the last octet would otherwise read as "@".
    const seven = packGsm7(encodeGsm7('1234567'));
    expect(seven.length).toBe(7);
    expect(decodeGsm7(unpackGsm7(seven, 7))).toBe('1234567');
    expect(decodeGsm7(unpackGsm7(seven, 8))).toBe('1234567@');
  });

  it('rejects invalid input', () => {
    expect(() => packGsm7(Uint8Array.of(0x80))).toThrow(RangeError);
    expect(() => packGsm7(Uint8Array.of(0x41), 7)).toThrow(RangeError);
    expect(() => packGsm7(Uint8Array.of(0x41), -1)).toThrow(RangeError);
    expect(() => packGsm7(Uint8Array.of(0x41), 1.5)).toThrow(RangeError);
    expect(() => unpackGsm7(Uint8Array.of(0xe8), 2)).toThrow(RangeError);
    expect(() => unpackGsm7(Uint8Array.of(0xe8), -1)).toThrow(RangeError);
    expect(() => unpackGsm7(Uint8Array.of(0xe8), 1, 7)).toThrow(RangeError);
    expect(() => unpackGsm7(Uint8Array.of(0xe8), 1, 2)).toThrow(RangeError);
  });

  it('does not mutate its input', () => {
    const septets = encodeGsm7('hellohello');
    const copy = Buffer.from(septets);
    const packed = packGsm7(septets, 3);
    const packedCopy = Buffer.from(packed);
    unpackGsm7(packed, 10, 3);
    expect(septets).toEqual(copy);
    expect(packed).toEqual(packedCopy);
  });
});

describe('encodeUcs2 / decodeUcs2', () => {
  it('encodes as UTF-16 big-endian', () => {
    expect(hex(encodeUcs2('Hi'))).toBe('00480069');
    expect(hex(encodeUcs2('ā€'))).toBe('010120AC');
    expect(hex(encodeUcs2('😀'))).toBe('D83DDE00');
    expect(encodeUcs2('').length).toBe(0);
    expect(Buffer.isBuffer(encodeUcs2('x'))).toBe(true);
  });

  it('decodes UTF-16 big-endian', () => {
    expect(decodeUcs2(Buffer.from('00480069', 'hex'))).toBe('Hi');
    expect(decodeUcs2(Buffer.from('D83DDE00', 'hex'))).toBe('😀');
    expect(decodeUcs2(Uint8Array.of(0x04, 0x36))).toBe('ж');
    expect(decodeUcs2(new Uint8Array())).toBe('');
  });

  it('byte length is twice the analyzeText units of a UCS-2 text', () => {
    const text = 'Привет 😀 👍🏽 中文';
    expect(encodeUcs2(text).length).toBe(2 * analyzeText(text).units);
  });

  it('round-trips lone surrogates', () => {
    expect(decodeUcs2(encodeUcs2('a\ud83db'))).toBe('a\ud83db');
    expect(decodeUcs2(encodeUcs2('\ude00'))).toBe('\ude00');
  });

  it('throws on odd byte length', () => {
    expect(() => decodeUcs2(Uint8Array.of(0x00, 0x48, 0x00))).toThrow(RangeError);
  });

  it('does not mutate its input', () => {
    const bytes = Buffer.from('00480069', 'hex');
    decodeUcs2(bytes);
    expect(hex(bytes)).toBe('00480069');
  });

  it('round-trips random text, and each split part on its own', () => {
    const random = rng(31);
    const pool = [...GSM_ALPHABET, ...NON_GSM, '😀', '👍🏽', '🇩🇪', 'Ω'];
    for (let i = 0; i < 300; i++) {
      const text = randomText(random, pool);
      expect(decodeUcs2(encodeUcs2(text))).toBe(text);
      for (const part of splitSegments(text, 'UCS-2')) {
        const bytes = encodeUcs2(part);
        expect(bytes.length).toBeLessThanOrEqual(140);
        expect(decodeUcs2(bytes)).toBe(part);
      }
    }
  });
});
