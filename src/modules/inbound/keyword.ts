/** Longest keyword kept: keywords are short words (STOP, HELP, JOIN …); a long first word is not one. */
export const MAX_KEYWORD_LENGTH = 32;

// Punctuation and symbols around the first word ("Stop!", "«STOP»", "stop.") do not change the keyword.
const EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/**
 * The keyword of an inbound text: its first word, upper-cased, without surrounding punctuation; null when
 * the text has no word or the first word is longer than {@link MAX_KEYWORD_LENGTH}.
 */
export function keywordOf(text: string): string | null {
  const first = text.trim().split(/\s+/u, 1)[0] ?? '';
  const word = first.replace(EDGES, '').toUpperCase();
  if (word === '' || word.length > MAX_KEYWORD_LENGTH) return null;
  return word;
}

/**
 * A word as keyword rules compare it: decomposed (NFKD), without combining marks, upper-cased, so that
 * `arrêt`, `ARRET` and `Arret` are one word, as are `Dzēst` and `DZEST`. Cyrillic keeps its letters
 * (`стоп` → `СТОП`); `й` loses its breve (`И`) on both sides, so matching is unaffected.
 */
export function foldKeyword(word: string): string {
  return word
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase();
}
