import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { problemFields, upload } from '../../api';
import { type ImportJob, type ImportPreview, useContactFields } from '../../api/contacts';
import { FormError } from '../../forms';
import { navigate } from '../../router';
import { GroupPicker } from './group-picker';
import { NewFieldForm } from './new-field-form';
import { UploadBar } from './upload-bar';

type Mapping = Record<string, string>;

/** The mapping option that opens the new custom field form instead of choosing a target. */
const NEW_FIELD = '__new_field';

/** The contact attributes a column can feed (the account's custom fields follow them). */
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

/** Step 2: which column feeds which contact attribute, the target group and what to do with duplicates. */
export function MapColumns({ file, preview }: { file: File; preview: ImportPreview }) {
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
