import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, formatTime, type Page, problemFields, query } from '../api';
import { FormError, StatusBadge, TextArea, TextField } from '../forms';
import type { Policy } from '../policy-gate';
import { Link, usePageTitle } from '../router';
import { type AdminAccount, useAdminAccounts } from './admin-accounts';
import { leafFields, type PrivacyRequest, RequestSummary } from './privacy-tools';

interface SubProcessor {
  id: string;
  name: string;
  purpose: string;
  location: string;
  transferSafeguard: string | null;
  replacesId: string | null;
  createdAt: string;
  updatedAt: string;
  removedAt: string | null;
}

interface Announced {
  name: string;
  noticesSent: number;
  mailsSent: number;
  objectionDeadline?: string | null;
}

interface Objection {
  id: string;
  accountId: string;
  accountName: string | null;
  reason: string;
  createdAt: string;
}

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

interface RetentionPolicy {
  rule: string;
  description: string;
  promiseDays: number;
  days: number;
  updatedBy: string | null;
  updatedAt: string | null;
}

const SECTIONS = [
  { to: '/admin/compliance', label: 'Sub-processors' },
  { to: '/admin/compliance/incidents', label: 'Incidents' },
  { to: '/admin/compliance/requests', label: 'Privacy requests' },
  { to: '/admin/compliance/retention', label: 'Retention' },
  { to: '/admin/compliance/policy', label: 'Policy' },
];

const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const REQUEST_KINDS = ['access', 'export', 'rectification', 'erasure', 'restriction', 'objection'];

const splitList = (s: string) =>
  s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

function formValues(e: FormEvent<HTMLFormElement>) {
  e.preventDefault();
  const data = new FormData(e.currentTarget);
  return (key: string) => String(data.get(key) ?? '').trim();
}

function useNow(everyMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function SubProcessorForm({
  editing,
  replacing,
  onDone,
}: {
  editing?: SubProcessor | undefined;
  replacing?: SubProcessor | undefined;
  onDone: (result: Announced) => void;
}) {
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      editing
        ? api<Announced>('PATCH', `/v1/admin/sub-processors/${editing.id}`, body)
        : api<Announced>('POST', '/v1/admin/sub-processors', body, true),
    onSuccess: async (answer) => {
      await client.invalidateQueries({ queryKey: ['admin-sub-processors'] });
      onDone(answer);
    },
  });
  const { fields, general } = problemFields(save.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    save.mutate({
      name: v('name'),
      purpose: v('purpose'),
      location: v('location'),
      transferSafeguard: v('transferSafeguard') || null,
      ...(replacing ? { replacesId: replacing.id } : {}),
    });
  };
  const title = editing
    ? `Edit ${editing.name}`
    : replacing
      ? `Replace ${replacing.name}`
      : 'Add a sub-processor';
  return (
    <form noValidate onSubmit={onSubmit} className="card" aria-label={title}>
      <h3>{title}</h3>
      <TextField label="Name" name="name" required defaultValue={editing?.name} error={fields.name} />
      <TextField
        label="Purpose"
        name="purpose"
        required
        defaultValue={editing?.purpose}
        error={fields.purpose}
      />
      <TextField
        label="Location"
        name="location"
        required
        defaultValue={editing?.location}
        error={fields.location}
        hint="Where the data is processed. A new location notifies every client again."
      />
      <TextField
        label="Transfer safeguard"
        name="transferSafeguard"
        defaultValue={editing?.transferSafeguard ?? ''}
        error={fields.transferSafeguard}
        hint="For places outside the EEA, e.g. EU SCCs 2021/914."
      />
      <FormError message={general} />
      <p className="hint">
        {editing ? 'Saving a new location' : 'Saving'} puts a notice in every client account and e-mails the
        owners, who can object before the deadline.
      </p>
      <button type="submit" className="primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : editing ? 'Save changes' : replacing ? 'Replace' : 'Add sub-processor'}
      </button>
    </form>
  );
}

function Objections({ id }: { id: string }) {
  const list = useQuery({
    queryKey: ['admin-sub-processors', id, 'objections'],
    queryFn: () => api<Page<Objection>>('GET', `/v1/admin/sub-processors/${id}/objections`),
  });
  if (list.isPending) return <p>Loading…</p>;
  if (list.error) return <p role="alert">{(list.error as Error).message}</p>;
  if (list.data.data.length === 0) return <p className="muted">No objections.</p>;
  return (
    <ul className="list" data-testid={`objections-${id}`}>
      {list.data.data.map((o) => (
        <li key={o.id}>
          <strong>{o.accountName ?? o.accountId}</strong>{' '}
          <span className="muted">{formatTime(o.createdAt)}</span>
          <p className="text-preview">{o.reason}</p>
        </li>
      ))}
    </ul>
  );
}

function SubProcessorCard({ sp, onAnnounced }: { sp: SubProcessor; onAnnounced: (a: Announced) => void }) {
  const client = useQueryClient();
  const [panel, setPanel] = useState<'edit' | 'replace' | 'objections' | null>(null);
  const remove = useMutation({
    mutationFn: () => api<void>('DELETE', `/v1/admin/sub-processors/${sp.id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin-sub-processors'] }),
  });
  const toggle = (p: typeof panel) => setPanel(panel === p ? null : p);
  return (
    <li className="card" data-testid="sub-processor">
      <div className="row">
        <strong>{sp.name}</strong>
        {sp.removedAt ? <span className="badge">removed {formatTime(sp.removedAt)}</span> : null}
      </div>
      <p>
        {sp.purpose}
        <br />
        <span className="muted">
          {sp.location}
          {sp.transferSafeguard ? ` · ${sp.transferSafeguard}` : ''} · <code className="id">{sp.id}</code>
        </span>
      </p>
      <div className="actions">
        {sp.removedAt ? null : (
          <>
            <button type="button" aria-expanded={panel === 'edit'} onClick={() => toggle('edit')}>
              Edit<span className="sr-only"> {sp.name}</span>
            </button>
            <button type="button" aria-expanded={panel === 'replace'} onClick={() => toggle('replace')}>
              Replace<span className="sr-only"> {sp.name}</span>
            </button>
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate()}
            >
              Remove<span className="sr-only"> {sp.name}</span>
            </button>
          </>
        )}
        <button type="button" aria-expanded={panel === 'objections'} onClick={() => toggle('objections')}>
          Objections<span className="sr-only"> to {sp.name}</span>
        </button>
      </div>
      <FormError message={problemFields(remove.error).general} />
      {panel === 'edit' || panel === 'replace' ? (
        <SubProcessorForm
          editing={panel === 'edit' ? sp : undefined}
          replacing={panel === 'replace' ? sp : undefined}
          onDone={(a) => {
            setPanel(null);
            onAnnounced(a);
          }}
        />
      ) : null}
      {panel === 'objections' ? <Objections id={sp.id} /> : null}
    </li>
  );
}

function SubProcessorsSection() {
  const [includeRemoved, setIncludeRemoved] = useState(false);
  const [adding, setAdding] = useState(false);
  const [announced, setAnnounced] = useState<Announced | null>(null);
  const list = useQuery({
    queryKey: ['admin-sub-processors', includeRemoved],
    queryFn: () =>
      api<Page<SubProcessor>>(
        'GET',
        `/v1/admin/sub-processors${query({ includeRemoved: includeRemoved ? 'true' : undefined })}`,
      ),
  });
  const onAnnounced = (a: Announced) => {
    setAdding(false);
    setAnnounced(a);
  };
  return (
    <section aria-labelledby="sp-title">
      <div className="row">
        <h2 id="sp-title">Sub-processors</h2>
        <button type="button" className="primary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          Add a sub-processor
        </button>
      </div>
      {announced ? (
        <p role="status" className="notice" data-testid="announced">
          Saved {announced.name}: {announced.noticesSent} account{announced.noticesSent === 1 ? '' : 's'}{' '}
          notified ({announced.mailsSent} e-mail{announced.mailsSent === 1 ? '' : 's'})
          {announced.objectionDeadline ? `; objections until ${formatTime(announced.objectionDeadline)}` : ''}
          .
        </p>
      ) : null}
      {adding ? <SubProcessorForm onDone={onAnnounced} /> : null}
      <div className="field checkbox">
        <input
          id="include-removed"
          type="checkbox"
          checked={includeRemoved}
          onChange={(e) => setIncludeRemoved(e.target.checked)}
        />
        <label htmlFor="include-removed">Show removed and replaced ones</label>
      </div>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && list.data.data.length === 0 ? <p className="muted">No sub-processors listed.</p> : null}
      <ul className="cards" data-testid="sub-processors">
        {list.data?.data.map((sp) => (
          <SubProcessorCard key={sp.id} sp={sp} onAnnounced={onAnnounced} />
        ))}
      </ul>
    </section>
  );
}

function countdown(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600_000);
  const m = Math.floor((abs % 3600_000) / 60_000);
  const text = h >= 1 ? `${h} h ${m} min` : `${m} min`;
  return ms >= 0 ? `${text} left` : `${text} ago`;
}

/** Accounts found by name, ticked into a list of ids (an incident's affected accounts). */
function AccountPicker({
  selected,
  onChange,
  error,
}: {
  selected: ReadonlyMap<string, string>;
  onChange: (next: Map<string, string>) => void;
  error?: string | undefined;
}) {
  const [q, setQ] = useState('');
  const accounts = useAdminAccounts(q.trim());
  const found: AdminAccount[] = accounts.data?.pages.flatMap((p) => p.data).slice(0, 20) ?? [];
  const toggle = (a: AdminAccount) => {
    const next = new Map(selected);
    if (next.has(a.id)) next.delete(a.id);
    else next.set(a.id, a.name);
    onChange(next);
  };
  return (
    <div className="field">
      <label htmlFor="incident-account-search">Find accounts</label>
      <input
        id="incident-account-search"
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        placeholder="Company name"
        aria-describedby={error ? 'incident-accounts-err' : undefined}
      />
      <ul className="list" aria-label="Accounts found">
        {found.map((a) => (
          <li key={a.id}>
            <label className="check">
              <input type="checkbox" checked={selected.has(a.id)} onChange={() => toggle(a)} /> {a.name}{' '}
              <span className="muted">{a.id}</span>
            </label>
          </li>
        ))}
      </ul>
      <p className="muted" data-testid="incident-accounts">
        {selected.size === 0 ? 'No account chosen.' : `Chosen: ${[...selected.values()].join(', ')}`}
      </p>
      {error ? (
        <p className="field-error" id="incident-accounts-err" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function IncidentForm({ onDone }: { onDone: () => void }) {
  const client = useQueryClient();
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<Map<string, string>>(new Map());
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Incident>('POST', '/v1/admin/incidents', body, true),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['admin-incidents'] });
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
      <div className="field">
        <label htmlFor="incident-severity">Severity</label>
        <select id="incident-severity" name="severity" defaultValue="medium">
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
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
      await client.invalidateQueries({ queryKey: ['admin-incidents'] });
    },
  });
  const resolve = useMutation({
    mutationFn: () => api<Incident>('PATCH', `/v1/admin/incidents/${incident.id}`, { resolved: true }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin-incidents'] }),
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

function IncidentsSection() {
  const [adding, setAdding] = useState(false);
  const now = useNow(30_000);
  const list = useQuery({
    queryKey: ['admin-incidents'],
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

function RecordRequestForm({ onDone }: { onDone: () => void }) {
  const client = useQueryClient();
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<PrivacyRequest>('POST', '/v1/admin/privacy-requests', body, true),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['admin-privacy-requests'] });
      onDone();
    },
  });
  const { fields, general } = leafFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    const subject = Object.fromEntries(
      (['phone', 'email', 'name'] as const).map((k) => [k, v(k)]).filter(([, x]) => x),
    );
    const received = v('receivedAt');
    create.mutate({
      kind: v('kind'),
      subject,
      ...(v('message') ? { message: v('message') } : {}),
      ...(received ? { receivedAt: new Date(received).toISOString() } : {}),
      ...(v('accountId') ? { accountId: v('accountId') } : {}),
    });
  };
  return (
    <form noValidate onSubmit={onSubmit} className="card" aria-label="Record a request">
      <h3>Record a request</h3>
      <div className="field">
        <label htmlFor="request-kind">Kind</label>
        <select id="request-kind" name="kind" defaultValue="access">
          {REQUEST_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </div>
      <div className="filters">
        <TextField label="Their phone" name="phone" type="tel" error={fields.phone} />
        <TextField label="Their e-mail" name="email" type="email" error={fields.email} />
        <TextField label="Their name" name="name" error={fields.name} />
      </div>
      <TextArea label="What they asked" name="message" rows={3} error={fields.message} />
      <TextField
        label="Received at"
        name="receivedAt"
        type="datetime-local"
        error={fields.receivedAt}
        hint="Empty means now. The answer is due one month later."
      />
      <TextField
        label="Forward to account"
        name="accountId"
        error={fields.accountId}
        hint="Optional: the id of the client account holding the data (acc_…)."
      />
      <FormError message={fields.subject ?? general} />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Saving…' : 'Record request'}
      </button>
    </form>
  );
}

function ForwardForm({ request }: { request: PrivacyRequest }) {
  const client = useQueryClient();
  const forward = useMutation({
    mutationFn: (accountId: string) =>
      api<PrivacyRequest>('POST', `/v1/admin/privacy-requests/${request.id}/forward`, { accountId }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin-privacy-requests'] }),
  });
  const { fields, general } = problemFields(forward.error, { not_found: 'accountId' });
  return (
    <form noValidate className="inline-form" onSubmit={(e) => forward.mutate(formValues(e)('accountId'))}>
      <TextField
        label={`Forward request ${request.id} to account`}
        name="accountId"
        error={fields.accountId}
      />
      <button type="submit" disabled={forward.isPending}>
        Forward
      </button>
      <FormError message={general} />
    </form>
  );
}

function RequestsSection() {
  const [adding, setAdding] = useState(false);
  const [status, setStatus] = useState('');
  const [overdue, setOverdue] = useState(false);
  const requests = useInfiniteQuery({
    queryKey: ['admin-privacy-requests', status, overdue],
    queryFn: ({ pageParam }) =>
      api<Page<PrivacyRequest>>(
        'GET',
        `/v1/admin/privacy-requests${query({ status, overdue: overdue ? 'true' : undefined, limit: 50, cursor: pageParam })}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = requests.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section aria-labelledby="requests-title">
      <div className="row">
        <h2 id="requests-title">Privacy requests</h2>
        <button type="button" className="primary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          Record a request
        </button>
      </div>
      <p>Requests data subjects sent to the operator. Each is due one month after receipt.</p>
      {adding ? <RecordRequestForm onDone={() => setAdding(false)} /> : null}
      <div className="toolbar">
        <label htmlFor="admin-request-status">Status</label>
        <select id="admin-request-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All</option>
          <option value="received">Received</option>
          <option value="forwarded">Forwarded</option>
          <option value="completed">Completed</option>
          <option value="rejected">Rejected</option>
        </select>
        <label className="check">
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} /> Overdue
          only
        </label>
      </div>
      {requests.isPending ? <p>Loading…</p> : null}
      {requests.error ? <p role="alert">{(requests.error as Error).message}</p> : null}
      {requests.data && rows.length === 0 ? <p className="muted">No requests.</p> : null}
      <ul className="cards" data-testid="admin-privacy-requests">
        {rows.map((r) => (
          <li key={r.id} className="card">
            <RequestSummary request={r} />
            {r.accountId ? (
              <p className="muted">
                Account <code className="id">{r.accountId}</code>
              </p>
            ) : null}
            {r.status === 'received' ? <ForwardForm request={r} /> : null}
          </li>
        ))}
      </ul>
      {requests.hasNextPage ? (
        <button type="button" onClick={() => requests.fetchNextPage()} disabled={requests.isFetchingNextPage}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

function RetentionSection() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ['admin-retention'],
    queryFn: () => api<{ data: RetentionPolicy[] }>('GET', '/v1/admin/retention'),
  });
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (rules: Record<string, number>) =>
      api<{ data: RetentionPolicy[] }>('PUT', '/v1/admin/retention', { rules }),
    onSuccess: async () => {
      setDraft({});
      setSaved(true);
      await client.invalidateQueries({ queryKey: ['admin-retention'] });
    },
  });
  // Errors come as `/body/rules/<rule name>`; rule names contain dots, so take everything after `rules/`.
  const ruleErrors: Record<string, string> = {};
  if (save.error instanceof ApiError)
    for (const e of save.error.errors) {
      const rule = /\/rules\/(.+)$/.exec(e.path)?.[1];
      if (rule) ruleErrors[rule] = e.message;
    }
  const general = Object.keys(ruleErrors).length === 0 ? problemFields(save.error).general : null;
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSaved(false);
    const rules: Record<string, number> = {};
    for (const [rule, value] of Object.entries(draft)) if (value.trim() !== '') rules[rule] = Number(value);
    if (Object.keys(rules).length > 0) save.mutate(rules);
  };
  return (
    <section aria-labelledby="retention-title">
      <h2 id="retention-title">Retention periods</h2>
      <p>
        How long each kind of data is kept before the sweep purges it. A period may be shortened; longer than
        the promise is refused unless the deployment allows it.
      </p>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data ? (
        <form noValidate onSubmit={onSubmit} className="card">
          <ul className="list" data-testid="retention">
            {list.data.data.map((p) => {
              const id = `retention-${p.rule.replace(/[^a-z0-9]/gi, '-')}`;
              const error = ruleErrors[p.rule];
              return (
                <li key={p.rule}>
                  <div className="field">
                    <label htmlFor={id}>{p.description}</label>
                    <input
                      id={id}
                      className="days"
                      type="number"
                      inputMode="numeric"
                      min={1}
                      value={draft[p.rule] ?? String(p.days)}
                      onChange={(e) => setDraft({ ...draft, [p.rule]: e.target.value })}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? `${id}-err` : `${id}-hint`}
                    />
                    <p className="hint" id={`${id}-hint`}>
                      <code className="id">{p.rule}</code> · days · promised at most {p.promiseDays}
                      {p.updatedAt ? ` · changed ${formatTime(p.updatedAt)}` : ''}
                    </p>
                    {error ? (
                      <p className="field-error" id={`${id}-err`} role="alert">
                        {error}
                      </p>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
          <FormError message={general} />
          {saved ? (
            <p role="status" className="notice">
              Retention periods saved.
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save periods'}
          </button>
        </form>
      ) : null}
    </section>
  );
}

function PolicySection() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ['admin-policies'],
    queryFn: () => api<Page<Policy>>('GET', '/v1/admin/policies'),
  });
  const publish = useMutation({
    mutationFn: (body: { version: string; text: string }) =>
      api<Policy>('POST', '/v1/admin/policies', body, true),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin-policies'] }),
  });
  const { fields, general } = problemFields(publish.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    publish.mutate({ version: v('version'), text: v('text') });
  };
  return (
    <section aria-labelledby="policy-title">
      <h2 id="policy-title">Privacy policy versions</h2>
      <p>
        Publishing a version makes it the one in force: every user is asked to accept it before they can
        change anything again. <a href="/privacy">See the public page</a>
      </p>
      <form noValidate onSubmit={onSubmit} className="card" aria-label="Publish a version">
        <h3>Publish a version</h3>
        <TextField label="Version" name="version" required error={fields.version} hint="e.g. 2027-01-01" />
        <TextArea label="Policy text (Markdown)" name="text" rows={10} required error={fields.text} />
        <FormError message={general} />
        {publish.isSuccess ? (
          <p role="status" className="notice">
            Version {publish.data.version} is now in force.
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={publish.isPending}>
          {publish.isPending ? 'Publishing…' : 'Publish'}
        </button>
      </form>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && list.data.data.length === 0 ? (
        <p className="muted">No version published yet: the one named by the configuration is in force.</p>
      ) : null}
      <ul className="list" data-testid="policies">
        {list.data?.data.map((p, i) => (
          <li key={p.version}>
            <strong>{p.version}</strong>{' '}
            {i === 0 ? <span className="badge badge-delivered">in force</span> : null}
            <br />
            <span className="muted">published {formatTime(p.publishedAt ?? undefined)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AdminCompliancePage({ path }: { path: string }) {
  const section = SECTIONS.find((s) => s.to === path) ?? SECTIONS[0];
  usePageTitle(`Compliance: ${section?.label ?? ''}`);
  return (
    <div>
      <h1 tabIndex={-1}>Compliance</h1>
      <nav aria-label="Compliance" className="subnav">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.to}>
              <Link to={s.to} aria-current={s.to === section?.to ? 'page' : undefined}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {path === '/admin/compliance/incidents' ? (
        <IncidentsSection />
      ) : path === '/admin/compliance/requests' ? (
        <RequestsSection />
      ) : path === '/admin/compliance/retention' ? (
        <RetentionSection />
      ) : path === '/admin/compliance/policy' ? (
        <PolicySection />
      ) : (
        <SubProcessorsSection />
      )}
    </div>
  );
}
