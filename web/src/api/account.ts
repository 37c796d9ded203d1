import { useQuery } from '@tanstack/react-query';
import { api } from './client';

export interface Settings {
  defaultCountry: string | null;
  /** The account's own sender; null until it chooses one. */
  defaultSender: string | null;
  /** The operator's shared sender, used when the account has none (null: the platform's name). */
  sharedSender: string | null;
  maxSegments: number;
  smartEncoding: boolean;
  refundPolicy?: string;
}

/** Query keys of the signed-in account: the session, its settings, team, balance and prices. */
export const accountKeys = {
  me: () => ['me'] as const,
  staffMe: () => ['staff-me'] as const,
  settings: () => ['settings'] as const,
  users: () => ['users'] as const,
  ledger: () => ['balance-ledger'] as const,
  prices: () => ['prices'] as const,
  countries: () => ['countries'] as const,
  policy: () => ['policy'] as const,
};

/** The account's messaging settings (every member may read them). */
export function useSettings() {
  return useQuery({
    queryKey: accountKeys.settings(),
    queryFn: () => api<Settings>('GET', '/v1/account/settings'),
  });
}
