import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import type { AuditLog } from '../audit';
import { createPolicyCache } from './policy';
import { createSenderGuard } from './sender-guard';
import { createSenderIds } from './sender-ids';
import { createSenderRules } from './sender-rules';

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
}

/**
 * Trust guards: which senders an account may use (registered sender IDs, per-country rules, own numbers,
 * look-alikes and protected names), with the operator's tables behind them, read once per process.
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
  };
}

export type Trust = ReturnType<typeof createTrust>;
