import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, download, problemFields } from '../../api';
import { FormError, StatusBadge, TextField } from '../../forms';
import { EraseDialog, type ErasureReceipt, Receipt } from './erasure';
import { KINDS, RecordTable, type Row, type Subject, type SubjectRecords } from './records';
import { RectifyForm } from './rectify-form';

/** Finds one person's records, and acts on them: export, rectify, restrict, erase. */
export function SubjectSearch() {
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
