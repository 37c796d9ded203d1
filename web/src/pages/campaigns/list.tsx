import { useInfiniteQuery } from '@tanstack/react-query';
import { api, formatTime, type Page, query } from '../../api';
import { type Campaign, campaignKeys } from '../../api/campaigns';
import { CampaignBadge } from '../../components/campaign-badge';
import { LoadMore } from '../../components/load-more';
import { PageLayout } from '../../components/page';
import { Link, usePageTitle } from '../../router';

/** The account's campaigns, newest first (fetched again every 5 s: their statuses move on their own). */
export function CampaignsPage() {
  usePageTitle('Campaigns');
  const list = useInfiniteQuery({
    queryKey: campaignKeys.pages(),
    queryFn: ({ pageParam }) =>
      api<Page<Campaign>>('GET', `/v1/campaigns${query({ limit: 50, cursor: pageParam })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 5_000,
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <PageLayout title="Campaigns">
      <div className="toolbar">
        <Link to="/campaigns/new" className="button primary">
          New campaign
        </Link>
        <Link to="/templates" className="button">
          Templates
        </Link>
      </div>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && rows.length === 0 ? <p className="muted">No campaigns yet.</p> : null}
      <ul className="cards" data-testid="campaigns">
        {rows.map((c) => (
          <li key={c.id} className="card">
            <div className="row">
              <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
              <CampaignBadge status={c.status} />
            </div>
            <p className="muted">
              {c.type} · {c.recipients} recipients · created {formatTime(c.createdAt)}
            </p>
          </li>
        ))}
      </ul>
      <LoadMore pages={list} />
    </PageLayout>
  );
}
