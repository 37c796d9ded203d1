/** Client-side GSM-7 / UCS-2 counter, so the composer answers on every key press. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';
// The escape code (0x1B) is no character a handset shows: the server sends a text holding it as UCS-2.
const basic = new Set(Array.from(GSM_BASIC).filter((c) => c !== '\u001b'));
const extension = new Set(Array.from(GSM_EXTENSION));

export function isGsmChar(ch: string): boolean {
  return basic.has(ch) || extension.has(ch);
}

/**
 * The server's smart encoding (src/modules/codec/encoding.ts), so the counter shows what will be sent: look-alike
 * characters that are not GSM-7, with their GSM-7 replacement. test/unit/web-sms.test.ts keeps the two equal.
 */
const SMART = new Map<string, string>();
function replaceEach(chars: string, replacement: string): void {
  for (const char of chars) SMART.set(char, replacement);
}
replaceEach('\u2018\u2019\u201a\u201b\u2032\u2035\u02b9\u02bc\u2039\u203a`\u00b4', "'");
replaceEach('\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb', '"');
replaceEach('\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\u2022\u2023\u2043', '-');
replaceEach('\u2026', '...');
replaceEach('\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006', ' ');
replaceEach('\u2007\u2008\u2009\u200a\u202f\u205f\u3000', ' ');
replaceEach('\u2028\u2029', '\n');
replaceEach('\u00ad\u200b\u200c\u200d\u2060\ufeff', '');
replaceEach('\u2044\u2215', '/');
replaceEach('\u02c6', '^');
replaceEach('\u02dc', '~');
replaceEach('\u2126', '\u03a9');
replaceEach('\u2206', '\u0394');
// Greek capitals that look like Latin ones.
const GREEK = '\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7';
const LATIN = 'ABEZHIKMNOPTYX';
for (const [i, greek] of Array.from(GREEK).entries()) SMART.set(greek, LATIN[i] ?? greek);
// Fullwidth ASCII forms whose ASCII counterpart is GSM-7.
for (let cp = 0xff01; cp <= 0xff5e; cp++) {
  const ascii = String.fromCharCode(cp - 0xfee0);
  if (isGsmChar(ascii)) SMART.set(String.fromCharCode(cp), ascii);
}
SMART.set('\uff40', "'");

/** The text with look-alike characters replaced by their GSM-7 counterparts. */
export function smartReplace(text: string): string {
  let out = '';
  for (const char of text) out += SMART.get(char) ?? char;
  return out;
}

export interface Count {
  encoding: 'GSM-7' | 'UCS-2';
  characters: number;
  units: number;
  segments: number;
  perSegment: number;
  remaining: number;
  nonGsm: string[];
  /** What goes out: the text as typed, or with smart encoding's replacements. */
  text: string;
  /** Characters smart encoding replaced (so the text stays GSM-7); `[]` when it changed nothing. */
  replaced: string[];
}

/**
 * Encoding, length and parts of a text. With `smartEncoding` (the account's setting), look-alike characters are
 * replaced when that makes the whole text GSM-7, as the server does; otherwise the text is counted as typed.
 */
export function countSms(typed: string, options: { smartEncoding?: boolean } = {}): Count {
  let text = typed;
  let replaced: string[] = [];
  if (options.smartEncoding) {
    const smart = smartReplace(typed);
    if (Array.from(smart).every(isGsmChar)) {
      text = smart;
      replaced = [...new Set(Array.from(typed).filter((c) => SMART.has(c)))];
    }
  }
  const chars = Array.from(text);
  const nonGsm = [...new Set(chars.filter((c) => !isGsmChar(c)))];
  if (nonGsm.length === 0) {
    const units = chars.reduce((n, c) => n + (extension.has(c) ? 2 : 1), 0);
    const perSegment = units <= 160 ? 160 : 153;
    const segments = units === 0 ? 0 : Math.ceil(units / perSegment);
    return {
      encoding: 'GSM-7',
      characters: chars.length,
      units,
      segments,
      perSegment,
      remaining: Math.max(segments, 1) * perSegment - units,
      nonGsm,
      text,
      replaced,
    };
  }
  const units = text.length; // UTF-16 code units
  const perSegment = units <= 70 ? 70 : 67;
  const segments = Math.ceil(units / perSegment);
  return {
    encoding: 'UCS-2',
    characters: chars.length,
    units,
    segments,
    perSegment,
    remaining: segments * perSegment - units,
    nonGsm,
    text,
    replaced,
  };
}

/**
 * Splits a free-text list of numbers into recipients on commas, semicolons and line breaks. Spaces do
 * not separate: `+371 26 123 456` is one number, as the API reads it.
 */
export function parseRecipients(input: string): string[] {
  return input
    .split(/[,;\r\n]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
