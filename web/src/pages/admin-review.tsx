import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, formatTime, type Message, type Page, problemFields } from '../api';
import { useAdminAccounts } from '../api/admin';
import { PageLayout } from '../components/page';
import { FormError } from '../forms';
import { usePageTitle } from '../router';

interface SenderIdRow {
  id: string;
  accountId: string;
  sender: string;
  note: string;
  status: 'pending' | 'approved' | 'rejected';
  createdAt: string;
}

type HeldMessage = Message & { accountId: string };

const REVIEW_KEY = ['admin-review'] as const;

/**
 * The operator's review queue: sender ids waiting for an answer and messages a content rule held. Each
 * answer may carry a note the client sees (a refusal needs one).
 */
export function AdminReviewPage() {
  usePageTitle('Review');
  const client = useQueryClient();
  const accounts = useAdminAccounts();
  const accountName = (id: string) =>
    accounts.data?.pages.flatMap((p) => p.data).find((a) => a.id === id)?.name ?? id;
  const senders = useQuery({
    queryKey: [...REVIEW_KEY, 'sender-ids'],
    queryFn: () => api<Page<SenderIdRow>>('GET', '/v1/admin/sender-ids?status=pending&limit=100'),
  });
  const held = useQuery({
    queryKey: [...REVIEW_KEY, 'held'],
    queryFn: () => api<Page<HeldMessage>>('GET', '/v1/admin/held-messages?limit=100'),
  });
  const refresh = () => client.invalidateQueries({ queryKey: REVIEW_KEY });
  const answer = useMutation({
    mutationFn: (a: { path: string; note: string | null }) =>
      api('POST', a.path, a.note ? { note: a.note } : {}, true),
    onSuccess: refresh,
  });
  // A refusal tells the client why; an approval or release may go without a note.
  const act = (path: string, needsNote: boolean) => {
    const note = window.prompt(
      needsNote ? 'Why? (the client sees this note)' : 'Note for the client (optional)',
    );
    if (note === null || (needsNote && note.trim() === '')) return;
    answer.mutate({ path, note: note.trim() || null });
  };
  const senderRows = senders.data?.data ?? [];
  const heldRows = held.data?.data ?? [];
  return (
    <PageLayout title="Review">
      <FormError message={problemFields(answer.error).general} />
      <section className="card" aria-labelledby="sender-ids-h">
        <h2 id="sender-ids-h">Sender IDs waiting for approval</h2>
        {senders.data && senderRows.length === 0 ? <p className="muted">None waiting.</p> : null}
        <ul className="list" data-testid="pending-sender-ids">
          {senderRows.map((s) => (
            <li key={s.id} className="row">
              <span>
                <strong>{s.sender}</strong> · {accountName(s.accountId)}
                <br />
                <span className="muted">
                  {s.note} · asked {formatTime(s.createdAt)}
                </span>
              </span>
              <span className="actions">
                <button type="button" onClick={() => act(`/v1/admin/sender-ids/${s.id}/approve`, false)}>
                  Approve<span className="sr-only"> {s.sender}</span>
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => act(`/v1/admin/sender-ids/${s.id}/reject`, true)}
                >
                  Refuse<span className="sr-only"> {s.sender}</span>
                </button>
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="held-h">
        <h2 id="held-h">Held messages</h2>
        <p className="muted">Not charged until released; refusing one rejects it with content_blocked.</p>
        {held.data && heldRows.length === 0 ? <p className="muted">No held messages.</p> : null}
        <ul className="list" data-testid="held-messages">
          {heldRows.map((m) => (
            <li key={m.id} className="row">
              <span>
                <strong>{accountName(m.accountId)}</strong> → {m.to} · from {m.from}
                <br />
                <span>{m.text}</span>
                <br />
                <span className="muted">{m.hold?.detail}</span>
              </span>
              <span className="actions">
                <button type="button" onClick={() => act(`/v1/admin/held-messages/${m.id}/release`, false)}>
                  Release<span className="sr-only"> {m.id}</span>
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => act(`/v1/admin/held-messages/${m.id}/reject`, false)}
                >
                  Reject<span className="sr-only"> {m.id}</span>
                </button>
              </span>
            </li>
          ))}
        </ul>
      </section>
    </PageLayout>
  );
}
