import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type ContactField, formatTime, type Group, type Page, problemFields, upload } from '../api';
import { contactKeys, importKeys, useContactFields } from '../api/contacts';
import { groupKeys } from '../api/groups';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { useGroups } from '../hooks/use-groups';
import { Link, navigate, useLocation, usePageTitle } from '../router';

type Mapping = Record<string, string>;

interface Preview {
  format: string;
  delimiter: string | null;
  headers: string[];
  sampleRows: string[][];
  guessedMapping: Mapping;
  totalEstimate?: number;
}

interface ImportJob {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  fileName: string;
  total: number | null;
  processed: number;
  imported: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Rows imported with something left out (an invalid e-mail). */
  warned?: number;
  cancelRequested: boolean;
  error: string | null;
  createdAt?: string;
  errors?: Array<{ row: number; column: string | null; message: string }>;
  warnings?: Array<{ row: number; column: string | null; message: string }>;
}

/** The mapping option that opens the new custom field form instead of choosing a target. */
const NEW_FIELD = '__new_field';

/** A custom field key from a column header: "Loyalty Tier" → loyalty_tier. */
function keyFrom(header: string): string {
  const key = header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 63);
  return /^[a-z]/.test(key) ? key : `field_${key}`.slice(0, 63);
}

/** A custom field made from inside the wizard, for one column; the column is then mapped to it. */
function NewFieldForm({
  header,
  onCreated,
  onCancel,
}: {
  header: string;
  onCreated: (key: string) => void;
  onCancel: () => void;
}) {
  const client = useQueryClient();
  const [label, setLabel] = useState(header);
  const [key, setKey] = useState(keyFrom(header));
  const [type, setType] = useState('text');
  const create = useMutation({
    mutationFn: () =>
      api<ContactField>('POST', '/v1/contact-fields', { label: label.trim(), key: key.trim(), type }, true),
    onSuccess: async (field) => {
      await client.invalidateQueries({ queryKey: contactKeys.fields() });
      onCreated(field.key);
    },
  });
  const { fields, general } = problemFields(create.error, { conflict: 'key' });
  const typeId = `new-field-type-${key}`;
  return (
    <fieldset
      className="card new-field"
      // Enter in a field creates the field: the form around it is the import's, which must not start.
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
          e.preventDefault();
          create.mutate();
        }
      }}
    >
      <legend>New custom field for “{header}”</legend>
      <div className="inline-form">
        <TextField
          label="Field label"
          name="label"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          error={fields.label}
        />
        <TextField
          label="Field key"
          name="key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          error={fields.key}
          hint="a-z, 0-9 and _"
        />
        <div className="field">
          <label htmlFor={typeId}>Field type</label>
          <select id={typeId} value={type} onChange={(e) => setType(e.target.value)}>
            <option value="text">Text</option>
            <option value="number">Number</option>
            <option value="date">Date</option>
            <option value="boolean">Yes/no</option>
          </select>
        </div>
      </div>
      <FormError message={general} />
      <div className="toolbar">
        <button type="button" className="primary" disabled={create.isPending} onClick={() => create.mutate()}>
          Create field
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}

/** The group the import adds its contacts to: an existing one, or one made here. */
function GroupPicker({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (id: string) => void;
  error: string | undefined;
}) {
  const client = useQueryClient();
  const groups = useGroups();
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => api<Group>('POST', '/v1/groups', { name: name.trim() }, true),
    onSuccess: async (group) => {
      await client.invalidateQueries({ queryKey: groupKeys.all });
      onChange(group.id);
      setAdding(false);
      setName('');
    },
  });
  const created = problemFields(create.error);
  return (
    <div className="field">
      <label htmlFor="import-group">Add the contacts to a group</label>
      <div className="row">
        <select id="import-group" name="groupId" value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">No group</option>
          {groups.data?.data.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
        {!adding ? (
          <button type="button" onClick={() => setAdding(true)}>
            New group
          </button>
        ) : null}
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      {adding ? (
        <div className="inline-form new-group">
          <TextField
            label="New group name"
            name="newGroup"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              // Enter creates the group: the form around it is the import's, which must not start.
              if (e.key === 'Enter') {
                e.preventDefault();
                if (name.trim() !== '') create.mutate();
              }
            }}
            error={created.fields.name}
          />
          <button
            type="button"
            className="primary"
            disabled={create.isPending || name.trim() === ''}
            onClick={() => create.mutate()}
          >
            Create group
          </button>
          <button type="button" onClick={() => setAdding(false)}>
            Cancel
          </button>
          <FormError message={created.general} />
        </div>
      ) : null}
    </div>
  );
}

const TARGETS: Array<[string, string]> = [
  ['phone', 'Phone'],
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['email', 'E-mail'],
  ['country', 'Country'],
  ['address', 'Address'],
  ['tags', 'Tags'],
  ['groups', 'Groups (names, ; between)'],
];

const ACTIVE = new Set(['queued', 'running']);

function UploadBar({ sent, total }: { sent: number; total: number }) {
  const percent = total > 0 ? Math.round((sent / total) * 100) : 0;
  return (
    <div className="progress-row">
      <label htmlFor="upload-progress" className="progress-label">
        Uploading
      </label>
      <progress id="upload-progress" max={100} value={percent}>
        {percent}%
      </progress>
      <span>{percent}%</span>
    </div>
  );
}

/** Step 3: the import running in the background, polled until it ends. */
function Progress({ id }: { id: string }) {
  const client = useQueryClient();
  const job = useQuery({
    queryKey: importKeys.detail(id),
    queryFn: () => api<ImportJob>('GET', `/v1/imports/${encodeURIComponent(id)}`),
    refetchInterval: (q) => (q.state.data && !ACTIVE.has(q.state.data.status) ? false : 1_000),
  });
  const cancel = useMutation({
    mutationFn: () => api<ImportJob>('POST', `/v1/imports/${encodeURIComponent(id)}/cancel`),
    onSuccess: () => client.invalidateQueries({ queryKey: importKeys.detail(id) }),
  });
  const j = job.data;
  if (job.error) return <p role="alert">{(job.error as Error).message}</p>;
  if (!j) return <p>Loading…</p>;
  const running = ACTIVE.has(j.status);
  const total = j.total ?? 0;
  const percent = total > 0 ? Math.min(100, Math.round((j.processed / total) * 100)) : running ? 0 : 100;
  return (
    <section className="card" aria-labelledby="progress-h" data-testid="import-progress">
      <h2 id="progress-h">Importing {j.fileName}</h2>
      <div className="progress-row">
        <label htmlFor="import-progress" className="progress-label">
          Progress
        </label>
        <progress id="import-progress" max={100} value={percent}>
          {percent}%
        </progress>
        <span>{percent}%</span>
      </div>
      <p aria-live="polite" data-testid="import-status">
        <span
          className={`badge badge-${j.status === 'completed' ? 'delivered' : j.status === 'failed' ? 'failed' : 'sent'}`}
        >
          {j.status}
        </span>{' '}
        {j.processed} of {j.total ?? '?'} rows processed
      </p>
      <dl className="stats">
        <div>
          <dt>Imported</dt>
          <dd>{j.imported}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{j.updated}</dd>
        </div>
        <div>
          <dt>Skipped</dt>
          <dd>{j.skipped}</dd>
        </div>
        <div>
          <dt>Refused</dt>
          <dd>{j.failed}</dd>
        </div>
        <div>
          <dt>Warnings</dt>
          <dd>{j.warned ?? 0}</dd>
        </div>
      </dl>
      {j.error ? <p role="alert">{j.error}</p> : null}
      {j.errors && j.errors.length > 0 ? (
        <>
          <h3>Refused rows</h3>
          <ul className="list" data-testid="import-errors">
            {j.errors.slice(0, 20).map((e) => (
              <li key={`${e.row}-${e.column ?? ''}`}>
                Row {e.row}
                {e.column ? `, ${e.column}` : ''}: {e.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {j.warnings && j.warnings.length > 0 ? (
        <>
          <h3>Imported with warnings</h3>
          <ul className="list" data-testid="import-warnings">
            {j.warnings.slice(0, 20).map((e) => (
              <li key={`${e.row}-${e.column ?? ''}-${e.message}`}>
                Row {e.row}
                {e.column ? `, ${e.column}` : ''}: {e.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div className="toolbar">
        {j.failed > 0 ? (
          <a className="button" href={`/v1/imports/${j.id}/errors.csv`} download={`${j.id}-errors.csv`}>
            Download the error report
          </a>
        ) : null}
        {(j.warned ?? 0) > 0 ? (
          <a className="button" href={`/v1/imports/${j.id}/warnings.csv`} download={`${j.id}-warnings.csv`}>
            Download the warnings
          </a>
        ) : null}
        {running ? (
          <button
            type="button"
            className="danger"
            disabled={cancel.isPending || j.cancelRequested}
            onClick={() => cancel.mutate()}
          >
            {j.cancelRequested ? 'Cancelling…' : 'Cancel import'}
          </button>
        ) : (
          <Link to="/contacts" className="button primary">
            See the contacts
          </Link>
        )}
      </div>
    </section>
  );
}

/** Step 2: which column feeds which contact attribute, the target group and what to do with duplicates. */
function MapColumns({ file, preview }: { file: File; preview: Preview }) {
  const [mapping, setMapping] = useState<Mapping>(preview.guessedMapping);
  const [sent, setSent] = useState<{ sent: number; total: number } | null>(null);
  const [groupId, setGroupId] = useState('');
  /** The column whose new custom field form is open. */
  const [newFieldFor, setNewFieldFor] = useState<string | null>(null);
  const fields = useContactFields();
  const start = useMutation({
    mutationFn: (form: FormData) =>
      upload<ImportJob>('/v1/imports', form, (s, t) => setSent({ sent: s, total: t })),
    onSuccess: (job) => navigate(`/contacts/import?id=${encodeURIComponent(job.id)}`),
    onSettled: () => setSent(null),
  });
  const { fields: errors, general } = problemFields(start.error);
  const hasPhone = Object.values(mapping).includes('phone');
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const form = new FormData();
    form.append('mapping', JSON.stringify(mapping));
    if (groupId) form.append('groupId', groupId);
    form.append('onDuplicate', String(data.get('onDuplicate') ?? 'update'));
    if (data.get('createGroups')) form.append('createGroups', 'true');
    // The file goes last: the server reads the small fields before it streams the file.
    form.append('file', file, file.name);
    start.mutate(form);
  };
  const targets: Array<[string, string]> = [
    ...TARGETS,
    ...(fields.data?.data ?? []).map((f): [string, string] => [`fields.${f.key}`, f.label]),
  ];
  return (
    <form onSubmit={onSubmit} noValidate>
      <section className="card" aria-labelledby="map-h">
        <h2 id="map-h">Match the columns</h2>
        <p className="muted">
          {preview.format.toUpperCase()}
          {preview.delimiter ? `, separated by “${preview.delimiter}”` : ''}
          {preview.totalEstimate !== undefined ? `, about ${preview.totalEstimate} rows` : ''}.
        </p>
        <ul className="list mapping">
          {preview.headers.map((h, i) => {
            const id = `map-${i}`;
            const samples = preview.sampleRows
              .map((r) => r[i] ?? '')
              .filter(Boolean)
              .slice(0, 3)
              .join(', ');
            return (
              <li key={h} className="row">
                <label htmlFor={id}>
                  <span className="sr-only">Column </span>
                  <strong>{h}</strong>
                  {samples ? <span className="muted"> e.g. {samples}</span> : null}
                </label>
                <select
                  id={id}
                  value={newFieldFor === h ? NEW_FIELD : (mapping[h] ?? '')}
                  onChange={(e) => {
                    if (e.target.value === NEW_FIELD) {
                      setNewFieldFor(h);
                      return;
                    }
                    if (newFieldFor === h) setNewFieldFor(null);
                    const next = { ...mapping };
                    if (e.target.value) next[h] = e.target.value;
                    else delete next[h];
                    setMapping(next);
                  }}
                >
                  <option value="">Do not import</option>
                  {targets.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                  <option value={NEW_FIELD}>New custom field…</option>
                </select>
                {newFieldFor === h ? (
                  <NewFieldForm
                    header={h}
                    onCancel={() => setNewFieldFor(null)}
                    onCreated={(key) => {
                      setNewFieldFor(null);
                      setMapping({ ...mapping, [h]: `fields.${key}` });
                    }}
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
        {!hasPhone ? (
          <p className="field-error" role="alert">
            Choose the column that holds the phone numbers.
          </p>
        ) : null}
        {errors.mapping ? (
          <p className="field-error" role="alert">
            {errors.mapping}
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="options-h">
        <h2 id="options-h">Options</h2>
        <GroupPicker value={groupId} onChange={setGroupId} error={errors.groupId} />
        <div className="field">
          <label htmlFor="import-duplicates">When a phone number is already a contact</label>
          <select id="import-duplicates" name="onDuplicate" defaultValue="update">
            <option value="update">Update the contact</option>
            <option value="skip">Skip the row</option>
          </select>
        </div>
        {Object.values(mapping).includes('groups') ? (
          <div className="field checkbox">
            <input id="import-create-groups" type="checkbox" name="createGroups" defaultChecked />
            <label htmlFor="import-create-groups">
              Create the groups the file names that do not exist yet
            </label>
          </div>
        ) : null}
        {sent ? <UploadBar sent={sent.sent} total={sent.total} /> : null}
        <FormError message={general} />
        <button type="submit" className="primary" disabled={!hasPhone || start.isPending}>
          {start.isPending ? 'Starting…' : 'Start import'}
        </button>
      </section>
    </form>
  );
}

function RecentImports() {
  const list = useQuery({
    queryKey: importKeys.recent(),
    queryFn: () => api<Page<ImportJob>>('GET', '/v1/imports?limit=10'),
  });
  if (!list.data?.data.length) return null;
  return (
    <section className="card" aria-labelledby="recent-h">
      <h2 id="recent-h">Recent imports</h2>
      <ul className="list">
        {list.data.data.map((j) => (
          <li key={j.id} className="row">
            <Link to={`/contacts/import?id=${encodeURIComponent(j.id)}`}>{j.fileName}</Link>
            <span className="muted">
              {j.status}, {j.imported + j.updated} of {j.total ?? '?'} rows
              {j.createdAt ? `, ${formatTime(j.createdAt)}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ImportPage() {
  usePageTitle('Import contacts');
  const { search } = useLocation();
  const id = search.get('id');
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<{ sent: number; total: number } | null>(null);
  const preview = useMutation({
    mutationFn: (f: File) => {
      const form = new FormData();
      form.append('file', f, f.name);
      return upload<Preview>('/v1/imports/preview', form, (s, t) => setSent({ sent: s, total: t }));
    },
    onSettled: () => setSent(null),
  });
  const { fields, general } = problemFields(preview.error, {
    unsupported_import_file: 'file',
    payload_too_large: 'file',
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (file) preview.mutate(file);
  };
  return (
    <PageLayout title="Import contacts">
      {id ? (
        <>
          <Progress id={id} />
          <p>
            <Link to="/contacts/import">Import another file</Link>
          </p>
        </>
      ) : (
        <>
          <ol className="steps wizard">
            <li aria-current={!preview.data ? 'step' : undefined}>Choose a file</li>
            <li aria-current={preview.data ? 'step' : undefined}>Match the columns</li>
            <li>Import</li>
          </ol>
          <form onSubmit={onSubmit} noValidate className="card">
            <div className="field">
              <label htmlFor="import-file">CSV or Excel (XLSX) file</label>
              <input
                id="import-file"
                type="file"
                accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                aria-invalid={fields.file ? true : undefined}
                aria-describedby={fields.file ? 'import-file-err' : undefined}
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  preview.reset();
                }}
              />
              {fields.file ? (
                <p className="field-error" id="import-file-err" role="alert">
                  {fields.file}
                </p>
              ) : null}
            </div>
            {sent ? <UploadBar sent={sent.sent} total={sent.total} /> : null}
            <FormError message={general} />
            <button type="submit" disabled={!file || preview.isPending}>
              {preview.isPending ? 'Reading the file…' : 'Preview'}
            </button>
          </form>
          {file && preview.data ? <MapColumns key={file.name} file={file} preview={preview.data} /> : null}
          <RecentImports />
        </>
      )}
    </PageLayout>
  );
}
