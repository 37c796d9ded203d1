// Compliance: personal-data incidents, their notification deadline and the accounts told.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type Page, problemFields } from '../../api';
import { adminKeys } from '../../api/admin';
import { INCIDENT_SEVERITIES } from '../../api/generated';
import { AccountPicker } from '../../components/account-picker';
import { SelectField } from '../../components/select-field';
import { FormError, StatusBadge, TextArea, TextField } from '../../forms';
import { formValues, splitList, useNow } from './shared';

interface Incident {
  id: string;
  title: string;
  description: string;
  severity: string;
  dataCategories: string[];
  allAccounts: boolean;
  discoveredAt: string;
  notificationDeadline: string;
  overdue: boolean;
  affectedAccounts: number;
  notifiedAccounts: number;
  resolvedAt: string | null;
}

function countdown(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600_000);
  const m = Math.floor((abs % 3600_000) / 60_000);
  const text = h >= 1 ? `${h} h ${m} min` : `${m} min`;
  return ms >= 0 ? `${text} left` : `${text} ago`;
}

function IncidentForm({ onDone }: { onDone: () => void }) {
  const client = useQueryClient();
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<Map<string, string>>(new Map());
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Incident>('POST', '/v1/admin/incidents', body, true),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: adminKeys.incidents() });
      onDone();
    },
  });
  const [local, setLocal] = useState<Record<string, string>>({});
  const { fields, general } = problemFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    const discovered = v('discoveredAt');
    const at = discovered ? new Date(discovered) : null;
    if (at && Number.isNaN(at.getTime())) {
      setLocal({ discoveredAt: 'Enter a date and time.' });
      return;
    }
    setLocal({});
    create.mutate({
      title: v('title'),
      description: v('description'),
      discoveredAt: (at ?? new Date()).toISOString(),
      severity: v('severity'),
      dataCategories: splitList(v('dataCategories')),
      ...(all ? { allAccounts: true } : { affectedAccountIds: [...chosen.keys()] }),
    });
  };
  return (
    <form noValidate onSubmit={onSubmit} className="card" aria-label="Record an incident">
      <h3>Record an incident</h3>
      <TextField label="Title" name="title" required error={fields.title} />
      <TextArea label="What happened" name="description" rows={3} required error={fields.description} />
      <TextField
        label="Discovered at"
        name="discoveredAt"
        type="datetime-local"
        error={local.discoveredAt ?? fields.discoveredAt}
        hint="Empty means now. Clients must be told within 72 hours of this."
      />
      <SelectField
        label="Severity"
        id="incident-severity"
        name="severity"
        defaultValue="medium"
        options={INCIDENT_SEVERITIES}
      />
      <TextField
        label="Data categories"
        name="dataCategories"
        required
        error={fields.dataCategories}
        hint="Comma-separated, e.g. phone numbers, message texts."
      />
      <fieldset>
        <legend>Affected accounts</legend>
        <label className="check">
          <input type="radio" name="scope" checked={all} onChange={() => setAll(true)} /> All accounts
        </label>
        <label className="check">
          <input type="radio" name="scope" checked={!all} onChange={() => setAll(false)} /> Only these
          accounts
        </label>
        {all ? null : (
          <AccountPicker selected={chosen} onChange={setChosen} error={fields.affectedAccountIds} />
        )}
        {all && fields.affectedAccountIds ? <p className="field-error">{fields.affectedAccountIds}</p> : null}
      </fieldset>
      <FormError message={general} />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Saving…' : 'Record incident'}
      </button>
    </form>
  );
}

function IncidentCard({ incident, now }: { incident: Incident; now: number }) {
  const client = useQueryClient();
  const [told, setTold] = useState<string | null>(null);
  const notify = useMutation({
    mutationFn: () =>
      api<Incident & { notifiedNow: number; mailFailed: string[] }>(
        'POST',
        `/v1/admin/incidents/${incident.id}/notify`,
      ),
    onSuccess: async (r) => {
      setTold(
        `${r.notifiedNow} account${r.notifiedNow === 1 ? '' : 's'} told now` +
          (r.mailFailed.length ? `; e-mail failed for ${r.mailFailed.length} (retry later)` : '') +
          `. ${r.notifiedAccounts} of ${r.affectedAccounts} told in all.`,
      );
      await client.invalidateQueries({ queryKey: adminKeys.incidents() });
    },
  });
  const resolve = useMutation({
    mutationFn: () => api<Incident>('PATCH', `/v1/admin/incidents/${incident.id}`, { resolved: true }),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.incidents() }),
  });
  const left = Date.parse(incident.notificationDeadline) - now;
  const untold = incident.affectedAccounts - incident.notifiedAccounts;
  return (
    <li className={`card${incident.overdue ? ' highlight' : ''}`} data-testid="incident">
      <div className="row">
        <strong>{incident.title}</strong>
        <span>
          <span className={`badge severity-${incident.severity}`}>{incident.severity}</span>{' '}
          {incident.overdue ? <span className="badge badge-failed">overdue</span> : null}{' '}
          {incident.resolvedAt ? <StatusBadge status="resolved" /> : null}
        </span>
      </div>
      <p className="text-preview">{incident.description}</p>
      <dl className="details">
        <dt>Discovered</dt>
        <dd>{formatTime(incident.discoveredAt)}</dd>
        <dt>Tell clients by</dt>
        <dd>
          {formatTime(incident.notificationDeadline)}{' '}
          {untold > 0 ? (
            <strong className={left < 0 ? 'overdue' : undefined} data-testid="countdown">
              ({countdown(left)})
            </strong>
          ) : null}
        </dd>
        <dt>Accounts told</dt>
        <dd>
          {incident.notifiedAccounts} of {incident.affectedAccounts}
          {incident.allAccounts ? ' (all accounts)' : ''}
        </dd>
        <dt>Data</dt>
        <dd>{incident.dataCategories.join(', ')}</dd>
      </dl>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={notify.isPending || untold === 0}
          onClick={() => notify.mutate()}
        >
          {notify.isPending ? 'Notifying…' : 'Notify affected accounts'}
        </button>
        {incident.resolvedAt ? null : (
          <button type="button" disabled={resolve.isPending} onClick={() => resolve.mutate()}>
            Mark resolved
          </button>
        )}
      </div>
      {told ? (
        <p role="status" className="notice">
          {told}
        </p>
      ) : null}
      <FormError message={problemFields(notify.error ?? resolve.error).general} />
    </li>
  );
}

export function IncidentsSection() {
  const [adding, setAdding] = useState(false);
  const now = useNow(30_000);
  const list = useQuery({
    queryKey: adminKeys.incidents(),
    queryFn: () => api<Page<Incident>>('GET', '/v1/admin/incidents'),
  });
  return (
    <section aria-labelledby="incidents-title">
      <div className="row">
        <h2 id="incidents-title">Security incidents</h2>
        <button type="button" className="primary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          Record an incident
        </button>
      </div>
      <p>Affected clients must be told within 72 hours of discovery. Overdue incidents are listed first.</p>
      {adding ? <IncidentForm onDone={() => setAdding(false)} /> : null}
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && list.data.data.length === 0 ? <p className="muted">No incidents recorded.</p> : null}
      <ul className="cards" data-testid="incidents">
        {list.data?.data.map((i) => (
          <IncidentCard key={i.id} incident={i} now={now} />
        ))}
      </ul>
    </section>
  );
}
