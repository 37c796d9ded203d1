import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, type Me, setCsrf } from './api';

/** The signed-in client user, or null. 401 is an answer here, not an error. */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        const me = await api<Me>('GET', '/v1/me');
        setCsrf('client', me.csrfToken);
        return me;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 5_000,
  });
}

export interface StaffMe {
  staff: { id: string; email: string; name: string; role: string };
  permissions: string[];
  csrfToken: string;
}

export function useStaff() {
  return useQuery({
    queryKey: ['staff-me'],
    queryFn: async () => {
      try {
        const me = await api<StaffMe>('GET', '/v1/admin/me');
        setCsrf('admin', me.csrfToken);
        return me;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
  });
}

export function useRefreshSession() {
  const client = useQueryClient();
  return () => client.invalidateQueries();
}
