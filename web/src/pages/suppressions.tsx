import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, formatTime, type Page, problemFields, query, type Suppression } from '../api';
import { suppressionKeys } from '../api/contacts';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { SelectField } from '../components/select-field';
import { FormError, TextField } from '../forms';
import { usePageTitle } from '../router';
import { toast } from '../toast';

export function SuppressionsPage() {
  usePageTitle('Suppression list');
  const client = useQueryClient();
  const list = useInfiniteQuery({
    queryKey: suppressionKeys.list(),
    queryFn: ({ pageParam }) =>
      api<Page<Suppression>>('GET', `/v1/suppressions${query({ limit: 100, cursor: pageParam })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const add = useMutation({
    mutationFn: (body: Record<string, string>) => api<Suppression>('POST', '/v1/suppressions', body),
    onSuccess: () => client.invalidateQueries({ queryKey: suppressionKeys.all }),
  });
  const remove = useMutation({
    mutationFn: (phone: string) => api<void>('DELETE', `/v1/suppressions${query({ phone })}`),
    onSuccess: () => {
      toast('Number removed from the suppression list.');
      return client.invalidateQueries({ queryKey: suppressionKeys.all });
    },
  });
  const { fields, general } = problemFields(add.error, { invalid_phone_number: 'phone' });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const reason = String(data.get('reason') ?? '').trim();
    add.mutate(
      {
        phone: String(data.get('phone') ?? '').trim(),
        scope: String(data.get('scope') ?? 'all'),
        ...(reason ? { reason } : {}),
      },
      { onSuccess: () => form.reset() },
    );
  };
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <PageLayout title="Suppression list">
      <p>Numbers on this list receive no messages (or no marketing, if the scope says so).</p>
      <section className="card" aria-labelledby="add-sup-h">
        <h2 id="add-sup-h">Add a number</h2>
        <form onSubmit={onSubmit} noValidate>
          <TextField label="Phone number" name="phone" type="tel" required error={fields.phone} />
          <TextField label="Reason" name="reason" error={fields.reason} placeholder="Asked to stop" />
          <SelectField
            label="Scope"
            id="sup-scope"
            name="scope"
            defaultValue="all"
            options={[
              { value: 'all', label: 'All messages' },
              { value: 'marketing', label: 'Marketing only' },
            ]}
          />
          <FormError message={general} />
          <button type="submit" className="primary" disabled={add.isPending}>
            Add to list
          </button>
        </form>
      </section>
      <FormError message={problemFields(remove.error).general} />
      {list.isPending ? <p>Loading…</p> : null}
      {list.data && rows.length === 0 ? (
        <p className="muted" data-testid="suppressions-empty">
          The list is empty. A number that replies STOP is added here by itself; add one above when someone
          asks you in another way.
        </p>
      ) : null}
      <ul className="list" data-testid="suppressions">
        {rows.map((s) => (
          <li key={s.phone} className="row">
            <span>
              <strong className="nowrap">{s.phone}</strong> <span className="badge">{s.scope}</span>
              <br />
              <span className="muted">
                {s.reason ? `${s.reason} · ` : ''}
                {s.source}, {formatTime(s.createdAt)}
              </span>
            </span>
            <button type="button" className="danger" onClick={() => remove.mutate(s.phone)}>
              Remove<span className="sr-only"> {s.phone}</span>
            </button>
          </li>
        ))}
      </ul>
      <LoadMore pages={list} />
    </PageLayout>
  );
}
