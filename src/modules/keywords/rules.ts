import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import type { KeywordRulesTable } from '../../storage/schema-keywords';
import { type ClientActor, parseMessagingSettings } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import { campaignSettingsOf } from '../campaigns';
import { isOwnGroup } from '../contacts';
import { foldKeyword, keywordOf, MAX_KEYWORD_LENGTH } from '../inbound';
import { tryNormalizePhone } from '../phone';
import { invalid, type Problem } from './problems';
import { privacyWordsOf } from './settings';
import { builtinWords } from './words';

export const MAX_SYNONYMS = 20;
export const MAX_REPLY = 1600;

/** A rule as the API shows it. */
export interface KeywordRuleView {
  id: string;
  keyword: string;
  synonyms: string[];
  /** The account's numbers it answers on; empty: all of them. */
  numbers: string[];
  reply: string | null;
  addToGroupId: string | null;
  removeFromGroupId: string | null;
  forwardEmail: string | null;
  forwardWebhook: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface KeywordRuleInput {
  keyword: string;
  synonyms?: string[] | undefined;
  numbers?: string[] | undefined;
  reply?: string | null | undefined;
  addToGroupId?: string | null | undefined;
  removeFromGroupId?: string | null | undefined;
  forwardEmail?: string | null | undefined;
  forwardWebhook?: boolean | undefined;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();
const parseList = (json: string): string[] => {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

export function ruleView(r: KeywordRulesTable): KeywordRuleView {
  return {
    id: r.id,
    keyword: r.keyword,
    synonyms: parseList(r.synonyms),
    numbers: parseList(r.numbers),
    reply: r.reply,
    addToGroupId: r.add_to_group_id,
    removeFromGroupId: r.remove_from_group_id,
    forwardEmail: r.forward_email,
    forwardWebhook: Number(r.forward_webhook) === 1,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** Every word a rule answers to (folded). */
export const wordsOf = (r: Pick<KeywordRuleView, 'keyword' | 'synonyms'>) => [r.keyword, ...r.synonyms];

/** The rules of an account, oldest first. */
export async function rulesOf(db: DbOrTx, accountId: string): Promise<KeywordRuleView[]> {
  const rows = await db
    .selectFrom('keyword_rules')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('id')
    .execute();
  return rows.map(ruleView);
}

/** Two rules answer on a common number: both on every number, or lists that share one. */
function overlap(a: string[], b: string[]): boolean {
  if (a.length === 0 || b.length === 0) return a.length === 0 && b.length === 0;
  return a.some((n) => b.includes(n));
}

/** The folded first word of a text that a phone would send back as a keyword, or null. */
function triggerOf(text: string | null | undefined): string | null {
  if (!text) return null;
  const k = keywordOf(text);
  return k === null ? null : foldKeyword(k);
}

/** Keyword rules of an account: CRUD with the checks that keep the words unambiguous and replies loop-free. */
export function createKeywordRules(deps: { db: Db; clock: Clock; ids: IdGenerator; audit: AuditLog }) {
  const { db, clock, ids, audit } = deps;

  /** Folds and checks one word; pushes a problem and answers null when it is not a usable keyword. */
  function word(value: string, path: string, problems: Problem[]): string | null {
    const folded = foldKeyword(value.trim());
    if (
      folded === '' ||
      /\s/u.test(folded) ||
      keywordOf(folded) !== folded ||
      folded.length > MAX_KEYWORD_LENGTH
    ) {
      problems.push({
        path,
        message: `must be one word of letters or digits, at most ${MAX_KEYWORD_LENGTH}`,
      });
      return null;
    }
    return folded;
  }

  /** The row for an input, with every check that needs no other rule; throws 422 with each problem. */
  async function prepare(
    tx: DbOrTx,
    accountId: string,
    input: KeywordRuleInput,
  ): Promise<Omit<KeywordRulesTable, 'id' | 'account_id' | 'created_at' | 'updated_at'>> {
    const problems: Problem[] = [];
    const keyword = word(input.keyword, '/body/keyword', problems);
    const synonyms = [
      ...new Set(
        (input.synonyms ?? [])
          .map((s, i) => word(s, `/body/synonyms/${i}`, problems))
          .filter((s): s is string => s !== null && s !== keyword),
      ),
    ];
    const numbers: string[] = [];
    (input.numbers ?? []).forEach((n, i) => {
      const parsed = tryNormalizePhone(n);
      if (parsed.ok) numbers.push(parsed.e164);
      else problems.push({ path: `/body/numbers/${i}`, message: 'not a valid number' });
    });
    if (numbers.length > 0) {
      const owned = await tx
        .selectFrom('numbers')
        .select('number')
        .where('account_id', '=', accountId)
        .where('number', 'in', numbers)
        .execute();
      const own = new Set(owned.map((r) => r.number));
      numbers.forEach((n, i) => {
        if (!own.has(n))
          problems.push({ path: `/body/numbers/${i}`, message: 'not a number of this account' });
      });
    }
    for (const key of ['addToGroupId', 'removeFromGroupId'] as const) {
      const id = input[key];
      if (id && !(await isOwnGroup(tx, accountId, id)))
        problems.push({ path: `/body/${key}`, message: 'no such group in this account' });
    }
    const reply = input.reply?.trim() || null;
    const hasAction =
      reply !== null ||
      Boolean(input.addToGroupId || input.removeFromGroupId || input.forwardEmail) ||
      input.forwardWebhook === true;
    if (!hasAction)
      problems.push({
        path: '/body',
        message:
          'a rule needs an action: reply, addToGroupId, removeFromGroupId, forwardEmail or forwardWebhook',
      });
    if (problems.length > 0) throw invalid(problems);
    return {
      keyword: keyword!,
      synonyms: JSON.stringify(synonyms),
      numbers: JSON.stringify([...new Set(numbers)]),
      reply,
      add_to_group_id: input.addToGroupId || null,
      remove_from_group_id: input.removeFromGroupId || null,
      forward_email: input.forwardEmail?.trim().toLowerCase() || null,
      forward_webhook: input.forwardWebhook ? 1 : 0,
    };
  }

  /**
   * Checks a rule against the account's other words: the built-in ones (STOP, START, HELP, DATA, DELETE
   * and their synonyms) are reserved; two rules may share a word only on different numbers; and no reply
   * may start with a word the account answers to, nor a rule answer to the first word of a reply or of
   * the help text, since a reply reaching another of the account's numbers would start a loop.
   */
  async function checkAgainstOthers(
    tx: DbOrTx,
    accountId: string,
    rule: KeywordRuleView,
    selfId: string | null,
  ): Promise<void> {
    const [stop, privacy, account] = await Promise.all([
      campaignSettingsOf(tx, accountId),
      privacyWordsOf(tx, accountId),
      tx.selectFrom('accounts').select('settings').where('id', '=', accountId).executeTakeFirst(),
    ]);
    const reserved = builtinWords(privacy);
    for (const w of stop.stopWords) reserved.add(foldKeyword(w));
    const mine = wordsOf(rule);
    const taken = mine.filter((w) => reserved.has(w));
    if (taken.length > 0)
      throw invalid([
        { path: '/body/keyword', message: `${taken.join(', ')}: built-in keyword(s), reserved` },
      ]);
    const others = (await rulesOf(tx, accountId)).filter((r) => r.id !== selfId);
    for (const other of others) {
      const shared = wordsOf(other).filter((w) => mine.includes(w));
      if (shared.length > 0 && overlap(other.numbers, rule.numbers))
        throw new AppError(
          'conflict',
          `${shared.join(', ')} already answered by rule ${other.id} on the same numbers.`,
        );
    }
    const allWords = new Set([...reserved, ...mine, ...others.flatMap(wordsOf)]);
    const trigger = triggerOf(rule.reply);
    if (trigger !== null && allWords.has(trigger))
      throw loop('/body/reply', `the reply starts with ${trigger}, a keyword of this account`);
    const helpText = parseMessagingSettings(account?.settings).helpText;
    const otherTriggers = [...others.map((o) => triggerOf(o.reply)), triggerOf(helpText)];
    const hit = mine.find((w) => otherTriggers.includes(w));
    if (hit !== undefined) throw loop('/body/keyword', `${hit} starts a reply (a rule's or the help text)`);
  }

  async function load(tx: DbOrTx, accountId: string, id: string): Promise<KeywordRulesTable> {
    const row = await tx
      .selectFrom('keyword_rules')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such keyword rule.');
    return row;
  }

  function record(
    tx: DbOrTx,
    actor: ClientActor,
    action: string,
    id: string,
    data?: Record<string, unknown>,
  ) {
    return audit.record(tx, {
      accountId: actor.accountId,
      actor: auditActorOf(actor),
      action,
      target: { type: 'keyword_rule', id },
      ...(data ? { data } : {}),
    });
  }

  return {
    async list(accountId: string, filter: { limit: number; cursor?: string | undefined }) {
      let q = db
        .selectFrom('keyword_rules')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id', 'desc')
        .limit(filter.limit);
      if (filter.cursor) q = q.where('id', '<', filter.cursor);
      return (await q.execute()).map(ruleView);
    },

    async get(accountId: string, id: string): Promise<KeywordRuleView> {
      return ruleView(await load(db, accountId, id));
    },

    async create(actor: ClientActor, input: KeywordRuleInput): Promise<KeywordRuleView> {
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const row: KeywordRulesTable = {
          id: ids('kwr'),
          account_id: actor.accountId,
          ...(await prepare(tx, actor.accountId, input)),
          created_at: now,
          updated_at: now,
        };
        await checkAgainstOthers(tx, actor.accountId, ruleView(row), null);
        await tx.insertInto('keyword_rules').values(row).execute();
        await record(tx, actor, 'keyword_rule.created', row.id, { keyword: row.keyword });
        return ruleView(row);
      });
    },

    /** Changes a rule: the fields given replace the rule's (the keyword stays unless given). */
    async update(actor: ClientActor, id: string, patch: Partial<KeywordRuleInput>): Promise<KeywordRuleView> {
      return db.transaction().execute(async (tx) => {
        const current = ruleView(await load(tx, actor.accountId, id));
        const merged: KeywordRuleInput = { ...current, ...stripUndefined(patch) };
        const row: KeywordRulesTable = {
          id,
          account_id: actor.accountId,
          ...(await prepare(tx, actor.accountId, merged)),
          created_at: Date.parse(current.createdAt),
          updated_at: clock.now(),
        };
        await checkAgainstOthers(tx, actor.accountId, ruleView(row), id);
        const { id: _id, account_id: _a, created_at: _c, ...changes } = row;
        await tx.updateTable('keyword_rules').set(changes).where('id', '=', id).execute();
        await record(tx, actor, 'keyword_rule.changed', id, { keyword: row.keyword });
        return ruleView(row);
      });
    },

    async remove(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await load(tx, actor.accountId, id);
        await tx.deleteFrom('keyword_rules').where('id', '=', id).execute();
        await record(tx, actor, 'keyword_rule.deleted', id);
      });
    },
  };
}

export type KeywordRules = ReturnType<typeof createKeywordRules>;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function loop(path: string, message: string): AppError {
  return new AppError('keyword_loop', `${path}: ${message}: refused, it could answer itself.`, {
    errors: [{ path, message }],
  });
}
