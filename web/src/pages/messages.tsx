import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  ApiError,
  api,
  FINAL_STATUSES,
  formatCredits,
  formatTime,
  type InboundSms,
  type Message,
  type Page,
  problemFields,
  query,
  STATUSES,
} from '../api';
import { campaignKeys } from '../api/campaigns';
import { messageKeys } from '../api/messages';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { DateRangeField } from '../date-range';
import { FormError, StatusBadge, TextArea } from '../forms';
import { useDebounced } from '../hooks/use-debounced';
import { Link, useLocation, usePageTitle } from '../router';
import { CancelSend } from './scheduled';

/** `YYYY-MM-DD` of the day after `date` (the API's createdBefore excludes the day it names). */
function dayAfter(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

interface CampaignOption {
  id: string;
  name: string;
}

/** The message log: a table filtered by number, status, dates, campaign and sender, exported as CSV. */
export function MessagesPage() {
  usePageTitle('Messages');
  const { search } = useLocation();
  const [to, setTo] = useState(search.get('to') ?? '');
  const [statuses, setStatuses] = useState<string[]>(
    (search.get('status') ?? '').split(',').filter((s) => STATUSES.includes(s)),
  );
  const [from, setFrom] = useState(search.get('from') ?? '');
  const [until, setUntil] = useState(search.get('until') ?? '');
  const [campaignId, setCampaignId] = useState(search.get('campaignId') ?? '');
  const [sender, setSender] = useState(search.get('sender') ?? '');
  const typed = useDebounced({ to: to.trim(), sender: sender.trim() }, 300);
  const filters = {
    to: typed.to,
    status: statuses.join(','),
    createdAfter: from,
    createdBefore: until ? dayAfter(until) : '',
    campaignId,
    sender: typed.sender,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
  const campaigns = useQuery({
    queryKey: campaignKeys.options(),
    queryFn: () => api<Page<CampaignOption>>('GET', '/v1/campaigns?limit=100'),
  });
  const list = useInfiniteQuery({
    queryKey: messageKeys.list(filters),
    queryFn: ({ pageParam }) =>
      api<Page<Message>>('GET', `/v1/messages${query({ limit: 50, cursor: pageParam, ...filters })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const messages = list.data?.pages.flatMap((p) => p.data) ?? [];
  const problems = list.error instanceof ApiError ? list.error.errors : [];
  const fieldError = (field: string) =>
    problems.find((e) => e.path.replace(/^\/querystring\//, '').split('/')[0] === field)?.message;
  const toggle = (status: string) =>
    setStatuses(statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status]);
  const filtered = Boolean(filters.to || filters.status || from || until || campaignId || filters.sender);
  return (
    <PageLayout title="Messages">
      <div className="toolbar">
        <Link to="/send" className="button primary">
          Send an SMS
        </Link>
        <a className="button" href={`/v1/messages/export.csv${query(filters)}`} download="messages.csv">
          Export CSV
        </a>
        <Link to="/reports">Reports</Link>
        <Link to="/messages/scheduled">Scheduled sends</Link>
      </div>
      <search className="filters" aria-label="Filter messages">
        <FilterField id="message-to" label="Number" error={fieldError('to')}>
          <input
            id="message-to"
            type="search"
            inputMode="tel"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            placeholder="+371 2…"
          />
        </FilterField>
        <div className="field">
          <span className="field-label" aria-hidden="true">
            Status
          </span>
          <details className="multi">
            <summary>
              Status:{' '}
              {statuses.length === 0
                ? 'all'
                : statuses.length === 1
                  ? statuses[0]
                  : `${statuses.length} chosen`}
            </summary>
            <fieldset>
              <legend className="sr-only">Status</legend>
              {STATUSES.map((s) => (
                <label key={s} className="check">
                  <input type="checkbox" checked={statuses.includes(s)} onChange={() => toggle(s)} /> {s}
                </label>
              ))}
            </fieldset>
          </details>
        </div>
        <div className="field date-range">
          <DateRangeField
            label="Dates"
            from={from}
            until={until}
            clearable
            onChange={(f, u) => {
              setFrom(f);
              setUntil(u);
            }}
            error={fieldError('createdAfter') ?? fieldError('createdBefore')}
          />
        </div>
        <FilterField id="message-campaign" label="Campaign" error={fieldError('campaignId')}>
          <select id="message-campaign" value={campaignId} onChange={(e) => setCampaignId(e.target.value)}>
            <option value="">All messages</option>
            {campaigns.data?.data.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </FilterField>
        <FilterField id="message-sender" label="Sender" error={fieldError('sender')}>
          <input
            id="message-sender"
            value={sender}
            onChange={(e) => setSender(e.target.value)}
            maxLength={15}
          />
        </FilterField>
      </search>
      {list.error && problems.length === 0 ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.isPending ? <p>Loading…</p> : null}
      {list.data && messages.length === 0 ? (
        <p className="muted">{filtered ? 'No messages match these filters.' : 'No messages yet.'}</p>
      ) : null}
      {messages.length > 0 ? (
        <div className="table-wrap">
          <table className="data messages-table" aria-label="Messages">
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">Status</th>
                <th scope="col">Sender</th>
                <th scope="col">Text</th>
                <th scope="col">Created</th>
                <th scope="col" className="num">
                  Credits
                </th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr key={m.id}>
                  <td className="nowrap">
                    <Link to={`/messages/${m.id}`}>{m.to || '(erased)'}</Link>
                  </td>
                  <td className="nowrap">
                    <StatusBadge status={m.status} /> {m.simulated ? <SimulatedBadge /> : null}
                  </td>
                  <td>{m.from}</td>
                  <td>
                    <span className="text-cell">{m.text}</span>
                  </td>
                  <td className="nowrap">
                    <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
                  </td>
                  <td className="num">{formatCredits(m.price)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore pages={list} busyLabel="Loading…" />
    </PageLayout>
  );
}

function FilterField({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  children: React.ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
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
    onSuccess: () => client.invalidateQueries({ queryKey: messageKeys.inbound() }),
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
    queryKey: messageKeys.detail(id),
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
    <PageLayout title="Message">
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
              {m.hold ? (
                <>
                  <dt>Held for review</dt>
                  <dd>{m.hold.detail} It is not charged unless the operator releases it.</dd>
                </>
              ) : null}
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
    </PageLayout>
  );
}
