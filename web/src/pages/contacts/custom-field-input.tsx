import type { ContactField } from '../../api';
import { TextField } from '../../forms';

/** A form value, trimmed; null when nothing is left. */
export function emptyToNull(v: FormDataEntryValue | null): string | null {
  const s = String(v ?? '').trim();
  return s === '' ? null : s;
}

/** A custom field's value from the contact form, typed as the field says (a box ticked or not for yes/no). */
export function fieldValue(f: ContactField, data: FormData): string | number | boolean | null {
  const name = `field.${f.key}`;
  if (f.type === 'boolean') return data.get(name) === 'on';
  const raw = emptyToNull(data.get(name));
  if (raw === null) return null;
  return f.type === 'number' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
}

/** The input of one custom field on the contact form. */
export function CustomField({ field, value }: { field: ContactField; value: unknown }) {
  const name = `field.${field.key}`;
  if (field.type === 'boolean') {
    return (
      <div className="field checkbox">
        <input id={name} name={name} type="checkbox" defaultChecked={value === true} />
        <label htmlFor={name}>{field.label}</label>
      </div>
    );
  }
  return (
    <TextField
      label={field.label}
      name={name}
      type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'}
      step={field.type === 'number' ? 'any' : undefined}
      defaultValue={value === null || value === undefined ? '' : String(value)}
    />
  );
}
