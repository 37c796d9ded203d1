/**
 * Reading the contact book: a page of the list in the requested order (keyset pagination), a capped count
 * of the matches, the ids a bulk action by filter walks, and the pages of a streamed export.
 */
import { AppError } from '../../kernel/errors';
import type { Db } from '../../storage/database';
import type { ContactsTable } from '../../storage/schema-contacts';
import type { ClientActor } from '../accounts';
import type { ContactView } from './contact-model';
import { type ContactMatch, matching, newestFirst, type SearchMode, searchMode } from './contact-search';
import { views } from './contact-store';
import type { ContactsDeps } from './shared';

/** Orders of the contact list: by creation (id), name or phone; a leading `-` is descending. */
export const CONTACT_SORTS = ['-created', 'created', 'name', '-name', 'phone', '-phone'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

export interface ContactFilter extends ContactMatch {
  limit: number;
  /** The id of the last contact of the page before, whatever the sort. */
  cursor?: string | undefined;
  /** Default `-created` (newest first). */
  sort?: ContactSort | undefined;
}

/** A count of matching contacts stops here, so that counting costs the same on any size of book. */
export const COUNT_CAP = 100_000;

/**
 * The sort keys of the contact a page ended on. The cursor stays the id (no names or numbers in URLs);
 * a deleted contact still has its row for the restore window, so a page ending on it can go on.
 */
async function cursorKeys(db: Db, accountId: string, cursor: string) {
  const row = await db
    .selectFrom('contacts')
    .select(['id', 'phone', 'name_lc'])
    .where('account_id', '=', accountId)
    .where('id', '=', cursor)
    .executeTakeFirst();
  if (!row) {
    throw new AppError('validation_failed', 'The cursor does not name a contact of this list.', {
      errors: [{ path: '/querystring/cursor', message: 'no such contact; start from the first page' }],
    });
  }
  return row;
}

/**
 * One page in the requested order, by keyset pagination on an index: (account_id, id) for `created`,
 * the live-phone index for `phone` (numbers are unique among live contacts), (account_id, name_lc, id)
 * for `name`. Contacts without a name come after the named ones in both directions, newest first
 * among themselves when descending.
 */
async function sortedPage(
  db: Db,
  accountId: string,
  f: ContactFilter,
  mode: SearchMode,
): Promise<ContactsTable[]> {
  const sort = f.sort ?? '-created';
  const desc = sort.startsWith('-');
  const key = desc ? sort.slice(1) : sort;
  const dir = desc ? 'desc' : 'asc';
  const beyond = desc ? '<' : '>';
  const base = () => matching(db, accountId, f, mode).selectAll();
  if (key === 'created') {
    let q = base();
    if (f.cursor) q = q.where('id', beyond, f.cursor);
    return q.orderBy('id', dir).limit(f.limit).execute();
  }
  const after = f.cursor ? await cursorKeys(db, accountId, f.cursor) : null;
  if (key === 'phone') {
    let q = base();
    if (after) q = q.where('phone', beyond, after.phone);
    return q.orderBy('phone', dir).limit(f.limit).execute();
  }
  const rows: ContactsTable[] = [];
  if (!after || after.name_lc !== null) {
    let q = base().where('name_lc', 'is not', null);
    if (after) {
      const name = after.name_lc!;
      q = q.where((eb) =>
        eb.or([eb('name_lc', beyond, name), eb.and([eb('name_lc', '=', name), eb('id', beyond, after.id)])]),
      );
    }
    rows.push(...(await q.orderBy('name_lc', dir).orderBy('id', dir).limit(f.limit).execute()));
  }
  if (rows.length < f.limit) {
    let q = base().where('name_lc', 'is', null);
    if (after && after.name_lc === null) q = q.where('id', beyond, after.id);
    rows.push(
      ...(await q
        .orderBy('id', dir)
        .limit(f.limit - rows.length)
        .execute()),
    );
  }
  return rows;
}

export function createContactList({ db }: Pick<ContactsDeps, 'db'>) {
  return {
    async list(actor: ClientActor, filter: ContactFilter): Promise<ContactView[]> {
      const mode = await searchMode(db, actor.accountId, filter.q);
      return views(db, await sortedPage(db, actor.accountId, filter, mode));
    },

    /**
     * How many contacts match the filters, counted up to {@link COUNT_CAP}: `capped` says there are more.
     * The count walks an index of the matches only, and never further than the cap.
     */
    async count(actor: ClientActor, filter: ContactMatch): Promise<{ total: number; capped: boolean }> {
      const mode = await searchMode(db, actor.accountId, filter.q);
      const ids_ = matching(db, actor.accountId, filter, mode)
        .select('id')
        .limit(COUNT_CAP + 1);
      const row = await db
        .selectFrom(ids_.as('m'))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      const n = Number(row?.n ?? 0);
      return { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
    },

    /** Ids of matching contacts, newest first, after `cursor`: the walk of a bulk action by filter. */
    async matchingIds(
      actor: ClientActor,
      filter: ContactMatch,
      cursor: string | undefined,
      limit: number,
    ): Promise<string[]> {
      const mode = await searchMode(db, actor.accountId, filter.q);
      const rows = await matching(db, actor.accountId, filter, mode)
        .select('id')
        .$if(cursor !== undefined, (q) => q.where('id', '<', cursor!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    /** Every contact matching the filter, in pages of `batch`, newest first; for streamed exports. */
    async *iterate(actor: ClientActor, filter: ContactMatch, batch = 500): AsyncGenerator<ContactView[]> {
      let cursor: string | undefined;
      const mode = await searchMode(db, actor.accountId, filter.q);
      for (;;) {
        const rows = await newestFirst(db, actor.accountId, { ...filter, cursor }, mode)
          .limit(batch)
          .execute();
        if (rows.length === 0) return;
        yield await views(db, rows);
        if (rows.length < batch) return;
        cursor = rows[rows.length - 1]!.id;
      }
    },
  };
}
