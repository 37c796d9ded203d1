import { useGroupList } from '../api/groups';

/** Every group of the account (for names, filters and pickers), cached once under `groupKeys.list()`. */
export function useGroups() {
  return useGroupList();
}
