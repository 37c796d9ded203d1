import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type InboundSms, type Message, type Page, problemFields } from '../api';
import { accountKeys } from '../api/account';
import { messageKeys } from '../api/messages';
import { PageLayout } from '../components/page';
import { FormError, TextArea } from '../forms';
import { Link, navigate, useLocation, usePageTitle } from '../router';

interface Conversation {
  from: string;
  messages: InboundSms[];
}

/** Replies grouped by the number that sent them, the most recent conversation first. */
function conversations(items: InboundSms[]): Conversation[] {
  const byFrom = new Map<string, InboundSms[]>();
  for (const m of items) {
    const list = byFrom.get(m.from);
    if (list) list.push(m);
    else byFrom.set(m.from, [m]);
  }
  const latest = (c: Conversation) => c.messages[0]?.receivedAt ?? '';
  return [...byFrom.entries()]
    .map(([from, messages]) => ({
      from,
      messages: messages.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)),
    }))
    .sort((a, b) => latest(b).localeCompare(latest(a)));
}

function Reply({ to }: { to: string }) {
  const client = useQueryClient();
  const [sent, setSent] = useState<Message | null>(null);
  const send = useMutation({
    mutationFn: (text: string) => api<{ data: Message[] }>('POST', '/v1/messages', { to: [to], text }, true),
    onSuccess: (answer) => {
      setSent(answer.data[0] ?? null);
      return client.invalidateQueries({ queryKey: accountKeys.me() });
    },
  });
  const { fields, general } = problemFields(send.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    send.mutate(String(new FormData(form).get('text') ?? ''), { onSuccess: () => form.reset() });
  };
  return (
    <form onSubmit={onSubmit} noValidate>
      <TextArea label={`Reply to ${to}`} name="text" rows={3} required error={fields.text ?? fields.to} />
      <FormError message={general} />
      {sent ? (
        <p className="notice" role="status">
          Reply sent. <Link to={`/messages/${sent.id}`}>Follow its delivery</Link>
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={send.isPending}>
        {send.isPending ? 'Sending…' : 'Send reply'}
      </button>
    </form>
  );
}

export function InboxPage() {
  usePageTitle('Inbox');
  const { search } = useLocation();
  const from = search.get('from');
  const inbound = useQuery({
    queryKey: messageKeys.inbound(),
    queryFn: () => api<Page<InboundSms>>('GET', '/v1/inbound?limit=500'),
    refetchInterval: 10_000,
  });
  const all = conversations(inbound.data?.data ?? []);
  const open = from ? all.find((c) => c.from === from) : undefined;
  return (
    <PageLayout title="Inbox">
      {inbound.isPending ? <p>Loading…</p> : null}
      {inbound.error ? <p role="alert">{(inbound.error as Error).message}</p> : null}
      {open ? (
        <section className="card" aria-labelledby="conv-h" data-testid="conversation">
          <div className="row">
            <h2 id="conv-h">{open.from}</h2>
            <button type="button" onClick={() => navigate('/inbox')}>
              All conversations
            </button>
          </div>
          <ol className="list conversation">
            {open.messages.map((m) => (
              <li key={m.id}>
                <p className="text-preview">{m.text}</p>
                <p className="muted">
                  to {m.to} · <time dateTime={m.receivedAt}>{formatTime(m.receivedAt)}</time>
                </p>
              </li>
            ))}
          </ol>
          <Reply to={open.from} />
        </section>
      ) : null}
      {inbound.data && all.length === 0 ? (
        <p className="muted">No replies yet. Replies to your numbers appear here.</p>
      ) : null}
      <ul className="cards" aria-label="Conversations" data-testid="conversations">
        {all.map((c) => (
          <li key={c.from} className="card">
            <div className="row">
              <Link
                to={`/inbox?from=${encodeURIComponent(c.from)}`}
                aria-current={c.from === from || undefined}
              >
                {c.from}
              </Link>
              <span className="badge">
                {c.messages.length} {c.messages.length === 1 ? 'message' : 'messages'}
              </span>
            </div>
            <p className="text-preview">{c.messages[0]?.text}</p>
            <p className="muted">{formatTime(c.messages[0]?.receivedAt)}</p>
          </li>
        ))}
      </ul>
    </PageLayout>
  );
}
