import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, type Me, setCsrf } from './api';
import { accountKeys } from './api/account';

/** Set by the sign-up form; cleared once a session works (see LoginPage for why it is kept). */
export const SIGNUP_EMAIL_KEY = 'smsgate.signup-email';

/** The signed-in client user, or null. 401 is an answer here, not an error. */
export function useMe() {
  return useQuery({
    queryKey: accountKeys.me(),
    queryFn: async () => {
      try {
        const me = await api<Me>('GET', '/v1/me');
        setCsrf('client', me.csrfToken);
        sessionStorage.removeItem(SIGNUP_EMAIL_KEY);
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
  staff: { id: string; email: string; name: string; role: string; twoFactorEnabled: boolean };
  permissions: string[];
  csrfToken: string;
  /** STAFF_REQUIRE_2FA is on and this staff member has not enrolled: only the security page works. */
  twoFactorEnrolmentRequired: boolean;
}

export function useStaff() {
  return useQuery({
    queryKey: accountKeys.staffMe(),
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
