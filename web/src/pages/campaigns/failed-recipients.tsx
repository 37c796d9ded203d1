import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, formatTime, type Page, problemFields, query } from '../../api';
import type { Campaign } from '../../api/campaigns';
import { campaignKeys } from '../../api/campaigns';
import { LoadMore } from '../../components/load-more';
import { FormError, StatusBadge } from '../../forms';
import { Link, navigate } from '../../router';

interface FailedRecipient {
  id: string;
  to: string;
  status: string;
  errorCode: string | null;
  errorDetail: string | null;
  at: string | null;
  resendable: boolean;
}

/**
 * The campaign's messages that did not arrive, and "Resend to failed": a new draft to the numbers whose
 * message failed, was undelivered or expired, which the user reviews (and edits) before starting it.
 */
export function FailedRecipients({ campaign }: { campaign: Campaign }) {
  const client = useQueryClient();
  const s = campaign.stats;
  const count = s ? s.failed + s.undelivered : 0;
  const list = useInfiniteQuery({
    queryKey: campaignKeys.failed(campaign.id, count),
    queryFn: ({ pageParam }) =>
      api<Page<FailedRecipient>>(
        'GET',
        `/v1/campaigns/${encodeURIComponent(campaign.id)}/failed${query({ limit: 50, cursor: pageParam })}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: count > 0,
  });
  const resend = useMutation({
    mutationFn: () =>
      api<Campaign>(
        'POST',
        `/v1/campaigns/${encodeURIComponent(campaign.id)}/resend-failed`,
        undefined,
        true,
      ),
    onSuccess: async (draft) => {
      await client.invalidateQueries({ queryKey: campaignKeys.all });
      navigate(`/campaigns/${draft.id}`);
    },
  });
  if (count === 0) return null;
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  const anyResendable = rows.some((r) => r.resendable);
  return (
    <section className="card" aria-labelledby="cfailed-h" data-testid="failed-recipients">
      <h2 id="cfailed-h">Did not arrive</h2>
      <p className="muted">Messages that failed, were undelivered, expired or were refused.</p>
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          onClick={() => resend.mutate()}
          disabled={resend.isPending || (list.data !== undefined && !anyResendable)}
        >
          {resend.isPending ? 'Creating…' : 'Resend to failed'}
        </button>
        <span className="muted">
          A new draft to these numbers (without those who opted out or were deleted since), to review before
          you start it.
        </span>
      </div>
      <FormError message={problemFields(resend.error).general} />
      <div className="table-wrap">
        <table className="data" aria-label="Messages that did not arrive">
          <thead>
            <tr>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="nowrap">
                  <Link to={`/messages/${r.id}`}>{r.to}</Link>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>
                  {r.errorDetail ?? r.errorCode ?? '—'}
                  {r.resendable ? null : <span className="muted"> (not resent)</span>}
                </td>
                <td className="nowrap">{r.at ? formatTime(r.at) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore pages={list} />
    </section>
  );
}
