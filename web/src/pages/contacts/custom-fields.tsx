import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, type ContactField, problemFields } from '../../api';
import { CONTACT_FIELD_TYPES, contactKeys, useContactFields } from '../../api/contacts';
import { SelectField } from '../../components/select-field';
import { FormError, TextField } from '../../forms';

/** The account's custom contact fields, and a form to add one (they then appear on every contact form). */
export function CustomFields() {
  const client = useQueryClient();
  const list = useContactFields();
  const add = useMutation({
    mutationFn: (body: Record<string, string>) => api<ContactField>('POST', '/v1/contact-fields', body),
    onSuccess: () => client.invalidateQueries({ queryKey: contactKeys.fields() }),
  });
  const { fields, general } = problemFields(add.error, { conflict: 'key' });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    add.mutate(
      {
        key: String(data.get('key') ?? '').trim(),
        label: String(data.get('label') ?? '').trim(),
        type: String(data.get('type') ?? 'text'),
      },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <details className="card">
      <summary>
        <strong>Custom fields</strong> <span className="muted">({list.data?.data.length ?? 0})</span>
      </summary>
      <ul className="list" data-testid="contact-fields">
        {list.data?.data.map((f) => (
          <li key={f.key}>
            <strong>{f.label}</strong> <code>{f.key}</code> <span className="muted">{f.type}</span>
          </li>
        ))}
      </ul>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <TextField label="Field label" name="label" required error={fields.label} />
        <TextField
          label="Key"
          name="key"
          required
          error={fields.key}
          hint="a-z, 0-9 and _, e.g. loyalty_tier"
        />
        <SelectField
          label="Field type"
          id="field-type"
          name="type"
          defaultValue="text"
          options={CONTACT_FIELD_TYPES}
        />
        <button type="submit" disabled={add.isPending}>
          Add field
        </button>
      </form>
      <FormError message={general} />
    </details>
  );
}
