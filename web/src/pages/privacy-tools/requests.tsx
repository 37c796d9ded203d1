import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Page, problemFields, query } from '../../api';
import { complianceKeys, type PrivacyRequest } from '../../api/compliance';
import { LoadMore } from '../../components/load-more';
import { PrivacyRequestSummary } from '../../components/privacy-request-summary';
import { FormError, TextArea } from '../../forms';

/** Answers a request forwarded to the account: completed (with an optional note) or rejected (with a reason). */
function RequestActions({ request }: { request: PrivacyRequest }) {
  const client = useQueryClient();
  const [mode, setMode] = useState<'complete' | 'reject' | null>(null);
  const act = useMutation({
    mutationFn: (body: { note?: string; reason?: string }) =>
      api<PrivacyRequest>('POST', `/v1/privacy/requests/${request.id}/${mode}`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: complianceKeys.privacyRequests() }),
  });
  const { fields, general } = problemFields(act.error);
  if (mode === null)
    return (
      <div className="actions">
        <button type="button" onClick={() => setMode('complete')}>
          Complete<span className="sr-only"> request {request.id}</span>
        </button>
        <button type="button" className="danger" onClick={() => setMode('reject')}>
          Reject<span className="sr-only"> request {request.id}</span>
        </button>
      </div>
    );
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget).get('text') ?? '').trim();
    act.mutate(mode === 'complete' ? (text ? { note: text } : {}) : { reason: text });
  };
  return (
    <form noValidate onSubmit={onSubmit}>
      <TextArea
        label={mode === 'complete' ? 'What was done (optional)' : 'Why it is refused'}
        name="text"
        rows={2}
        error={mode === 'complete' ? fields.note : fields.reason}
      />
      <FormError message={general} />
      <div className="actions">
        <button type="submit" className={mode === 'complete' ? 'primary' : 'danger'} disabled={act.isPending}>
          {mode === 'complete' ? 'Mark completed' : 'Reject request'}
        </button>
        <button type="button" onClick={() => setMode(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The requests people sent the operator about data this account holds, by status. */
export function RequestInbox() {
  const [status, setStatus] = useState('');
  const requests = useInfiniteQuery({
    queryKey: complianceKeys.privacyRequestList(status),
    queryFn: ({ pageParam }) =>
      api<Page<PrivacyRequest>>(
        'GET',
        `/v1/privacy/requests${query({ status, limit: 50, cursor: pageParam })}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = requests.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="card" aria-labelledby="requests-title">
      <h2 id="requests-title">Requests from data subjects</h2>
      <p>
        Requests about data your account holds: sent to the platform operator, or texted to your numbers
        (DATA, DELETE; see Keywords). Answer each by its due date.
      </p>
      <div className="toolbar">
        <label htmlFor="request-status">Status</label>
        <select id="request-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All</option>
          <option value="forwarded">Open</option>
          <option value="completed">Completed</option>
          <option value="rejected">Rejected</option>
        </select>
      </div>
      {requests.isPending ? <p>Loading…</p> : null}
      {requests.error ? <p role="alert">{(requests.error as Error).message}</p> : null}
      {requests.data && rows.length === 0 ? <p className="muted">No requests.</p> : null}
      <ul className="list" data-testid="privacy-requests">
        {rows.map((r) => (
          <li key={r.id}>
            <PrivacyRequestSummary request={r} />
            {r.status === 'forwarded' ? <RequestActions request={r} /> : null}
          </li>
        ))}
      </ul>
      <LoadMore pages={requests} />
    </section>
  );
}
