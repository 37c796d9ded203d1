import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type {
  ContentAction,
  ContentAllowsTable,
  ContentRuleKind,
  ContentRulesTable,
} from '../../storage/schema-trust';
import type { AuditLog } from '../audit';
import { createAuditedWrites } from './audited-writes';
import type { PolicyCache } from './policy';

type AuditActor = Parameters<AuditLog['record']>[1]['actor'];

export interface ContentRuleView {
  id: string;
  kind: ContentRuleKind;
  value: string;
  action: ContentAction;
  note: string;
  createdAt: string | null;
}

export interface ContentAllowView {
  id: string;
  accountId: string;
  kind: ContentRuleKind;
  value: string;
  note: string;
  createdAt: string;
}

const at = (ms: number) => (Number(ms) === 0 ? null : new Date(Number(ms)).toISOString());

function ruleView(r: ContentRulesTable): ContentRuleView {
  return {
    id: r.id,
    kind: r.kind,
    value: r.value,
    action: r.action,
    note: r.note,
    createdAt: at(r.created_at),
  };
}

function allowView(r: ContentAllowsTable): ContentAllowView {
  return {
    id: r.id,
    accountId: r.account_id,
    kind: r.kind,
    value: r.value,
    note: r.note,
    createdAt: new Date(Number(r.created_at)).toISOString(),
  };
}

/** A domain as rules store it: lower case, no scheme, path or leading "www.". */
function normalise(kind: ContentRuleKind, value: string): string {
  const lower = value.trim().toLowerCase();
  if (kind === 'term') return lower.replace(/\s+/g, ' ');
  const host = lower
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/:?#].*$/, '')
    .replace(/^www\./, '');
  if (!/^([\p{L}\p{N}-]+\.)+[\p{L}]{2,}$/u.test(host))
    throw new AppError('validation_failed', '/body/value is not a domain name (e.g. bit.ly).', {
      errors: [{ path: '/body/value', message: 'must be a domain name, e.g. bit.ly' }],
    });
  return host;
}

/** The operator's content rules (blocked terms and domains) and each account's exceptions to them. */
export function createContentRules(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  policy: PolicyCache;
}) {
  const { db, clock, ids, audit, policy } = deps;
  const writes = createAuditedWrites(db, audit);

  return {
    async list(): Promise<ContentRuleView[]> {
      return (
        await db.selectFrom('content_rules').selectAll().orderBy('kind').orderBy('value').execute()
      ).map(ruleView);
    },

    async add(
      actor: AuditActor,
      input: { kind: ContentRuleKind; value: string; action: ContentAction; note: string },
    ): Promise<ContentRuleView> {
      const row: ContentRulesTable = {
        id: ids('crl'),
        kind: input.kind,
        value: normalise(input.kind, input.value),
        action: input.action,
        note: input.note,
        created_at: clock.now(),
      };
      await writes.insert(
        (tx) =>
          tx
            .insertInto('content_rules')
            .values(row)
            .onConflict((oc) => oc.columns(['kind', 'value']).doNothing())
            .executeTakeFirst(),
        `There is already a ${row.kind} rule for "${row.value}".`,
        {
          accountId: null,
          actor,
          action: 'content_rule.added',
          target: { type: 'content_rule', id: row.id },
          data: { kind: row.kind, value: row.value, action: row.action },
        },
      );
      policy.invalidate();
      return ruleView(row);
    },

    async remove(actor: AuditActor, id: string): Promise<void> {
      await writes.remove(
        (tx) => tx.deleteFrom('content_rules').where('id', '=', id).executeTakeFirst(),
        'No such content rule.',
        { accountId: null, actor, action: 'content_rule.deleted', target: { type: 'content_rule', id } },
      );
      policy.invalidate();
    },

    async allows(accountId: string): Promise<ContentAllowView[]> {
      const rows = await db
        .selectFrom('content_allows')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('kind')
        .orderBy('value')
        .execute();
      return rows.map(allowView);
    },

    /** An exception for one account: the rule of this kind and value no longer applies to its messages. */
    async allow(
      actor: AuditActor,
      accountId: string,
      input: { kind: ContentRuleKind; value: string; note: string },
    ): Promise<ContentAllowView> {
      const row: ContentAllowsTable = {
        id: ids('cal'),
        account_id: accountId,
        kind: input.kind,
        value: normalise(input.kind, input.value),
        note: input.note,
        created_at: clock.now(),
      };
      await writes.insert(
        (tx) =>
          tx
            .insertInto('content_allows')
            .values(row)
            .onConflict((oc) => oc.columns(['account_id', 'kind', 'value']).doNothing())
            .executeTakeFirst(),
        `The account is already allowed ${row.kind} "${row.value}".`,
        {
          accountId,
          actor,
          action: 'content_allow.added',
          target: { type: 'content_allow', id: row.id },
          data: { kind: row.kind, value: row.value },
        },
      );
      return allowView(row);
    },

    async disallow(actor: AuditActor, accountId: string, id: string): Promise<void> {
      await writes.remove(
        (tx) =>
          tx
            .deleteFrom('content_allows')
            .where('id', '=', id)
            .where('account_id', '=', accountId)
            .executeTakeFirst(),
        'No such exception.',
        { accountId, actor, action: 'content_allow.deleted', target: { type: 'content_allow', id } },
      );
    },
  };
}

export type ContentRules = ReturnType<typeof createContentRules>;
