import type { ContentAction, ContentRuleKind, ContentRulesTable } from '../../storage/schema-trust';

/** The rule a text matched, as the message's detail names it. */
export interface ContentMatch {
  ruleId: string;
  kind: ContentRuleKind;
  value: string;
  action: ContentAction;
  /** What in the text matched: the term, or the host of the link. */
  found: string;
}

/**
 * Host names in a text, with or without a scheme ("bit.ly/x" is a link on a phone as much as
 * "https://bit.ly/x"), lower case. A host needs a dot and a top-level name of two letters or more.
 */
const HOST =
  /(?:^|[^\p{L}\p{N}@._-])(?:https?:\/\/)?((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24})(?=$|[/:?#\s)\]"'>,;!])/giu;

export function hostsOf(text: string): string[] {
  const hosts = new Set<string>();
  for (const m of text.matchAll(HOST)) hosts.add(m[1]!.toLowerCase());
  return [...hosts];
}

/** A domain rule covers the host itself and every subdomain of it. */
export function hostMatches(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

function termPattern(term: string): RegExp {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  // Whole words only: "loan" must not match "sloane".
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
}

const patterns = new WeakMap<ContentRulesTable, RegExp>();

/**
 * The first rule the text matches that the account is not allowed past, `reject` rules before `hold`
 * ones. `allowed(kind, value)` says whether the account has an exception; `ownLink(host)` whether a link on
 * that host is one the account may send (its own tracked links on the platform's host).
 */
export function matchContent(
  text: string,
  rules: readonly ContentRulesTable[],
  allowed: (kind: ContentRuleKind, value: string) => boolean,
): ContentMatch | null {
  if (rules.length === 0) return null;
  let hosts: string[] | null = null;
  let held: ContentMatch | null = null;
  for (const rule of rules) {
    if (held && rule.action === 'hold') continue;
    let found: string | null = null;
    if (rule.kind === 'domain') {
      hosts ??= hostsOf(text);
      found = hosts.find((h) => hostMatches(h, rule.value)) ?? null;
    } else {
      let pattern = patterns.get(rule);
      if (!pattern) {
        pattern = termPattern(rule.value);
        patterns.set(rule, pattern);
      }
      found = pattern.exec(text)?.[0] ?? null;
    }
    if (found === null || allowed(rule.kind, rule.value)) continue;
    const match = { ruleId: rule.id, kind: rule.kind, value: rule.value, action: rule.action, found };
    if (rule.action === 'reject') return match;
    held = match;
  }
  return held;
}

/** The message's detail for a matched rule: what matched and which rule. */
export function contentDetail(m: ContentMatch): string {
  const what =
    m.kind === 'domain'
      ? `a link to ${m.found} (blocked domain ${m.value})`
      : `the blocked term "${m.value}"`;
  return `The text contains ${what}; rule ${m.ruleId}.`;
}
