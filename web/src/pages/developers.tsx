import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type Page, problemFields } from '../api';
import { WEBHOOK_EVENT_TYPES } from '../api/generated';
import { apiKeyKeys, webhookKeys } from '../api/webhooks';
import { PageLayout } from '../components/page';
import { CopyButton } from '../copy';
import { FormError, StatusBadge, TextField } from '../forms';
import { usePageTitle } from '../router';
import { useMe } from '../session';
import { toast } from '../toast';
import { SmppCredentials } from './developers-smpp';

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

/** One HTTP attempt of a delivery, as `GET /v1/webhooks/:id/deliveries` lists it. */
interface Attempt {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** At most 1 KiB of the answer, when it was text (shown as text: React escapes it). */
  responseBody: string | null;
  responseBytes: number | null;
  responseBinary: boolean;
  trigger: 'schedule' | 'test' | 'redeliver';
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  createdAt: string;
  attempts: Attempt[];
}

/** The answer of "Send test event" and "Redeliver". */
interface ManualAttempt {
  ok: boolean;
  attempt: Attempt;
  delivery: Delivery;
}

function ApiKeys() {
  const client = useQueryClient();
  const [created, setCreated] = useState<ApiKey | null>(null);
  const keys = useQuery({
    queryKey: apiKeyKeys.list(),
    queryFn: () => api<Page<ApiKey>>('GET', '/v1/api-keys'),
  });
  const create = useMutation({
    mutationFn: (name: string) => api<ApiKey>('POST', '/v1/api-keys', { name }, true),
    onSuccess: (key) => {
      setCreated(key);
      return client.invalidateQueries({ queryKey: apiKeyKeys.all });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/api-keys/${id}`),
    onSuccess: () => {
      toast('API key revoked.');
      return client.invalidateQueries({ queryKey: apiKeyKeys.all });
    },
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
          <CopyButton text={created.key} label="the API key" />
        </div>
      ) : null}
      <TwilioSid />
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

const TRIGGERS: Record<Attempt['trigger'], string> = {
  schedule: 'automatic',
  test: 'test event',
  redeliver: 'redelivery',
};

/** The Twilio-compatible API's AccountSid: with an API key as the auth token, Twilio code sends here. */
function TwilioSid() {
  const sid = useMe().data?.account.twilioAccountSid;
  if (!sid) return null;
  return (
    <p data-testid="twilio-account-sid">
      Twilio-compatible API: Account SID <code>{sid}</code> <CopyButton text={sid} label="the Account SID" />{' '}
      <span className="muted">
        (use an API key as the Auth Token; see “Coming from Twilio” in the README)
      </span>
    </p>
  );
}

/** What one attempt came to: the HTTP status or the error, how long it took, and what the endpoint said. */
function AttemptResult({ attempt }: { attempt: Attempt }) {
  const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
  return (
    <div className="attempt" data-testid="attempt">
      <p className="attempt-line">
        <span className={`badge ${ok ? 'badge-delivered' : 'badge-failed'}`}>
          {attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : 'no answer'}
        </span>{' '}
        <time dateTime={attempt.at}>{formatTime(attempt.at)}</time>
        <span className="muted">
          {' '}
          · {attempt.durationMs} ms · {TRIGGERS[attempt.trigger] ?? attempt.trigger}
        </span>
      </p>
      {attempt.error ? <p className="muted break attempt-line">{attempt.error}</p> : null}
      {attempt.responseBinary ? (
        <p className="muted">Binary response ({attempt.responseBytes ?? 0} bytes), not shown.</p>
      ) : attempt.responseBody ? (
        <pre className="excerpt" data-testid="excerpt">
          {attempt.responseBody}
          {(attempt.responseBytes ?? 0) > new TextEncoder().encode(attempt.responseBody).length ? '…' : ''}
        </pre>
      ) : attempt.statusCode !== null ? (
        <p className="muted">Empty response.</p>
      ) : null}
    </div>
  );
}

function DeliveryItem({ endpointId, delivery }: { endpointId: string; delivery: Delivery }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const redeliver = useMutation({
    mutationFn: () => api<ManualAttempt>('POST', `/v1/webhook-deliveries/${delivery.id}/redeliver`),
    onSettled: () => client.invalidateQueries({ queryKey: webhookKeys.deliveries(endpointId) }),
  });
  const attemptsId = `attempts-${delivery.id}`;
  return (
    <li data-testid="delivery">
      <div className="row">
        <span className="break">
          <strong>{delivery.eventType}</strong> <StatusBadge status={delivery.status} />{' '}
          <span className="muted">
            <time dateTime={delivery.createdAt}>{formatTime(delivery.createdAt)}</time> ·{' '}
            {delivery.attemptCount} {delivery.attemptCount === 1 ? 'attempt' : 'attempts'}
            {delivery.lastStatusCode !== null ? ` · last HTTP ${delivery.lastStatusCode}` : ''}
            {delivery.nextAttemptAt ? ` · next ${formatTime(delivery.nextAttemptAt)}` : ''}
          </span>
        </span>
        <span>
          <button
            type="button"
            aria-expanded={open}
            aria-controls={attemptsId}
            onClick={() => setOpen(!open)}
          >
            Attempts
          </button>{' '}
          <button type="button" disabled={redeliver.isPending} onClick={() => redeliver.mutate()}>
            {redeliver.isPending ? 'Sending…' : 'Redeliver'}
          </button>
        </span>
      </div>
      {redeliver.data ? (
        <div className="notice" role="status">
          <p>{redeliver.data.ok ? 'Redelivered.' : 'The endpoint did not accept it.'}</p>
          <AttemptResult attempt={redeliver.data.attempt} />
        </div>
      ) : null}
      <FormError message={redeliver.error ? (redeliver.error as Error).message : null} />
      {open ? (
        <ol className="list" id={attemptsId} aria-label={`Attempts of ${delivery.eventType}`}>
          {delivery.attempts.length === 0 ? <li className="muted">Not attempted yet.</li> : null}
          {[...delivery.attempts].reverse().map((a) => (
            <li key={a.attempt}>
              <AttemptResult attempt={a} />
            </li>
          ))}
        </ol>
      ) : null}
    </li>
  );
}

function Deliveries({ id }: { id: string }) {
  const client = useQueryClient();
  const deliveries = useQuery({
    queryKey: webhookKeys.deliveries(id),
    queryFn: () => api<Page<Delivery>>('GET', `/v1/webhooks/${id}/deliveries?limit=20`),
    refetchInterval: 10_000,
  });
  const test = useMutation({
    mutationFn: () => api<ManualAttempt>('POST', `/v1/webhooks/${id}/test`),
    onSettled: () => client.invalidateQueries({ queryKey: webhookKeys.deliveries(id) }),
  });
  return (
    <div className="deliveries">
      <div className="row">
        <h3>Recent deliveries</h3>
        <button type="button" disabled={test.isPending} onClick={() => test.mutate()}>
          {test.isPending ? 'Sending…' : 'Send test event'}
        </button>
      </div>
      {test.data ? (
        <div className="notice" role="status" data-testid="test-result">
          <p>
            {test.data.ok
              ? 'Test event delivered.'
              : 'The test event was not accepted: check the URL and your receiver.'}
          </p>
          <AttemptResult attempt={test.data.attempt} />
        </div>
      ) : null}
      <FormError message={test.error ? (test.error as Error).message : null} />
      {deliveries.isPending ? <p className="muted">Loading…</p> : null}
      {deliveries.error ? <p role="alert">{(deliveries.error as Error).message}</p> : null}
      {deliveries.data && deliveries.data.data.length === 0 ? (
        <p className="muted">No deliveries yet.</p>
      ) : null}
      <ul className="list" aria-label="Deliveries">
        {deliveries.data?.data.map((d) => (
          <DeliveryItem key={d.id} endpointId={id} delivery={d} />
        ))}
      </ul>
    </div>
  );
}

function Webhooks() {
  const client = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const hooks = useQuery({
    queryKey: webhookKeys.list(),
    queryFn: () => api<Page<Webhook>>('GET', '/v1/webhooks'),
  });
  const create = useMutation({
    mutationFn: (body: { url: string; events: string[] }) => api<Webhook>('POST', '/v1/webhooks', body, true),
    onSuccess: (hook) => {
      setSecret(hook.secret ?? null);
      return client.invalidateQueries({ queryKey: webhookKeys.all });
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
          <code className="secret" data-testid="webhook-secret">
            {secret}
          </code>
          <CopyButton text={secret} label="the signing secret" />
        </div>
      ) : null}
      <form onSubmit={onSubmit} noValidate>
        <TextField label="Endpoint URL" name="url" type="url" required error={fields.url} />
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENT_TYPES.map((ev) => (
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
    <PageLayout title="Developers">
      <p>
        Send from your own programs with an API key (<code>Authorization: Bearer …</code>). Read the{' '}
        <a href="/docs">API reference</a>.
      </p>
      <ApiKeys />
      <SmppCredentials />
      <Webhooks />
    </PageLayout>
  );
}
