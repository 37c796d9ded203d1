/** Client-side GSM-7 / UCS-2 counter, so the composer answers on every key press. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';
const basic = new Set(Array.from(GSM_BASIC));
const extension = new Set(Array.from(GSM_EXTENSION));

export function isGsmChar(ch: string): boolean {
  return basic.has(ch) || extension.has(ch);
}

export interface Count {
  encoding: 'GSM-7' | 'UCS-2';
  characters: number;
  units: number;
  segments: number;
  perSegment: number;
  remaining: number;
  nonGsm: string[];
}

export function countSms(text: string): Count {
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
