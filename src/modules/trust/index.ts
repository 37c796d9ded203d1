import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import type { AuditLog } from '../audit';
import { createContentGuard } from './content-guard';
import { createContentRules } from './content-rules';
import { createPolicyCache } from './policy';
import { createSenderGuard } from './sender-guard';
import { createSenderIds } from './sender-ids';
import { createSenderRules } from './sender-rules';

export type { ContentGuard, ContentVerdict } from './content-guard';
export { hostsOf } from './content-match';
export type { ContentAllowView, ContentRules, ContentRuleView } from './content-rules';
export type { TrustPolicy } from './policy';
export type { SenderGuard, SenderUse } from './sender-guard';
export type { SenderIds, SenderIdView } from './sender-ids';
export type { ProtectedNameView, SenderRules, SenderRuleView } from './sender-rules';

export interface TrustDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  /** The operator's shared sender, which the account rules do not apply to. */
  sharedSender: string;
  /** The accounts that own the given E.164 numbers (inbound's virtual numbers). */
  numberOwners: (db: DbOrTx, numbers: readonly string[]) => Promise<Map<string, string>>;
  /** The platform's own host (of PUBLIC_URL), whose `/l/` and `/a/` links are short links. */
  platformHost: string | null;
  /** The accounts that own the given short-link codes (campaigns' tracked links). */
  linkOwners: (db: DbOrTx, codes: readonly string[]) => Promise<Map<string, string>>;
}

/**
 * Trust guards: which senders an account may use (registered sender IDs, per-country rules, own numbers,
 * look-alikes and protected names) and what a text may carry (blocked terms and domains), with the operator's tables behind them, read once per process.
 */
export function createTrust(deps: TrustDeps) {
  const policy = createPolicyCache(deps);
  return {
    checkSenders: createSenderGuard({
      policy,
      sharedSender: deps.sharedSender,
      numberOwners: deps.numberOwners,
    }),
    senderIds: createSenderIds({ ...deps, policy }),
    senderRules: createSenderRules({ ...deps, policy }),
    checkContent: createContentGuard({
      policy,
      platformHost: deps.platformHost,
      linkOwners: deps.linkOwners,
    }),
    contentRules: createContentRules({ ...deps, policy }),
  };
}

export type Trust = ReturnType<typeof createTrust>;
