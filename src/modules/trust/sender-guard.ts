import { AppError, type FieldError } from '../../kernel/errors';
import type { Db, DbOrTx } from '../../storage/database';
import { prepared, slot } from '../../storage/prepared';
import type { SenderIdStatus } from '../../storage/schema-trust';
import { lookalikeCharacters, readsAs } from '../phone';
import { type PolicyCache, senderRuleFor, type TrustPolicy } from './policy';

const NUMERIC = /^\+?\d{1,15}$/;

/** One sender a request uses, towards one destination country. */
export interface SenderUse {
  sender: string;
  country: string | null;
  /** Where the sender came from in the request body (e.g. `/body/from`), for the error. */
  path: string;
}

export interface SenderGuardDeps {
  policy: PolicyCache;
  /** The operator's shared sender: the operator answers for it, so no account rule applies to it. */
  sharedSender: string;
  /** The accounts that own the given E.164 numbers (inbound's virtual numbers). */
  numberOwners: (db: DbOrTx, numbers: readonly string[]) => Promise<Map<string, string>>;
}

const registrationOf = prepared<{ accountId: string; sender: string }, { status: SenderIdStatus }>((db) =>
  db
    .selectFrom('sender_ids')
    .select('status')
    .where('account_id', '=', slot<string>('accountId'))
    .where('sender', '=', slot<string>('sender')),
);

/**
 * A refusal of a sender by name alone (look-alike letters, a protected name someone else owns), whatever
 * the destination; null when the name itself is fine. `rule` names what refused it.
 */
export function senderNameRefusal(
  policy: TrustPolicy,
  accountId: string,
  sender: string,
): { rule: string; message: string } | null {
  const lookalikes = lookalikeCharacters(sender);
  if (lookalikes.length > 0)
    return {
      rule: 'look-alike characters',
      message: `uses letters of another script that pass for Latin ones (${lookalikes.join(', ')})`,
    };
  if (NUMERIC.test(sender)) return null;
  const name = policy.protectedNames.find((n) => n.account_id !== accountId && readsAs(sender, n.skeleton));
  if (name)
    return { rule: `protected name "${name.name}"`, message: `reads as the protected name "${name.name}"` };
  return null;
}

/**
 * The sender rules of the send path: the sender's name (look-alikes, protected names), then the rule of
 * each destination country (alphanumeric forbidden, registration required, numeric senders only the
 * account's own numbers). Throws `sender_not_allowed` naming the rule of every refused sender.
 */
export function createSenderGuard(deps: SenderGuardDeps) {
  return async function checkSenders(db: Db, accountId: string, uses: readonly SenderUse[]): Promise<void> {
    const distinct = new Map<string, SenderUse>();
    for (const use of uses) {
      if (use.sender === deps.sharedSender) continue;
      const key = `${use.sender}\u0000${use.country ?? ''}`;
      if (!distinct.has(key)) distinct.set(key, use);
    }
    if (distinct.size === 0) return;
    const policy = deps.policy.fresh() ?? (await deps.policy.get());
    const errors: Array<FieldError & { rule: string }> = [];
    const registrations = new Map<string, SenderIdStatus | null>();
    let owners: Map<string, string> | null = null;
    const refuse = (use: SenderUse, rule: string, message: string) => {
      if (errors.some((e) => e.path === use.path && e.rule === rule)) return;
      errors.push({ path: use.path, rule, message: `"${use.sender}" ${message} (rule: ${rule})` });
    };

    for (const use of distinct.values()) {
      const byName = senderNameRefusal(policy, accountId, use.sender);
      if (byName) {
        refuse(use, byName.rule, byName.message);
        continue;
      }
      const rule = senderRuleFor(policy, use.country);
      const where = rule.country === '*' ? 'every country without a rule' : rule.country;
      if (NUMERIC.test(use.sender)) {
        if (rule.numeric !== 'own') continue;
        const e164 = use.sender.startsWith('+') ? use.sender : `+${use.sender}`;
        owners ??= await deps.numberOwners(
          db,
          [...distinct.values()].map((u) => (u.sender.startsWith('+') ? u.sender : `+${u.sender}`)),
        );
        if (owners.get(e164) !== accountId)
          refuse(
            use,
            `${rule.country}: own numbers only`,
            `is not a number of this account; ${where} takes only the account's own numbers`,
          );
        continue;
      }
      if (rule.alphanumeric === 'allowed') continue;
      if (rule.alphanumeric === 'forbidden') {
        refuse(
          use,
          `${rule.country}: alphanumeric forbidden`,
          `is alphanumeric; ${where} takes numeric senders only`,
        );
        continue;
      }
      if (!registrations.has(use.sender)) {
        const [row] = (await registrationOf(db, { accountId, sender: use.sender })).rows;
        registrations.set(use.sender, row?.status ?? null);
      }
      const status = registrations.get(use.sender);
      if (status !== 'approved')
        refuse(
          use,
          `${rule.country}: registration required`,
          status === 'pending'
            ? `is waiting for the operator's approval, which ${where} requires`
            : status === 'rejected'
              ? `was refused by the operator, and ${where} requires an approved sender id`
              : `is not a registered sender id of this account (POST /v1/sender-ids); ${where} requires one`,
        );
    }
    if (errors.length === 0) return;
    throw new AppError(
      'sender_not_allowed',
      errors.length === 1
        ? `${errors[0]!.path} ${errors[0]!.message}.`
        : 'Several senders are not allowed; see errors.',
      {
        errors: errors.map(({ path, message }) => ({ path, message })),
        extra: { rule: errors[0]!.rule },
      },
    );
  };
}

export type SenderGuard = ReturnType<typeof createSenderGuard>;
