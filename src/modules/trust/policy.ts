import type { Clock } from '../../kernel/clock';
import type { Db } from '../../storage/database';
import type { ContentRulesTable, ProtectedNamesTable, SenderRulesTable } from '../../storage/schema-trust';
import { skeleton } from '../phone';

/** The operator's trust rules as one process holds them: read together, refreshed together. */
export interface TrustPolicy {
  senderRules: ReadonlyMap<string, SenderRulesTable>;
  protectedNames: ReadonlyArray<ProtectedNamesTable & { skeleton: string }>;
  contentRules: readonly ContentRulesTable[];
}

/** How long a process trusts its copy; another process's edit shows within this time. */
const POLICY_TTL_MS = 5_000;

/**
 * The rule tables are read on every send, but change when an operator edits them: one copy per process,
 * re-read after {@link POLICY_TTL_MS} and at once after an edit made through this process.
 */
export function createPolicyCache(deps: { db: Db; clock: Clock }) {
  let current: { policy: TrustPolicy; readAt: number } | null = null;
  let loading: Promise<TrustPolicy> | null = null;

  async function load(): Promise<TrustPolicy> {
    const [rules, names, content] = await Promise.all([
      deps.db.selectFrom('sender_rules').selectAll().execute(),
      deps.db.selectFrom('protected_names').selectAll().execute(),
      deps.db.selectFrom('content_rules').selectAll().orderBy('id').execute(),
    ]);
    return {
      senderRules: new Map(rules.map((r) => [r.country, r])),
      protectedNames: names.map((n) => ({ ...n, skeleton: skeleton(n.name) })),
      contentRules: content,
    };
  }

  /** The copy, while it is fresh (the send path's common case: no promise, no await). */
  function fresh(): TrustPolicy | null {
    const now = deps.clock.now();
    return current && now - current.readAt < POLICY_TTL_MS && now >= current.readAt ? current.policy : null;
  }

  return {
    fresh,
    async get(): Promise<TrustPolicy> {
      const cached = fresh();
      if (cached) return cached;
      const now = deps.clock.now();
      loading ??= load().finally(() => {
        loading = null;
      });
      const policy = await loading;
      current = { policy, readAt: now };
      return policy;
    },
    /** Forget the copy: the next read sees the edit just committed. */
    invalidate(): void {
      current = null;
    },
  };
}

export type PolicyCache = ReturnType<typeof createPolicyCache>;

/** The rule for a destination country: its own row, else the '*' row, else open (the table was emptied). */
export function senderRuleFor(policy: TrustPolicy, country: string | null): SenderRulesTable {
  return (
    (country ? policy.senderRules.get(country) : undefined) ??
    policy.senderRules.get('*') ?? {
      country: '*',
      alphanumeric: 'allowed',
      numeric: 'any',
      source: 'no rule',
      updated_at: 0,
    }
  );
}
