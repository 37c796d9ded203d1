// Compliance: how long each kind of data is kept.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api, formatTime, problemFields } from '../../api';
import { adminKeys } from '../../api/admin';
import { FormError } from '../../forms';

interface RetentionPolicy {
  rule: string;
  description: string;
  promiseDays: number;
  days: number;
  updatedBy: string | null;
  updatedAt: string | null;
}

export function RetentionSection() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: adminKeys.retention(),
    queryFn: () => api<{ data: RetentionPolicy[] }>('GET', '/v1/admin/retention'),
  });
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (rules: Record<string, number>) =>
      api<{ data: RetentionPolicy[] }>('PUT', '/v1/admin/retention', { rules }),
    onSuccess: async () => {
      setDraft({});
      setSaved(true);
      await client.invalidateQueries({ queryKey: adminKeys.retention() });
    },
  });
  // Errors come as `/body/rules/<rule name>`; rule names contain dots, so take everything after `rules/`.
  const ruleErrors: Record<string, string> = {};
  if (save.error instanceof ApiError)
    for (const e of save.error.errors) {
      const rule = /\/rules\/(.+)$/.exec(e.path)?.[1];
      if (rule) ruleErrors[rule] = e.message;
    }
  const general = Object.keys(ruleErrors).length === 0 ? problemFields(save.error).general : null;
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSaved(false);
    const rules: Record<string, number> = {};
    for (const [rule, value] of Object.entries(draft)) if (value.trim() !== '') rules[rule] = Number(value);
    if (Object.keys(rules).length > 0) save.mutate(rules);
  };
  return (
    <section aria-labelledby="retention-title">
      <h2 id="retention-title">Retention periods</h2>
      <p>
        How long each kind of data is kept before the sweep purges it. A period may be shortened; longer than
        the promise is refused unless the deployment allows it.
      </p>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data ? (
        <form noValidate onSubmit={onSubmit} className="card">
          <ul className="list" data-testid="retention">
            {list.data.data.map((p) => {
              const id = `retention-${p.rule.replace(/[^a-z0-9]/gi, '-')}`;
              const error = ruleErrors[p.rule];
              return (
                <li key={p.rule}>
                  <div className="field">
                    <label htmlFor={id}>{p.description}</label>
                    <input
                      id={id}
                      className="days"
                      type="number"
                      inputMode="numeric"
                      min={1}
                      value={draft[p.rule] ?? String(p.days)}
                      onChange={(e) => setDraft({ ...draft, [p.rule]: e.target.value })}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? `${id}-err` : `${id}-hint`}
                    />
                    <p className="hint" id={`${id}-hint`}>
                      <code className="id">{p.rule}</code> · days · promised at most {p.promiseDays}
                      {p.updatedAt ? ` · changed ${formatTime(p.updatedAt)}` : ''}
                    </p>
                    {error ? (
                      <p className="field-error" id={`${id}-err`} role="alert">
                        {error}
                      </p>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
          <FormError message={general} />
          {saved ? (
            <p role="status" className="notice">
              Retention periods saved.
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save periods'}
          </button>
        </form>
      ) : null}
    </section>
  );
}
