import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { AlphanumericRule, NumericRule, SenderRulesTable } from '../../storage/schema-trust';
import type { AuditLog } from '../audit';
import { parseCountry, skeleton } from '../phone';
import { createAuditedWrites } from './audited-writes';
import type { PolicyCache } from './policy';

type AuditActor = Parameters<AuditLog['record']>[1]['actor'];

export interface SenderRuleView {
  country: string;
  alphanumeric: AlphanumericRule;
  numeric: NumericRule;
  source: string;
  updatedAt: string | null;
}

export interface ProtectedNameView {
  id: string;
  name: string;
  accountId: string | null;
  note: string;
  createdAt: string;
}

function ruleView(r: SenderRulesTable): SenderRuleView {
  return {
    country: r.country,
    alphanumeric: r.alphanumeric,
    numeric: r.numeric,
    source: r.source,
    updatedAt: Number(r.updated_at) === 0 ? null : new Date(Number(r.updated_at)).toISOString(),
  };
}

/** The operator's sender rules: one per destination country ('*' for the rest), and the protected names. */
export function createSenderRules(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  policy: PolicyCache;
}) {
  const { db, clock, ids, audit, policy } = deps;
  const writes = createAuditedWrites(db, audit);

  function countryKey(country: string): string {
    return country === '*' ? '*' : parseCountry(country, '/params/country');
  }

  return {
    async list(): Promise<SenderRuleView[]> {
      const rows = await db.selectFrom('sender_rules').selectAll().orderBy('country').execute();
      return rows.map(ruleView);
    },

    async put(
      actor: AuditActor,
      country: string,
      input: { alphanumeric: AlphanumericRule; numeric: NumericRule; source: string },
    ): Promise<SenderRuleView> {
      const row: SenderRulesTable = { country: countryKey(country), ...input, updated_at: clock.now() };
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('sender_rules')
          .values(row)
          .onConflict((oc) =>
            oc.column('country').doUpdateSet({
              alphanumeric: row.alphanumeric,
              numeric: row.numeric,
              source: row.source,
              updated_at: row.updated_at,
            }),
          )
          .execute();
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'sender_rule.set',
          target: { type: 'sender_rule', id: row.country },
          data: { alphanumeric: row.alphanumeric, numeric: row.numeric, source: row.source },
        });
      });
      policy.invalidate();
      return ruleView(row);
    },

    async remove(actor: AuditActor, country: string): Promise<void> {
      const key = countryKey(country);
      await writes.remove(
        (tx) => tx.deleteFrom('sender_rules').where('country', '=', key).executeTakeFirst(),
        `No sender rule for ${key}.`,
        { accountId: null, actor, action: 'sender_rule.deleted', target: { type: 'sender_rule', id: key } },
      );
      policy.invalidate();
    },

    async protectedNames(): Promise<ProtectedNameView[]> {
      const rows = await db.selectFrom('protected_names').selectAll().orderBy('name').execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        accountId: r.account_id,
        note: r.note,
        createdAt: new Date(Number(r.created_at)).toISOString(),
      }));
    },

    /** `accountId`: the one account that may send as the name (its owner), or null for nobody. */
    async protect(
      actor: AuditActor,
      input: { name: string; accountId: string | null; note: string },
    ): Promise<ProtectedNameView> {
      if (skeleton(input.name).length < 2)
        throw new AppError('validation_failed', '/body/name needs at least two letters or digits.', {
          errors: [{ path: '/body/name', message: 'needs at least two letters or digits' }],
        });
      const row = {
        id: ids('pnm'),
        name: input.name,
        account_id: input.accountId,
        note: input.note,
        created_at: clock.now(),
      };
      await writes.insert(
        (tx) =>
          tx
            .insertInto('protected_names')
            .values(row)
            .onConflict((oc) => oc.column('name').doNothing())
            .executeTakeFirst(),
        `"${input.name}" is already protected.`,
        {
          accountId: null,
          actor,
          action: 'protected_name.added',
          target: { type: 'protected_name', id: row.id },
          data: { name: row.name, accountId: row.account_id },
        },
      );
      policy.invalidate();
      return {
        id: row.id,
        name: row.name,
        accountId: row.account_id,
        note: row.note,
        createdAt: new Date(row.created_at).toISOString(),
      };
    },

    async unprotect(actor: AuditActor, id: string): Promise<void> {
      await writes.remove(
        (tx) => tx.deleteFrom('protected_names').where('id', '=', id).executeTakeFirst(),
        'No such protected name.',
        { accountId: null, actor, action: 'protected_name.deleted', target: { type: 'protected_name', id } },
      );
      policy.invalidate();
    },
  };
}

export type SenderRules = ReturnType<typeof createSenderRules>;
