import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, formatCredits, formatTime, type Message, type Page } from '../api';
import { messageKeys } from '../api/messages';
import { PageLayout } from '../components/page';
import { FormError } from '../forms';
import { Link, usePageTitle } from '../router';

/**
 * A Cancel button that asks first: the confirmation names the recipient and the time, and only its
 * "Cancel the send" button calls `POST /v1/messages/:id/cancel`.
 */
export function CancelSend({
  message,
  onCancelled,
}: {
  message: Message;
  onCancelled: (m: Message) => void;
}) {
  const [asking, setAsking] = useState(false);
  const client = useQueryClient();
  const titleId = useId();
  const cancel = useMutation({
    mutationFn: () => api<Message>('POST', `/v1/messages/${encodeURIComponent(message.id)}/cancel`),
    onSuccess: async (cancelled) => {
      setAsking(false);
      onCancelled(cancelled);
      await client.invalidateQueries();
    },
  });
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        Cancel
      </button>
    );
  }
  return (
    <div className="confirm-backdrop">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className="confirm"
        onKeyDown={(e) => {
          if (e.key === 'Escape' && !cancel.isPending) setAsking(false);
        }}
      >
        <p id={titleId} className="confirm-text">
          Cancel the send to <strong>{message.to}</strong>
          {message.sendAt ? <> at {formatTime(message.sendAt)}</> : null}? Its {formatCredits(message.price)}{' '}
          credits are released.
        </p>
        <FormError message={cancel.error ? (cancel.error as Error).message : null} />
        <div className="inline">
          <button
            type="button"
            className="danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate()}
          >
            {cancel.isPending ? 'Cancelling…' : 'Cancel the send'}
          </button>
          {/* Focus starts on the harmless choice. */}
          {/* biome-ignore lint/a11y/noAutofocus: a confirmation dialog takes the focus when it opens */}
          <button type="button" autoFocus onClick={() => setAsking(false)} disabled={cancel.isPending}>
            Keep it
          </button>
        </div>
      </div>
    </div>
  );
}

/** Messages waiting for their send time, soonest first, each with a Cancel button. */
export function ScheduledPage() {
  usePageTitle('Scheduled sends');
  const [note, setNote] = useState<string | null>(null);
  const list = useQuery({
    queryKey: messageKeys.scheduled(),
    queryFn: async () => {
      const all: Message[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<Message> = await api<Page<Message>>(
          'GET',
          `/v1/messages?status=scheduled&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        all.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor && all.length < 1000);
      return all.sort((a, b) => (a.sendAt ?? '').localeCompare(b.sendAt ?? ''));
    },
    // Scheduled sends change when their time comes, not every second.
    refetchInterval: 60_000,
  });
  const messages = list.data ?? [];
  return (
    <PageLayout title="Scheduled sends">
      <div className="toolbar">
        <Link to="/messages">All messages</Link>
        <Link to="/send" className="button primary">
          Send an SMS
        </Link>
      </div>
      <p className="muted" role="status">
        {note}
      </p>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <FormError message={(list.error as Error).message} /> : null}
      {list.data && messages.length === 0 ? (
        <p className="muted" data-testid="scheduled-empty">
          Nothing is scheduled. To send later, choose a time under “Send at” on the{' '}
          <Link to="/send">Send page</Link>: the message waits here until then, and you can cancel it.
        </p>
      ) : null}
      {messages.length > 0 ? (
        <div className="table-wrap">
          <table className="data scheduled" aria-label="Scheduled sends">
            <thead>
              <tr>
                <th scope="col">Send at</th>
                <th scope="col">To and text</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr key={m.id}>
                  <td>
                    <time dateTime={m.sendAt}>{formatTime(m.sendAt)}</time>
                  </td>
                  <td>
                    <Link to={`/messages/${m.id}`}>{m.to}</Link>
                    <span className="muted"> · {formatCredits(m.price)} credits</span>
                    <p className="text-preview">{m.text}</p>
                  </td>
                  <td>
                    <CancelSend
                      message={m}
                      onCancelled={(c) =>
                        setNote(`Cancelled the send to ${c.to}: ${formatCredits(c.price)} credits released.`)
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </PageLayout>
  );
}
