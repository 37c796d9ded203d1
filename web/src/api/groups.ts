import { useQuery } from '@tanstack/react-query';
import { api, type Group, type Page } from './client';

/** Query keys of the account's groups: every list of groups sits under `groupKeys.all`. */
export const groupKeys = {
  all: ['groups'] as const,
  /** Every group of the account (names, filters and pickers share this one list). */
  list: () => [...groupKeys.all, 'list'] as const,
};

/** Every group of the account (for names, filters and pickers). */
export function useGroupList() {
  return useQuery({
    queryKey: groupKeys.list(),
    queryFn: () => api<Page<Group>>('GET', '/v1/groups?limit=500'),
  });
}
