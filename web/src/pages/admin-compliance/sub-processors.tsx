// Compliance: the sub-processor register, its change announcements and the accounts' objections.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type Page, problemFields, query } from '../../api';
import { adminKeys } from '../../api/admin';
import { FormError, TextField } from '../../forms';
import { formValues } from './shared';

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
      await client.invalidateQueries({ queryKey: adminKeys.subProcessors() });
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
    queryKey: adminKeys.objections(id),
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
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.subProcessors() }),
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

export function SubProcessorsSection() {
  const [includeRemoved, setIncludeRemoved] = useState(false);
  const [adding, setAdding] = useState(false);
  const [announced, setAnnounced] = useState<Announced | null>(null);
  const list = useQuery({
    queryKey: adminKeys.subProcessorList(includeRemoved),
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
