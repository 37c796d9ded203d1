import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  api,
  FINAL_STATUSES,
  formatCredits,
  formatTime,
  type InboundSms,
  type Message,
  type Page,
  problemFields,
  STATUSES,
} from '../api';
import { FormError, StatusBadge, TextArea } from '../forms';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { CancelSend } from './scheduled';

export function MessagesPage() {
  usePageTitle('Messages');
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const list = useQuery({
    queryKey: ['messages', status],
    queryFn: () => api<Page<Message>>('GET', `/v1/messages?limit=100${status ? `&status=${status}` : ''}`),
    refetchInterval: 5_000,
  });
  return (
    <div>
      <h1 tabIndex={-1}>Messages</h1>
      <div className="toolbar">
        <label htmlFor="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) =>
            navigate(e.target.value ? `/messages?status=${e.target.value}` : '/messages', true)
          }
        >
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <Link to="/messages/scheduled">Scheduled sends</Link>
        <Link to="/send" className="button primary">
          Send an SMS
        </Link>
      </div>
      {list.isPending ? <p>Loading…</p> : null}
      {list.data && list.data.data.length === 0 ? <p className="muted">No messages yet.</p> : null}
      <ul className="cards">
        {list.data?.data.map((m) => (
          <li key={m.id} className="card">
            <div className="row">
              <Link to={`/messages/${m.id}`}>{m.to}</Link>
              <span>
                <StatusBadge status={m.status} /> {m.simulated ? <SimulatedBadge /> : null}
              </span>
            </div>
            <p className="text-preview">{m.text}</p>
            <p className="muted">
              {formatTime(m.createdAt)} · {m.segments} {m.segments === 1 ? 'part' : 'parts'} ·{' '}
              {formatCredits(m.price)} credits
            </p>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Marks a message that a simulated carrier took: its "delivered" is not a real delivery. */
function SimulatedBadge() {
  return (
    <span
      className="badge badge-simulated"
      title="A simulated carrier took this message: no real phone got it"
    >
      Simulated
    </span>
  );
}

/**
 * A reply from the simulated recipient (`POST /v1/dev/simulator/inbound`): it arrives like a real reply, in
 * the Inbox, as a `message.received` webhook, and STOP puts the number on the suppression list.
 */
function SimulateReply({ message }: { message: Message }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const reply = useMutation({
    mutationFn: (text: string) =>
      api<InboundSms>('POST', '/v1/dev/simulator/inbound', { from: message.to, to: message.from, text }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['inbound'] }),
  });
  const { fields, general } = problemFields(reply.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    reply.mutate(String(new FormData(form).get('text') ?? ''), { onSuccess: () => form.reset() });
  };
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Simulate a reply
      </button>
    );
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Simulate a reply">
      <TextArea
        label={`Reply from ${message.to}`}
        name="text"
        rows={2}
        required
        error={fields.text ?? fields.from ?? fields.to}
        hint="Try STOP to see the number join the suppression list."
      />
      <FormError message={general} />
      {reply.data ? (
        <p className="notice" role="status">
          Reply received.{' '}
          <Link to={`/inbox?from=${encodeURIComponent(reply.data.from)}`}>Open it in the Inbox</Link>
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={reply.isPending}>
        {reply.isPending ? 'Sending…' : 'Send the reply'}
      </button>
    </form>
  );
}

export function MessagePage({ id }: { id: string }) {
  usePageTitle('Message');
  const message = useQuery({
    queryKey: ['message', id],
    queryFn: () => api<Message>('GET', `/v1/messages/${encodeURIComponent(id)}`),
    // Only a message on its way is followed closely; a scheduled one may be days away.
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      if (status === undefined) return 1_000;
      if (FINAL_STATUSES.has(status)) return false;
      return status === 'scheduled' ? 60_000 : 1_000;
    },
  });
  const [cancelled, setCancelled] = useState(false);
  const m = message.data;
  return (
    <div>
      <h1 tabIndex={-1}>Message</h1>
      {message.error ? <p role="alert">{(message.error as Error).message}</p> : null}
      {m ? (
        <>
          <section className="card">
            <div className="row">
              <strong>{m.to}</strong>
              <span>
                <span data-testid="message-status" aria-live="polite">
                  <StatusBadge status={m.status} />
                </span>{' '}
                {m.simulated ? <SimulatedBadge /> : null}
              </span>
            </div>
            {m.simulated ? (
              <p className="notice" data-testid="simulated-notice">
                Sent through a simulated carrier ({m.routeName ?? m.route}): this message reached no real
                phone.
              </p>
            ) : null}
            <p className="text-preview">{m.text}</p>
            <dl className="details">
              <dt>From</dt>
              <dd>{m.from}</dd>
              <dt>Encoding</dt>
              <dd>
                {m.encoding}, {m.segments} {m.segments === 1 ? 'part' : 'parts'}
              </dd>
              <dt>Price</dt>
              <dd>{formatCredits(m.price)} credits</dd>
              <dt>Route</dt>
              <dd>{m.routeName ?? m.route ?? '—'}</dd>
              {m.error ? (
                <>
                  <dt>Error</dt>
                  <dd>
                    {m.error.code}: {m.error.detail}
                  </dd>
                </>
              ) : null}
            </dl>
            {m.status === 'scheduled' ? (
              <div className="row">
                <p>
                  Scheduled for <time dateTime={m.sendAt}>{formatTime(m.sendAt)}</time>.
                </p>
                <CancelSend message={m} onCancelled={() => setCancelled(true)} />
              </div>
            ) : !FINAL_STATUSES.has(m.status) ? (
              <p className="muted">Updating until the final status…</p>
            ) : null}
            {m.simulated ? <SimulateReply message={m} /> : null}
            {cancelled && m.status === 'cancelled' ? (
              <p role="status">Cancelled: {formatCredits(m.price)} credits released.</p>
            ) : null}
          </section>
          <section className="card" aria-labelledby="timeline-h">
            <h2 id="timeline-h">Timeline</h2>
            <ol className="timeline">
              {(m.events ?? []).map((e) => (
                <li key={`${e.at}-${e.status}`}>
                  <StatusBadge status={e.status} /> <time dateTime={e.at}>{formatTime(e.at)}</time>
                  {e.detail ? <span className="muted"> · {e.detail}</span> : null}
                </li>
              ))}
            </ol>
          </section>
        </>
      ) : null}
      <p>
        <Link to="/messages">All messages</Link>
      </p>
    </div>
  );
}
