/**
 * Finding the URLs of a text (pure): where each starts and ends, replacing them by short links, and where a
 * found URL leads.
 */

/**
 * A URL starts after a space, punctuation or a CJK character (scripts written without spaces), never
 * inside a Latin, Cyrillic or Greek word ("xhttps://", "awww."). It ends at white space, at brackets and
 * quotes that are not part of URLs, and at emoji (people write "see https://x.lv🎉").
 */
const URL_PATTERN =
  /(?<![\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}_@./:-])(?:https?:\/\/|www\.)[^\s<>"`{}|\\^«»“”‘’„\p{Extended_Pictographic}]+/giu;
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = new Set([...".,;:!?'…。、，！？；："]);
const PAIRS: Record<string, string> = { ')': '(', ']': '[' };

function trimUrl(url: string): string {
  let out = url;
  for (;;) {
    const last = out[out.length - 1] ?? '';
    if (TRAILING.has(last)) {
      out = out.slice(0, -1);
      continue;
    }
    const open = PAIRS[last];
    // Keep a closing bracket the URL opened itself (Wikipedia's "Foo_(bar)"); drop one the sentence opened.
    if (open && out.split(open).length < out.split(last).length) {
      out = out.slice(0, -1);
      continue;
    }
    return out;
  }
}

const HAS_HOST = /^(?:https?:\/\/[\p{L}\p{N}]|www\.[\p{L}\p{N}-]+\.[\p{L}\p{N}])/iu;

/**
 * The http(s):// and www. URLs of a text, in order, with their UTF-16 offsets (`text.slice(start, end)`
 * is the URL). Sentence punctuation after a URL (".", ",", ")" it did not open…) is not part of it.
 */
export function findUrls(text: string): Array<{ start: number; end: number; url: string }> {
  const out: Array<{ start: number; end: number; url: string }> = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    if (!HAS_HOST.test(url)) continue;
    out.push({ start: match.index, end: match.index + url.length, url });
  }
  return out;
}

/** The text with the URLs `findUrls` finds replaced, in order, by `shortUrls` (extra URLs stay as they are). */
export function replaceUrls(text: string, shortUrls: string[]): string {
  let out = '';
  let at = 0;
  findUrls(text).forEach((found, i) => {
    const short = shortUrls[i];
    if (short === undefined) return;
    out += text.slice(at, found.start) + short;
    at = found.end;
  });
  return out + text.slice(at);
}

/** Where a found URL leads: `www.…` gets `https://`. */
export function linkTarget(url: string): string {
  return /^https?:\/\//i.test(url) ? url : `https://${url}`;
}
