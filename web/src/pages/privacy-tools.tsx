import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { ApiError, api, download, formatTime, type Page, problemFields, query } from '../api';
import { complianceKeys } from '../api/compliance';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { FormError, StatusBadge, TextArea, TextField } from '../forms';
import { Link, usePageTitle } from '../router';
import { useMe } from '../session';

interface Subject {
  phone?: string;
  email?: string;
}

type Row = Record<string, unknown>;

interface SubjectRecords {
  subject: { phone: string | null; email: string | null; ref: string };
  restricted: boolean;
  contacts: Row[];
  groups: Row[];
  consents: Row[];
  suppressions: Row[];
  messages: Row[];
  inbound: Row[];
  campaigns: Row[];
  truncated: boolean;
}

interface ErasureReceipt {
  erasedAt: string;
  subject: string;
  counts: Record<string, number>;
  suppressionKept: boolean;
}

export interface PrivacyRequest {
  id: string;
  accountId: string | null;
  kind: string;
  subject: { phone: string | null; email: string | null; name: string | null };
  message: string | null;
  status: string;
  note: string | null;
  receivedAt: string;
  dueAt: string;
  overdue: boolean;
  forwardedAt: string | null;
  closedAt: string | null;
}

interface Counted {
  category: string;
  count: number;
}

interface Register {
  scope: string;
  controller: { accountId?: string; name: string };
  processor: { name: string; contact: string };
  generatedAt: string;
  categoriesOfDataSubjects: Counted[];
  categoriesOfPersonalData: Counted[];
  purposes: string[];
  subProcessors: Array<{
    id: string;
    name: string;
    purpose: string;
    location: string;
    transferSafeguard: string | null;
  }>;
  transfers: Array<{ recipient: string; location: string; safeguard: string | null }>;
  retentionPeriods: Array<{ rule: string; description: string; days: number }>;
  securityMeasures: string[];
}

/**
 * Field messages keyed by the last part of each error path, so `/body/changes/email` lands on the e-mail
 * field of the rectification form (the shared helper keys by the first part).
 */
export function leafFields(error: unknown): { fields: Record<string, string>; general: string | null } {
  const base = problemFields(error);
  if (!(error instanceof ApiError) || error.errors.length === 0) return base;
  const fields: Record<string, string> = {};
  for (const e of error.errors) {
    const leaf = e.path.split('/').filter(Boolean).pop() ?? '';
    if (leaf && leaf !== 'body' && !fields[leaf]) fields[leaf] = e.message;
  }
  return { fields, general: Object.keys(fields).length === 0 ? error.message : null };
}

const show = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(show).join(', ') : '—';
  if (typeof v === 'object') {
    const entries = Object.entries(v as Row).filter(([, x]) => x !== null && x !== '');
    return entries.length ? entries.map(([k, x]) => `${k}: ${show(x)}`).join('; ') : '—';
  }
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return formatTime(v);
  return String(v);
};

function RecordTable({
  label,
  rows,
  columns,
}: {
  label: string;
  rows: Row[];
  columns: Array<[string, string]>;
}) {
  return (
    <div className="table-wrap">
      <table className="data" aria-label={label}>
        <thead>
          <tr>
            {columns.map(([, title]) => (
              <th key={title} scope="col">
                {title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={String(r.id ?? i)}>
              {columns.map(([key, title]) => (
                <td key={title} className={key === 'text' ? 'text-preview' : undefined}>
                  {show(r[key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Each kind of record found, with the columns that identify it. */
const KINDS: Array<{ key: keyof SubjectRecords; title: string; columns: Array<[string, string]> }> = [
  {
    key: 'contacts',
    title: 'Contacts',
    columns: [
      ['phone', 'Phone'],
      ['firstName', 'First name'],
      ['lastName', 'Last name'],
      ['email', 'E-mail'],
      ['country', 'Country'],
      ['address', 'Address'],
      ['fields', 'Fields'],
      ['tags', 'Tags'],
      ['createdAt', 'Created'],
      ['deletedAt', 'Deleted'],
    ],
  },
  {
    key: 'groups',
    title: 'Group memberships',
    columns: [
      ['groupName', 'Group'],
      ['addedAt', 'Added'],
    ],
  },
  {
    key: 'consents',
    title: 'Consents',
    columns: [
      ['purpose', 'Purpose'],
      ['granted', 'Granted'],
      ['source', 'Source'],
      ['evidence', 'Evidence'],
      ['recordedAt', 'Recorded'],
    ],
  },
  {
    key: 'suppressions',
    title: 'Opt-outs',
    columns: [
      ['phone', 'Phone'],
      ['scope', 'Scope'],
      ['reason', 'Reason'],
      ['source', 'Source'],
      ['createdAt', 'Since'],
    ],
  },
  {
    key: 'messages',
    title: 'Messages sent',
    columns: [
      ['to', 'To'],
      ['from', 'From'],
      ['status', 'Status'],
      ['text', 'Text'],
      ['createdAt', 'Created'],
    ],
  },
  {
    key: 'inbound',
    title: 'Replies received',
    columns: [
      ['from', 'From'],
      ['to', 'To'],
      ['text', 'Text'],
      ['receivedAt', 'Received'],
    ],
  },
  {
    key: 'campaigns',
    title: 'Campaigns',
    columns: [
      ['campaignId', 'Campaign'],
      ['messages', 'Messages'],
      ['delivered', 'Delivered'],
    ],
  },
];

/** A modal confirmation: the person's number (or e-mail) must be typed before erasing. */
function EraseDialog({
  expected,
  subject,
  onClose,
  onErased,
}: {
  expected: string[];
  subject: Subject;
  onClose: () => void;
  onErased: (receipt: ErasureReceipt) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const erase = useMutation({
    mutationFn: () => api<ErasureReceipt>('POST', '/v1/privacy/subject-erasure', subject),
    onSuccess: onErased,
  });
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const squash = (s: string) => s.replace(/[\s()-]/g, '').toLowerCase();
  const matches = expected.some((e) => e && squash(e) === squash(typed));
  const what = subject.phone ? 'number' : 'e-mail address';
  return (
    <dialog
      ref={ref}
      aria-labelledby="erase-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!erase.isPending) onClose();
      }}
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (matches) erase.mutate();
        }}
      >
        <h2 id="erase-title">Erase this person now?</h2>
        <p>
          Every contact, consent, group membership, message and reply about them is erased at once and cannot
          be restored. An opt-out stays in force, kept only as a hash.
        </p>
        <TextField
          label={`Type the ${what} to confirm`}
          name="confirm"
          autoComplete="off"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          hint={expected[0]}
        />
        <FormError message={problemFields(erase.error).general} />
        <div className="actions">
          <button type="submit" className="danger" disabled={!matches || erase.isPending}>
            {erase.isPending ? 'Erasing…' : 'Erase now'}
          </button>
          <button type="button" onClick={onClose} disabled={erase.isPending}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

function Receipt({ receipt }: { receipt: ErasureReceipt }) {
  return (
    <section
      className="card highlight"
      role="status"
      aria-labelledby="receipt-title"
      data-testid="erasure-receipt"
    >
      <h2 id="receipt-title" tabIndex={-1}>
        Erasure receipt
      </h2>
      <dl className="details">
        <dt>Erased at</dt>
        <dd>{formatTime(receipt.erasedAt)}</dd>
        <dt>Reference</dt>
        <dd>
          <code className="id">{receipt.subject}</code>
        </dd>
        {Object.entries(receipt.counts).map(([k, n]) => (
          <DetailRow key={k} label={k.replace(/([A-Z])/g, ' $1').toLowerCase()} value={n} />
        ))}
      </dl>
      <p>
        {receipt.suppressionKept
          ? 'The number was opted out: it stays blocked, kept only as a hash.'
          : 'Nothing about this person is left in the account.'}{' '}
        Keep this receipt as proof: the audit log holds the same reference and counts, never the number.
      </p>
    </section>
  );
}

function DetailRow({ label, value }: { label: string; value: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

function RectifyForm({ subject, onDone }: { subject: Subject; onDone: (count: number) => void }) {
  const rectify = useMutation({
    mutationFn: (changes: Record<string, string | null>) =>
      api<{ rectified: string[] }>('POST', '/v1/privacy/subject-rectification', { ...subject, changes }),
    onSuccess: (answer) => onDone(answer.rectified.length),
  });
  const { fields, general } = leafFields(rectify.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const changes: Record<string, string | null> = {};
    for (const [k, v] of new FormData(e.currentTarget)) {
      const value = String(v).trim();
      if (value) changes[k] = k === 'country' ? value.toUpperCase() : value;
    }
    rectify.mutate(changes);
  };
  return (
    <form noValidate onSubmit={onSubmit} className="card" aria-labelledby="rectify-title">
      <h3 id="rectify-title">Correct their details</h3>
      <p className="hint">Fill in only what changes; every contact that holds this person is corrected.</p>
      <div className="filters">
        <TextField label="First name" name="firstName" error={fields.firstName} />
        <TextField label="Last name" name="lastName" error={fields.lastName} />
        <TextField label="New e-mail" name="email" type="email" error={fields.email} />
        <TextField label="New phone number" name="phone" type="tel" error={fields.phone} />
        <TextField label="Country code" name="country" maxLength={2} error={fields.country} />
        <TextField label="Address" name="address" error={fields.address} />
      </div>
      <FormError message={fields.changes ?? general} />
      <button type="submit" className="primary" disabled={rectify.isPending}>
        {rectify.isPending ? 'Saving…' : 'Save corrections'}
      </button>
    </form>
  );
}

function SubjectSearch() {
  const client = useQueryClient();
  const [subject, setSubject] = useState<Subject | null>(null);
  const [panel, setPanel] = useState<'rectify' | 'erase' | null>(null);
  const [receipt, setReceipt] = useState<ErasureReceipt | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const search = useMutation({
    mutationFn: (s: Subject) => api<SubjectRecords>('POST', '/v1/privacy/subject-search', s),
  });
  const restrict = useMutation({
    mutationFn: (restricted: boolean) =>
      api<{ restricted: boolean }>('POST', '/v1/privacy/subject-restriction', { ...subject, restricted }),
    onSuccess: (answer) => {
      setStatus(
        answer.restricted ? 'Processing is restricted: they cannot be messaged.' : 'Restriction lifted.',
      );
      if (subject) search.mutate(subject);
    },
  });
  const exporting = useMutation({
    mutationFn: (format: 'json' | 'csv') =>
      download('POST', `/v1/privacy/subject-export?format=${format}`, subject, `subject-export.${format}`),
    onSuccess: (_v, format) => setStatus(`The ${format.toUpperCase()} export was downloaded.`),
  });
  const { fields, general } = problemFields(search.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const phone = String(data.get('phone') ?? '').trim();
    const email = String(data.get('email') ?? '').trim();
    const s: Subject = { ...(phone ? { phone } : {}), ...(email ? { email } : {}) };
    setSubject(s);
    setPanel(null);
    setReceipt(null);
    setStatus(null);
    search.mutate(s);
  };
  const found = search.data;
  const total = found ? KINDS.reduce((n, k) => n + ((found[k.key] as Row[] | undefined)?.length ?? 0), 0) : 0;
  return (
    <section className="card" aria-labelledby="search-title">
      <h2 id="search-title">Find a person</h2>
      <p>Everything the account holds about one person, by phone number and/or e-mail address.</p>
      <form noValidate onSubmit={onSubmit}>
        <div className="filters">
          <TextField label="Phone number" name="phone" type="tel" autoComplete="off" error={fields.phone} />
          <TextField
            label="E-mail address"
            name="email"
            type="email"
            autoComplete="off"
            error={fields.email}
          />
        </div>
        <FormError message={general ?? fields.body ?? null} />
        <button type="submit" className="primary" disabled={search.isPending}>
          {search.isPending ? 'Searching…' : 'Search'}
        </button>
      </form>
      {receipt ? <Receipt receipt={receipt} /> : null}
      {found && subject && !receipt ? (
        <div data-testid="subject-results">
          <div className="row">
            <h3>
              {total} record{total === 1 ? '' : 's'} about {found.subject.phone ?? found.subject.email}
            </h3>
            {found.restricted ? <StatusBadge status="restricted" /> : null}
          </div>
          {status ? (
            <p role="status" className="notice">
              {status}
            </p>
          ) : null}
          <div className="actions">
            <button type="button" disabled={exporting.isPending} onClick={() => exporting.mutate('json')}>
              Export JSON
            </button>
            <button type="button" disabled={exporting.isPending} onClick={() => exporting.mutate('csv')}>
              Export CSV
            </button>
            <button
              type="button"
              aria-expanded={panel === 'rectify'}
              onClick={() => setPanel(panel === 'rectify' ? null : 'rectify')}
            >
              Rectify
            </button>
            <button
              type="button"
              disabled={restrict.isPending}
              onClick={() => restrict.mutate(!found.restricted)}
            >
              {found.restricted ? 'Lift restriction' : 'Restrict'}
            </button>
            <button type="button" className="danger" onClick={() => setPanel('erase')}>
              Erase now…
            </button>
          </div>
          {exporting.isPending ? <p role="status">Preparing the export…</p> : null}
          <FormError message={problemFields(exporting.error ?? restrict.error).general} />
          {panel === 'rectify' ? (
            <RectifyForm
              subject={subject}
              onDone={(n) => {
                setPanel(null);
                setStatus(`${n} contact${n === 1 ? '' : 's'} corrected.`);
                search.mutate(subject);
              }}
            />
          ) : null}
          {panel === 'erase' ? (
            <EraseDialog
              subject={subject}
              expected={[
                subject.phone ?? subject.email ?? '',
                (subject.phone ? found.subject.phone : found.subject.email) ?? '',
              ]}
              onClose={() => setPanel(null)}
              onErased={async (r) => {
                setPanel(null);
                setReceipt(r);
                await client.invalidateQueries();
              }}
            />
          ) : null}
          {found.truncated ? (
            <p className="notice">Only the first messages are shown; the export holds them all.</p>
          ) : null}
          {total === 0 ? <p className="muted">Nothing found about this person.</p> : null}
          {KINDS.map((k) => {
            const rows = (found[k.key] as Row[] | undefined) ?? [];
            if (rows.length === 0) return null;
            return (
              <section key={k.key} aria-label={k.title} data-testid={`records-${k.key}`}>
                <h4>
                  {k.title} ({rows.length})
                </h4>
                <RecordTable label={k.title} rows={rows} columns={k.columns} />
              </section>
            );
          })}
        </div>
      ) : null}
    </section>
  );
}

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

export function RequestSummary({ request }: { request: PrivacyRequest }) {
  const who = [request.subject.name, request.subject.phone, request.subject.email]
    .filter(Boolean)
    .join(' · ');
  return (
    <>
      <div className="row">
        <strong>
          {request.kind} request{who ? `: ${who}` : ''}
        </strong>
        <span>
          <StatusBadge status={request.status} />{' '}
          {request.overdue ? <span className="badge badge-failed">overdue</span> : null}
        </span>
      </div>
      <p className="muted">
        Received {formatTime(request.receivedAt)} · due <strong>{formatTime(request.dueAt)}</strong>
        {request.closedAt ? ` · closed ${formatTime(request.closedAt)}` : ''}
      </p>
      {request.message ? <p className="text-preview">{request.message}</p> : null}
      {request.note ? <p>Answer: {request.note}</p> : null}
    </>
  );
}

function RequestInbox() {
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
        Requests people sent to the platform operator about data your account holds. Answer each by its due
        date.
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
            <RequestSummary request={r} />
            {r.status === 'forwarded' ? <RequestActions request={r} /> : null}
          </li>
        ))}
      </ul>
      <LoadMore pages={requests} />
    </section>
  );
}

function CountList({ items }: { items: Counted[] }) {
  return (
    <dl className="details">
      {items.map((c) => (
        <DetailRow key={c.category} label={c.category} value={c.count.toLocaleString()} />
      ))}
    </dl>
  );
}

export function RegisterView({ register }: { register: Register }) {
  return (
    <div className="register" data-testid="register">
      <p className="muted">
        Generated {formatTime(register.generatedAt)} · controller <strong>{register.controller.name}</strong>{' '}
        · processor <strong>{register.processor.name}</strong> ({register.processor.contact})
      </p>
      <h3>People whose data is held</h3>
      <CountList items={register.categoriesOfDataSubjects} />
      <h3>Personal data held</h3>
      <CountList items={register.categoriesOfPersonalData} />
      <h3>Purposes</h3>
      <ul>
        {register.purposes.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <h3>Sub-processors</h3>
      {register.subProcessors.length === 0 ? <p className="muted">None.</p> : null}
      <ul>
        {register.subProcessors.map((s) => (
          <li key={s.id}>
            <strong>{s.name}</strong> — {s.purpose}; {s.location}
            {s.transferSafeguard ? `; ${s.transferSafeguard}` : ''}
          </li>
        ))}
      </ul>
      <h3>Transfers outside the EEA</h3>
      {register.transfers.length === 0 ? <p className="muted">None.</p> : null}
      <ul>
        {register.transfers.map((t) => (
          <li key={`${t.recipient}-${t.location}`}>
            {t.recipient} ({t.location}): {t.safeguard ?? 'no safeguard recorded'}
          </li>
        ))}
      </ul>
      <h3>Retention periods</h3>
      <dl className="details">
        {register.retentionPeriods.map((p) => (
          <DetailRow key={p.rule} label={p.description} value={`${p.days} days`} />
        ))}
      </dl>
      <h3>Security measures</h3>
      <ul>
        {register.securityMeasures.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </div>
  );
}

function RegisterSection() {
  const register = useQuery({
    queryKey: complianceKeys.register(),
    queryFn: () => api<Register>('GET', '/v1/privacy/register'),
  });
  return (
    <section className="card" aria-labelledby="register-title">
      <div className="row">
        <h2 id="register-title">Register of processing</h2>
        <a className="button" href="/v1/privacy/register?format=md" download="register-of-processing.md">
          Download (Markdown)
        </a>
      </div>
      {register.isPending ? <p>Loading…</p> : null}
      {register.error ? <p role="alert">{(register.error as Error).message}</p> : null}
      {register.data ? <RegisterView register={register.data} /> : null}
    </section>
  );
}

function AuditSection() {
  const verify = useMutation({
    mutationFn: () =>
      api<{ ok: boolean; events: number; firstBrokenSeq?: number }>('GET', '/v1/audit-log/verify'),
  });
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <p>
        Every change is recorded in a hash-chained log. Export it for your auditor, or check here that no
        entry was altered. <Link to="/audit">Read the audit log</Link>
      </p>
      <div className="actions">
        <a className="button" href="/v1/audit-log/export?format=json" download="audit-log.json">
          Export JSON
        </a>
        <a className="button" href="/v1/audit-log/export?format=csv" download="audit-log.csv">
          Export CSV
        </a>
        <button type="button" disabled={verify.isPending} onClick={() => verify.mutate()}>
          {verify.isPending ? 'Verifying…' : 'Verify the chain'}
        </button>
      </div>
      {verify.data ? (
        <p role="status" className={verify.data.ok ? 'notice' : 'form-error'} data-testid="audit-verify">
          {verify.data.ok
            ? `The chain is intact: ${verify.data.events} events checked.`
            : `The chain is broken at event ${verify.data.firstBrokenSeq ?? '?'} (of ${verify.data.events}).`}
        </p>
      ) : null}
      <FormError message={problemFields(verify.error).general} />
    </section>
  );
}

export function PrivacyToolsPage() {
  usePageTitle('Privacy tools');
  const me = useMe();
  const can = (p: string) => me.data?.permissions.includes(p) ?? false;
  return (
    <PageLayout title="Privacy tools">
      <nav aria-label="On this page" className="toolbar">
        <a href="#search-title">Find a person</a>
        <a href="#requests-title">Requests</a>
        <a href="#register-title">Register</a>
        <a href="#audit-title">Audit trail</a>
        <Link to="/account/close">Close the account</Link>
      </nav>
      {can('privacy:manage') ? (
        <>
          <SubjectSearch />
          <RequestInbox />
        </>
      ) : (
        <p className="card">Only owners and admins can search, export and erase people's data.</p>
      )}
      {can('audit:read') ? (
        <>
          <RegisterSection />
          <AuditSection />
        </>
      ) : null}
    </PageLayout>
  );
}
