import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, type Page, query } from './client';

export interface AdminAccount {
  id: string;
  name: string;
  status: string;
  defaultCountry: string | null;
  createdAt: string;
  balance?: number;
}

/** Query keys of the back office. */
export const adminKeys = {
  accounts: () => ['admin-accounts'] as const,
  accountList: (q: string) => [...adminKeys.accounts(), 'list', q] as const,
  account: (id: string) => [...adminKeys.accounts(), 'detail', id] as const,
  ledger: (accountId: string) => ['admin-ledger', accountId] as const,
  linkDomains: (accountId: string) => ['link-domains', accountId] as const,
  routes: () => ['admin-routes'] as const,
  routeTypes: () => ['route-types'] as const,
  routeHealth: (id: string) => ['route-health', id] as const,
  routeTests: (id: string) => ['route-tests', id] as const,
  rules: () => ['admin-rules'] as const,
  numbers: () => ['admin-numbers'] as const,
  numberPages: () => [...adminKeys.numbers(), 'pages'] as const,
  allNumbers: () => [...adminKeys.numbers(), 'all'] as const,
  unassignedInbound: () => ['admin-inbound-unassigned'] as const,
  prices: () => ['admin-prices'] as const,
  staff: () => ['admin-staff'] as const,
  staffKeys: () => ['admin-staff-keys'] as const,
  subProcessors: () => ['admin-sub-processors'] as const,
  subProcessorList: (includeRemoved: boolean) =>
    [...adminKeys.subProcessors(), 'list', includeRemoved] as const,
  objections: (id: string) => [...adminKeys.subProcessors(), id, 'objections'] as const,
  incidents: () => ['admin-incidents'] as const,
  privacyRequests: () => ['admin-privacy-requests'] as const,
  privacyRequestCounts: () => [...adminKeys.privacyRequests(), 'counts'] as const,
  privacyRequestList: (status: string, overdue: boolean) =>
    [...adminKeys.privacyRequests(), status, overdue] as const,
  retention: () => ['admin-retention'] as const,
  policies: () => ['admin-policies'] as const,
};

/** Accounts matching `q` (all when empty), paged by cursor. */
export function useAdminAccounts(q = '') {
  return useInfiniteQuery({
    queryKey: adminKeys.accountList(q),
    queryFn: ({ pageParam }) =>
      api<Page<AdminAccount>>('GET', `/v1/admin/accounts${query({ limit: 100, cursor: pageParam, q })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Keep showing the last answer while a new search runs, so rows (and their open forms) stay put.
    placeholderData: keepPreviousData,
  });
}

export interface Route {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  config: Record<string, unknown>;
  createdAt: string;
}

/** The operator's routes (the route list and the routing rules' route picker). */
export function useAdminRoutes() {
  return useQuery({
    queryKey: adminKeys.routes(),
    queryFn: () => api<Page<Route>>('GET', '/v1/admin/routes'),
  });
}
