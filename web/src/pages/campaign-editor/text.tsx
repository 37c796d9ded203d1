import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useId, useState } from 'react';
import { api, problemFields } from '../../api';
import { type Template, templateKeys } from '../../api/campaigns';
import { TextArea, TextField } from '../../forms';
import type { Count } from '../../sms';
import { Highlighted, SmsCounter } from '../../sms-counter';

/**
 * One campaign text: the text area with its counter, a template to start from, and "Save as template".
 */
export function CampaignText({
  label,
  name,
  value,
  onChange,
  count,
  error,
  templates,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (text: string) => void;
  count: Count;
  error?: string | undefined;
  templates: Template[];
}) {
  const client = useQueryClient();
  const pickId = useId();
  const [naming, setNaming] = useState(false);
  const [templateName, setTemplateName] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      api<Template>('POST', '/v1/templates', { name: templateName.trim(), text: value }, true),
    onSuccess: async (t) => {
      setSaved(`Saved as the template “${t.name}”.`);
      setNaming(false);
      setTemplateName('');
      await client.invalidateQueries({ queryKey: templateKeys.all });
    },
  });
  const saveError = problemFields(save.error).fields;
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    // Enter names the template; it must not submit the campaign form around it.
    if (e.key === 'Enter') {
      e.preventDefault();
      if (templateName.trim()) save.mutate();
    }
  };
  return (
    <div className="campaign-text">
      <TextArea
        label={label}
        name={name}
        rows={4}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setSaved(null);
        }}
        error={error}
        hint={<SmsCounter count={count} testId={`counter-${name}`} />}
      />
      {count.nonGsm.length > 0 ? <Highlighted text={value} /> : null}
      <div className="toolbar text-tools">
        {templates.length > 0 ? (
          <>
            <label htmlFor={pickId} className="sr-only">
              Use a template for {label}
            </label>
            <select
              id={pickId}
              value=""
              onChange={(e) => {
                const chosen = templates.find((t) => t.id === e.target.value);
                if (chosen) onChange(chosen.text);
              }}
            >
              <option value="">Use template…</option>
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <button type="button" onClick={() => setNaming(true)} disabled={!value.trim() || naming}>
          Save as template
        </button>
        <span className="muted" aria-live="polite">
          {saved}
        </span>
      </div>
      {naming ? (
        <div className="inline-form">
          <TextField
            label="Template name"
            name={`${name}-template-name`}
            value={templateName}
            onChange={(e) => setTemplateName(e.target.value)}
            onKeyDown={onKey}
            error={
              saveError.name ?? saveError.text ?? (save.error ? (save.error as Error).message : undefined)
            }
            autoFocus
          />
          <button
            type="button"
            className="primary"
            onClick={() => save.mutate()}
            disabled={!templateName.trim() || save.isPending}
          >
            Save template
          </button>
          <button type="button" onClick={() => setNaming(false)}>
            Cancel
          </button>
        </div>
      ) : null}
    </div>
  );
}
