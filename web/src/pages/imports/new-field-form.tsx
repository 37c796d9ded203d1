import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type ContactField, problemFields } from '../../api';
import { CONTACT_FIELD_TYPES, contactKeys } from '../../api/contacts';
import { SelectField } from '../../components/select-field';
import { FormError, TextField } from '../../forms';

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
export function NewFieldForm({
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
        <SelectField
          label="Field type"
          id={typeId}
          value={type}
          onChange={(e) => setType(e.target.value)}
          options={CONTACT_FIELD_TYPES}
        />
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
