import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Group, problemFields } from '../../api';
import { contactKeys } from '../../api/contacts';
import { groupKeys } from '../../api/groups';

/** The contact list's filters, as the API takes them (an empty one filters nothing). */
export interface ContactFilters {
  q: string;
  groupId: string;
  tag: string;
}

interface BulkAnswer {
  processed: number;
  affected: number;
  nextCursor: string | null;
}

/**
 * What the contact list does to many contacts at once: by their ids (the ticked rows), or to every contact
 * of the filter ("Select all N matching"). Each action ends the selection (`clearSelection`) and tells what
 * it did in `notice`; a delete by ids can be undone while `deleted` holds them.
 */
export function useBulkActions(
  filters: ContactFilters,
  groupName: ReadonlyMap<string, string>,
  clearSelection: () => void,
) {
  const client = useQueryClient();
  const [deleted, setDeleted] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: contactKeys.all }),
      client.invalidateQueries({ queryKey: groupKeys.all }),
    ]);
  const remove = useMutation({
    mutationFn: (ids: string[]) => api<unknown>('POST', '/v1/contacts/delete', { ids }),
    onSuccess: (_r, ids) => {
      setDeleted(ids);
      clearSelection();
      setNotice(null);
      return refresh();
    },
  });
  const restore = useMutation({
    mutationFn: (ids: string[]) => api<{ restored: string[] }>('POST', '/v1/contacts/restore', { ids }),
    onSuccess: (r) => {
      setDeleted([]);
      setNotice(`Restored ${r.restored.length} ${r.restored.length === 1 ? 'contact' : 'contacts'}.`);
      return refresh();
    },
  });
  const addToGroup = useMutation({
    mutationFn: ({ group, ids }: { group: string; ids: string[] }) =>
      api<{ added: number; group: Group }>('POST', `/v1/groups/${group}/contacts`, { contactIds: ids }),
    onSuccess: (r) => {
      clearSelection();
      setNotice(`Added ${r.added} to ${r.group.name} (${r.group.memberCount} members).`);
      return refresh();
    },
  });
  const removeFromGroup = useMutation({
    mutationFn: ({ group, ids }: { group: string; ids: string[] }) =>
      api<{ removed: number; group: Group }>('DELETE', `/v1/groups/${group}/contacts`, { contactIds: ids }),
    onSuccess: (r) => {
      clearSelection();
      setNotice(`Removed ${r.removed} from ${r.group.name} (${r.group.memberCount} members).`);
      return refresh();
    },
  });
  /** A bulk action on every contact of the filter: one request per 10,000 contacts, until none is left. */
  const byFilter = useMutation({
    mutationFn: async (input: {
      action: 'add_to_group' | 'remove_from_group' | 'delete';
      group?: string;
    }) => {
      let cursor: string | null = null;
      let affected = 0;
      let processed = 0;
      setProgress(0);
      try {
        do {
          const r: BulkAnswer = await api<BulkAnswer>('POST', '/v1/contacts/bulk', {
            // The filters the list shows, without the empty ones (an empty group id is no group).
            filter: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '')),
            action: input.action,
            ...(input.group ? { groupId: input.group } : {}),
            ...(cursor ? { cursor } : {}),
          });
          affected += r.affected;
          processed += r.processed;
          setProgress(processed);
          cursor = r.nextCursor;
        } while (cursor);
      } finally {
        setProgress(null);
      }
      return { ...input, affected };
    },
    onSuccess: (r) => {
      clearSelection();
      setDeleted([]);
      const name = r.group ? (groupName.get(r.group) ?? 'the group') : '';
      const n = `${r.affected.toLocaleString()} ${r.affected === 1 ? 'contact' : 'contacts'}`;
      setNotice(
        r.action === 'add_to_group'
          ? `Added ${n} to ${name}.`
          : r.action === 'remove_from_group'
            ? `Removed ${n} from ${name}.`
            : `Deleted ${n}.`,
      );
      return refresh();
    },
  });
  const busy = addToGroup.isPending || removeFromGroup.isPending || remove.isPending || byFilter.isPending;
  const error = problemFields(
    remove.error ?? addToGroup.error ?? removeFromGroup.error ?? byFilter.error ?? restore.error,
  ).general;
  return {
    remove,
    restore,
    addToGroup,
    removeFromGroup,
    byFilter,
    deleted,
    notice,
    progress,
    busy,
    error,
  };
}
