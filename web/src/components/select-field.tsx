import type { SelectHTMLAttributes } from 'react';

/** A choice: a value and the words shown for it (a bare string is both). */
export type Choice = string | { value: string; label: string };

/**
 * A labelled `<select>` in the form layout of `TextField`. `id` is the select's own (kept stable where
 * other code or a page's CSS names it).
 */
export function SelectField({
  label,
  id,
  options,
  ...select
}: {
  label: string;
  id: string;
  options: readonly Choice[];
} & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'children'>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((o) => {
          const { value, label: text } = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
    </div>
  );
}
