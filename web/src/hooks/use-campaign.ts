import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { type Campaign, campaignKeys } from '../api/campaigns';

/**
 * One campaign (the campaign page and the draft editor share it). `pollEvery` says how often to fetch it
 * again while it changes (false: only when something invalidates it).
 */
export function useCampaign(
  id: string | undefined,
  { enabled = true, pollEvery }: { enabled?: boolean; pollEvery?: (c: Campaign) => number | false } = {},
) {
  return useQuery({
    queryKey: campaignKeys.detail(id),
    queryFn: () => api<Campaign>('GET', `/v1/campaigns/${encodeURIComponent(id ?? '')}`),
    enabled,
    refetchInterval: (q) => (q.state.data && pollEvery ? pollEvery(q.state.data) : false),
  });
}
