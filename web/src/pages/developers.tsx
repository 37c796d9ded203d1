import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type Page, problemFields } from '../api';
import { FormError, TextField } from '../forms';
import { usePageTitle } from '../router';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled?: boolean;
  secret?: string;
}

interface Delivery {
  id?: string;
  attempt?: number;
  status?: string;
  statusCode?: number | null;
  responseStatus?: number | null;
  at?: string;
  createdAt?: string;
  eventType?: string;
  error?: string | null;
}

const EVENTS = ['message.status', 'message.received'];

function ApiKeys() {
  const client = useQueryClient();
  const [created, setCreated] = useState<ApiKey | null>(null);
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => api<Page<ApiKey>>('GET', '/v1/api-keys') });
  const create = useMutation({
    mutationFn: (name: string) => api<ApiKey>('POST', '/v1/api-keys', { name }, true),
    onSuccess: (key) => {
      setCreated(key);
      return client.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/api-keys/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const { fields, general } = problemFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    create.mutate(String(new FormData(e.currentTarget).get('name') ?? ''));
    e.currentTarget.reset();
  };
  return (
    <section className="card" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      {created?.key ? (
        <div className="notice" role="status">
          <p>
            Your new key <strong>{created.name}</strong>. Copy it now: it is shown only once.
          </p>
          <code className="secret" data-testid="new-key">
            {created.key}
          </code>
        </div>
      ) : null}
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <TextField label="Key name" name="name" required error={fields.name} placeholder="backend" />
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      <FormError message={general} />
      <ul className="list">
        {keys.data?.data.map((k) => (
          <li key={k.id} className="row">
            <span>
              <strong>{k.name}</strong> <code>{k.prefix}…</code>
              <br />
              <span className="muted">
                created {formatTime(k.createdAt)}
                {k.lastUsedAt ? `, last used ${formatTime(k.lastUsedAt)}` : ', never used'}
                {k.revokedAt ? `, revoked ${formatTime(k.revokedAt)}` : ''}
              </span>
            </span>
            {k.revokedAt ? null : (
              <button type="button" className="danger" onClick={() => revoke.mutate(k.id)}>
                Revoke<span className="sr-only"> {k.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Deliveries({ id }: { id: string }) {
  const deliveries = useQuery({
    queryKey: ['deliveries', id],
    queryFn: () => api<Page<Delivery>>('GET', `/v1/webhooks/${id}/deliveries`),
  });
  if (deliveries.isPending) return <p className="muted">Loading…</p>;
  if (deliveries.error) return <p role="alert">{(deliveries.error as Error).message}</p>;
  if (!deliveries.data?.data.length) return <p className="muted">No delivery attempts yet.</p>;
  return (
    <ul className="list">
      {deliveries.data.data.map((d, i) => (
        <li key={d.id ?? i}>
          {d.eventType ?? ''} {d.status ?? ''} {d.statusCode ?? d.responseStatus ?? ''}{' '}
          <span className="muted">{formatTime(d.at ?? d.createdAt)}</span>
          {d.error ? <span className="muted"> · {d.error}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function Webhooks() {
  const client = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const hooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: () => api<Page<Webhook>>('GET', '/v1/webhooks'),
  });
  const create = useMutation({
    mutationFn: (body: { url: string; events: string[] }) => api<Webhook>('POST', '/v1/webhooks', body, true),
    onSuccess: (hook) => {
      setSecret(hook.secret ?? null);
      return client.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const { fields, general } = problemFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    create.mutate({ url: String(data.get('url') ?? ''), events: data.getAll('events').map(String) });
  };
  return (
    <section className="card" aria-labelledby="hooks-h">
      <h2 id="hooks-h">Webhooks</h2>
      {secret ? (
        <div className="notice" role="status">
          <p>Signing secret (shown once):</p>
          <code className="secret">{secret}</code>
        </div>
      ) : null}
      <form onSubmit={onSubmit} noValidate>
        <TextField label="Endpoint URL" name="url" type="url" required error={fields.url} />
        <fieldset>
          <legend>Events</legend>
          {EVENTS.map((ev) => (
            <label key={ev} className="check">
              <input type="checkbox" name="events" value={ev} defaultChecked={ev === 'message.status'} /> {ev}
            </label>
          ))}
          {fields.events ? (
            <p className="field-error" role="alert">
              {fields.events}
            </p>
          ) : null}
        </fieldset>
        <FormError message={general} />
        <button type="submit" disabled={create.isPending}>
          Add webhook
        </button>
      </form>
      <ul className="list">
        {hooks.data?.data.map((h) => (
          <li key={h.id}>
            <div className="row">
              <span className="break">
                <strong>{h.url}</strong>
                <br />
                <span className="muted">{h.events.join(', ')}</span>
              </span>
              <button
                type="button"
                aria-expanded={open === h.id}
                onClick={() => setOpen(open === h.id ? null : h.id)}
              >
                Deliveries
              </button>
            </div>
            {open === h.id ? <Deliveries id={h.id} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function DevelopersPage() {
  usePageTitle('Developers');
  return (
    <div>
      <h1 tabIndex={-1}>Developers</h1>
      <p>
        Send from your own programs with an API key (<code>Authorization: Bearer …</code>). Read the{' '}
        <a href="/docs">API reference</a>.
      </p>
      <ApiKeys />
      <Webhooks />
    </div>
  );
}
