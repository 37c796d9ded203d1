import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, type Consent, type Contact, formatTime, problemFields } from '../../api';
import { contactKeys } from '../../api/contacts';
import { SelectField } from '../../components/select-field';
import { FormError, TextField } from '../../forms';

/** A contact's consents, newest first, and a form to record one given or withdrawn. */
export function Consents({ contact }: { contact: Contact }) {
  const client = useQueryClient();
  const record = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<Consent>('POST', `/v1/contacts/${contact.id}/consents`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: contactKeys.detail(contact.id) }),
  });
  const { fields, general } = problemFields(record.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    record.mutate({
      purpose: data.get('purpose'),
      granted: data.get('granted') === 'granted',
      source: String(data.get('source') ?? '').trim() || 'web',
    });
  };
  const history = [...(contact.consents ?? [])].reverse();
  return (
    <section className="card" aria-labelledby="consent-h">
      <h2 id="consent-h">Consent history</h2>
      {history.length === 0 ? <p className="muted">No consent recorded.</p> : null}
      <ul className="list" data-testid="consents">
        {history.map((c) => (
          <li key={c.id}>
            <strong>{c.purpose}</strong>: {c.granted ? 'granted' : 'withdrawn'}{' '}
            <span className="muted">
              via {c.source}, {formatTime(c.recordedAt)}
            </span>
          </li>
        ))}
      </ul>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <SelectField
          label="Purpose"
          id="consent-purpose"
          name="purpose"
          defaultValue="marketing"
          options={[
            { value: 'marketing', label: 'Marketing' },
            { value: 'transactional', label: 'Transactional' },
          ]}
        />
        <SelectField
          label="Consent"
          id="consent-granted"
          name="granted"
          defaultValue="granted"
          options={[
            { value: 'granted', label: 'Granted' },
            { value: 'withdrawn', label: 'Withdrawn' },
          ]}
        />
        <TextField label="Source" name="source" placeholder="web form" error={fields.source} />
        <button type="submit" disabled={record.isPending}>
          Record consent
        </button>
      </form>
      <FormError message={general} />
    </section>
  );
}
