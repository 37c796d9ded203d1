import type { Db, DbOrTx } from '../../storage/database';
import type { ContentRuleKind, ContentRulesTable } from '../../storage/schema-trust';
import { type ContentMatch, contentDetail, matchContent } from './content-match';
import type { PolicyCache, TrustPolicy } from './policy';

/** What the content rules decided for one text: nothing (absent), reject or hold, with the detail. */
export interface ContentVerdict {
  action: 'reject' | 'hold';
  rule: string;
  detail: string;
}

export interface ContentGuardDeps {
  policy: PolicyCache;
  /** The platform's own host (of PUBLIC_URL): its `/l/` and `/a/` links are short links too. */
  platformHost: string | null;
  /** The accounts that own the given short-link codes (campaigns' tracked links). */
  linkOwners: (db: DbOrTx, codes: readonly string[]) => Promise<Map<string, string>>;
}

/**
 * The content rules of the send path: per distinct text, the operator's blocked terms and domains (the
 * seeded URL shorteners among them), less the account's exceptions. The platform's own short links count
 * as a shortener unless every one of them in the text is the account's own tracked link.
 */
export function createContentGuard(deps: ContentGuardDeps) {
  const platformRule: ContentRulesTable | null = deps.platformHost
    ? {
        id: 'platform_short_links',
        kind: 'domain',
        value: deps.platformHost,
        action: 'reject',
        note: "another account's short link",
        created_at: 0,
      }
    : null;
  const platformLink = deps.platformHost
    ? new RegExp(`${deps.platformHost.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[la]/([A-Za-z0-9_-]+)`, 'gi')
    : null;

  // The operator's rules plus the platform's own short links, made once per copy of the policy.
  const withPlatform = new WeakMap<TrustPolicy, readonly ContentRulesTable[]>();
  function rulesOf(policy: TrustPolicy): readonly ContentRulesTable[] {
    if (!platformRule) return policy.contentRules;
    let rules = withPlatform.get(policy);
    if (!rules) {
      rules = [...policy.contentRules, platformRule];
      withPlatform.set(policy, rules);
    }
    return rules;
  }

  return async function checkContent(
    db: Db,
    accountId: string,
    texts: readonly string[],
  ): Promise<Map<string, ContentVerdict>> {
    const verdicts = new Map<string, ContentVerdict>();
    const policy = deps.policy.fresh() ?? (await deps.policy.get());
    const rules = rulesOf(policy);
    if (rules.length === 0) return verdicts;
    let allows: Set<string> | null = null;
    const distinct = texts.length === 1 ? texts : [...new Set(texts)];
    for (const text of distinct) {
      let match = matchContent(text, rules, () => false);
      if (!match) continue;
      // Exceptions are read only when a rule matched: most texts match none.
      allows ??= await allowsOf(db, accountId);
      const allowSet: Set<string> = allows;
      const ownLinks = platformRule !== null && (await ownsEveryLink(db, accountId, text));
      match = matchContent(
        text,
        rules,
        (kind, value) =>
          allowSet.has(`${kind}:${value}`) || (ownLinks && kind === 'domain' && value === deps.platformHost),
      );
      if (match) verdicts.set(text, verdictOf(match));
    }
    return verdicts;
  };

  async function ownsEveryLink(db: Db, accountId: string, text: string): Promise<boolean> {
    if (!platformLink) return false;
    const codes = [...text.matchAll(platformLink)].map((m) => m[1]!);
    if (codes.length === 0) return false;
    const owners = await deps.linkOwners(db, codes);
    return codes.every((c) => owners.get(c) === accountId);
  }
}

async function allowsOf(db: Db, accountId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('content_allows')
    .select(['kind', 'value'])
    .where('account_id', '=', accountId)
    .execute();
  return new Set(rows.map((r) => `${r.kind as ContentRuleKind}:${r.value}`));
}

function verdictOf(match: ContentMatch): ContentVerdict {
  return { action: match.action, rule: match.ruleId, detail: contentDetail(match) };
}

export type ContentGuard = ReturnType<typeof createContentGuard>;
