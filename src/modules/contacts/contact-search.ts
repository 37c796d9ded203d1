/**
 * Which contacts a search and the list's filters match: the prefix conditions of a search text, the choice
 * between an index union and a newest-first walk, and the query of the matching live contacts.
 */
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../../storage/database';

/** Which contacts: the list's filters (all of them: every live contact of the account). */
export interface ContactMatch {
  q?: string | undefined;
  groupId?: string | undefined;
  tag?: string | undefined;
  country?: string | undefined;
}

/** How a search text is answered: a union of index lookups (few matches) or a newest-first walk (many). */
export type SearchMode = 'union' | 'scan';

/** The smallest string greater than every string that starts with `prefix`. */
const prefixUpperBound = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
const PHONE_SEPARATORS = /[\s().\-/]/g;

/** From this many matches on, a search walks the account newest first instead of collecting every match. */
const DENSE_MATCHES = 2000;

/**
 * The ways a search text matches a contact: a prefix of the first name, last name, e-mail or (digits)
 * phone number, or "first last" in either order. A prefix is a range (col >= 'ann' and col < 'ano')
 * rather than LIKE: both databases answer it from the (account_id, column) indexes, where LIKE with
 * ESCAPE makes SQLite scan the table.
 */
function searchConditions(text: string) {
  const like = (column: string, value: string) =>
    sql<boolean>`(${sql.ref(column)} >= ${value} and ${sql.ref(column)} < ${prefixUpperBound(value)})`;
  const arms = [like('first_name_lc', text), like('last_name_lc', text), like('email_lc', text)];
  const compact = text.replace(PHONE_SEPARATORS, '');
  if (/^\+?\d+$/.test(compact)) {
    const digits = compact.startsWith('+')
      ? compact.slice(1)
      : compact.startsWith('00')
        ? compact.slice(2)
        : compact;
    if (digits.length > 0) arms.push(like('phone', `+${digits}`));
  }
  const words = text.split(/\s+/);
  if (words.length === 2) {
    // "ada love": first name and last name prefixes, either way round.
    for (const [first, last] of [
      [words[0]!, words[1]!],
      [words[1]!, words[0]!],
    ] as const) {
      arms.push(sql<boolean>`(${like('first_name_lc', first)} and ${like('last_name_lc', last)})`);
    }
  }
  return arms;
}

type SearchArm = ReturnType<typeof searchConditions>[number];

/** The ids of the live contacts that match any arm, each arm its own indexed lookup. */
function lookups(executor: DbOrTx, accountId: string, arms: SearchArm[], combine: 'union' | 'unionAll') {
  const arm = (condition: SearchArm) =>
    executor
      .selectFrom('contacts')
      .select('id')
      .where('account_id', '=', accountId)
      // deleted_at in the condition lets the phone lookup use the partial unique index of live phones.
      .where('deleted_at', 'is', null)
      .where(condition);
  let matches = arm(arms[0]!);
  for (const condition of arms.slice(1))
    matches = combine === 'union' ? matches.union(arm(condition)) : matches.unionAll(arm(condition));
  return matches;
}

/**
 * How to answer a search: a prefix shared by many contacts ("ann" among a million) makes the union of
 * index lookups materialise and sort every match for one page of 50, while walking the account newest
 * first finds 50 matches after a few thousand rows; a rare prefix is the other way round. A capped
 * count of the matches (an index probe that stops at the cap) tells which case this is.
 */
export async function searchMode(db: Db, accountId: string, q: string | undefined): Promise<SearchMode> {
  const text = q?.trim().toLowerCase();
  if (!text) return 'union';
  // Union all needs no sort to remove duplicates; a contact matching two ways counts twice, which is no harm
  // to an estimate of how dense the matches are.
  const matches = lookups(db, accountId, searchConditions(text), 'unionAll');
  const row = await db
    .selectFrom(matches.limit(DENSE_MATCHES).as('m'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0) >= DENSE_MATCHES ? 'scan' : 'union';
}

/** The live contacts of the account that match the filters; no selection, cursor or order yet. */
export function matching(executor: DbOrTx, accountId: string, f: ContactMatch, mode: SearchMode = 'union') {
  let q = executor.selectFrom('contacts').where('account_id', '=', accountId).where('deleted_at', 'is', null);
  if (f.country) q = q.where('country', '=', f.country.toUpperCase());
  if (f.tag) {
    q = q.where(
      'id',
      'in',
      executor
        .selectFrom('contact_tags')
        .select('contact_id')
        .where('account_id', '=', accountId)
        .where('tag', '=', f.tag),
    );
  }
  if (f.groupId) {
    q = q.where(
      'id',
      'in',
      executor
        .selectFrom('group_members')
        .select('contact_id')
        .where('account_id', '=', accountId)
        .where('group_id', '=', f.groupId),
    );
  }
  const text = f.q?.trim().toLowerCase();
  if (text) {
    const arms = searchConditions(text);
    if (mode === 'scan') {
      // Many matches: walking the account newest first and testing each row finds a page quickly.
      q = q.where(sql<boolean>`(${sql.join(arms, sql` or `)})`);
    } else {
      // Few matches: each way of matching is its own indexed lookup; their union names the matching
      // ids. (An OR inside one WHERE lets the planner walk the whole account in id order instead.)
      q = q.where('id', 'in', lookups(executor, accountId, arms, 'union'));
    }
  }
  return q;
}

/** Matching contacts newest first, after `cursor` (an id): the export's and bulk actions' walk. */
export function newestFirst(
  executor: DbOrTx,
  accountId: string,
  f: ContactMatch & { cursor?: string | undefined },
  mode: SearchMode = 'union',
) {
  let q = matching(executor, accountId, f, mode).selectAll();
  if (f.cursor) q = q.where('id', '<', f.cursor);
  return q.orderBy('id', 'desc');
}
