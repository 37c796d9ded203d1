import { AppError, isAppError } from '../../kernel/errors';
import type { ClientActor } from '../accounts';
import type { ContactMatch } from './contact-search';
import type { ContactBook } from './contacts';
import type { Groups } from './groups';
import { MAX_BULK_IDS } from './shared';

export const BULK_ACTIONS = ['add_to_group', 'remove_from_group', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/**
 * Most contacts one bulk request by filter goes through; `nextCursor` continues. Each batch of
 * {@link MAX_BULK_IDS} is its own transaction, so a request holds the (SQLite) writer for one batch at a
 * time and the whole request stays within a few seconds.
 */
export const MAX_BULK_BY_FILTER = 10_000;

export interface BulkByFilter {
  filter: ContactMatch;
  action: BulkAction;
  /** The group of `add_to_group` and `remove_from_group`. */
  groupId?: string | undefined;
  /** `nextCursor` of the answer before: where this request goes on. */
  cursor?: string | undefined;
  /** Contacts to go through in this request (default and at most {@link MAX_BULK_BY_FILTER}). */
  limit?: number | undefined;
}

export interface BulkResult {
  action: BulkAction;
  groupId: string | null;
  /** Matching contacts gone through by this request. */
  processed: number;
  /** Contacts changed: deleted, added to or removed from the group (members already in are not counted). */
  affected: number;
  /** Non-null when more contacts may match: send the same request again with this cursor. */
  nextCursor: string | null;
}

/**
 * "Select all N matching": add to a group, remove from it or delete every contact that matches the
 * list's filters, through the same calls (and audit events) as the actions on picked ids. The audit
 * events say the filter was used; the search text itself is not recorded (it is often a person's name).
 */
export function createBulkActions(deps: { book: ContactBook; groups: Groups }) {
  const { book, groups } = deps;
  return {
    async byFilter(actor: ClientActor, input: BulkByFilter): Promise<BulkResult> {
      const groupId = input.groupId ?? null;
      if (input.action === 'delete' && groupId !== null) {
        throw new AppError('validation_failed', 'Deleting takes no group.', {
          errors: [{ path: '/body/groupId', message: 'only for add_to_group and remove_from_group' }],
        });
      }
      if (input.action !== 'delete') {
        if (groupId === null) {
          throw new AppError('validation_failed', `${input.action} needs the group.`, {
            errors: [{ path: '/body/groupId', message: 'required for this action' }],
          });
        }
        try {
          await groups.get(actor, groupId);
        } catch (error) {
          if (!isAppError(error) || error.code !== 'not_found') throw error;
          throw new AppError('not_found', 'No such group.', {
            errors: [{ path: '/body/groupId', message: 'no such group' }],
          });
        }
      }
      const limit = Math.min(input.limit ?? MAX_BULK_BY_FILTER, MAX_BULK_BY_FILTER);
      const { q, groupId: inGroup, tag, country } = input.filter;
      const note = {
        byFilter: {
          ...(inGroup ? { groupId: inGroup } : {}),
          ...(tag ? { tag } : {}),
          ...(country ? { country } : {}),
          ...(q ? { search: true } : {}),
        },
      };
      let cursor = input.cursor;
      let processed = 0;
      let affected = 0;
      while (processed < limit) {
        const ids = await book.matchingIds(
          actor,
          input.filter,
          cursor,
          Math.min(MAX_BULK_IDS, limit - processed),
        );
        if (ids.length === 0) return { action: input.action, groupId, processed, affected, nextCursor: null };
        processed += ids.length;
        cursor = ids[ids.length - 1];
        if (input.action === 'delete') affected += (await book.remove(actor, ids, note)).deleted.length;
        else if (input.action === 'add_to_group')
          affected += (await groups.addMembers(actor, groupId!, ids, note)).added;
        else affected += (await groups.removeMembers(actor, groupId!, ids, note)).removed;
      }
      // The limit was reached: there may be more (an empty next page ends the walk then).
      return { action: input.action, groupId, processed, affected, nextCursor: cursor ?? null };
    },
  };
}

export type BulkActions = ReturnType<typeof createBulkActions>;
