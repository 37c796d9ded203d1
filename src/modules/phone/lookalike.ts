/**
 * Look-alike senders: letters from other scripts that read as Latin ones (Cyrillic "а", Greek "ο",
 * fullwidth "Ａ"), and spellings that read as a protected name ("PayPa1", "B4NK"). The folding follows the
 * idea of Unicode's confusable skeletons (UTS #39), reduced to what an 11-character sender can carry.
 */

/** Letters of other scripts drawn like a Latin letter (lower case; upper case is lowered first). */
const CONFUSABLE_LETTERS: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  // Latin letters that pass for plain ones
  ı: 'i',
  ɑ: 'a',
  ɡ: 'g',
  ℓ: 'l',
};

/** Digits and pairs that read as letters once a name is written in capitals or a small font. */
const READS_AS: Array<[RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/0/g, 'o'],
  [/[1i|!]/g, 'l'],
  [/3/g, 'e'],
  [/4/g, 'a'],
  [/5/g, 's'],
  [/7/g, 't'],
  [/8/g, 'b'],
];

function foldCharacter(ch: string): string {
  const compat = ch.normalize('NFKC');
  const lower = compat.toLowerCase();
  return CONFUSABLE_LETTERS[lower] ?? lower.normalize('NFD').replace(/\p{M}/gu, '');
}

/**
 * A letter of another script drawn like a Latin one, or a compatibility form of one (fullwidth "Ａ", "ℓ").
 * Accented Latin letters ("é" in "Café") are Latin: they are refused or not by the sender's alphabet, not
 * as look-alikes.
 */
function passesForLatin(ch: string): boolean {
  const compat = ch.normalize('NFKC');
  if (compat !== ch && /^[a-z0-9]$/i.test(compat)) return true;
  return CONFUSABLE_LETTERS[ch.toLowerCase()] !== undefined;
}

/**
 * The characters of `sender` that are letters of another script (or compatibility forms) passing for ASCII
 * letters or digits, each shown with
 * its code point (e.g. `а U+0430`). Empty when the sender has none.
 */
export function lookalikeCharacters(sender: string): string[] {
  const found: string[] = [];
  for (const ch of sender) {
    if (ch.charCodeAt(0) < 0x80) continue;
    if (passesForLatin(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      found.push(`${ch} U+${code}`);
    }
  }
  return found;
}

/** What a name reads as: folded to plain lower-case Latin, look-alike digits read as letters, marks dropped. */
export function skeleton(name: string): string {
  let folded = '';
  for (const ch of name) folded += foldCharacter(ch);
  folded = folded.replace(/[^a-z0-9|!]/g, '');
  for (const [pattern, letter] of READS_AS) folded = folded.replace(pattern, letter);
  return folded;
}

/**
 * Whether `sender` reads as the protected name whose skeleton is `protectedSkeleton`: the same, or
 * containing it ("PayPal-Help"), for names of four letters and more (shorter ones would match by chance).
 */
export function readsAs(sender: string, protectedSkeleton: string): boolean {
  const s = skeleton(sender);
  if (s === protectedSkeleton) return true;
  return protectedSkeleton.length >= 4 && s.includes(protectedSkeleton);
}
