import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, formatTime, type Page, problemFields, query } from '../api';
import { adminKeys, useAdminAccounts } from '../api/admin';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { usePageTitle } from '../router';
import { UnassignedInbound } from './admin-inbound';

interface VirtualNumber {
  id: string;
  number: string;
  accountId: string;
  createdAt: string;
}

export function AdminNumbersPage() {
  usePageTitle('Inbound numbers');
  const client = useQueryClient();
  const accounts = useAdminAccounts();
  const accountList = accounts.data?.pages.flatMap((p) => p.data) ?? [];
  const accountName = (id: string) => accountList.find((a) => a.id === id)?.name ?? id;
  const numbers = useInfiniteQuery({
    queryKey: adminKeys.numberPages(),
    queryFn: ({ pageParam }) =>
      api<Page<VirtualNumber>>('GET', `/v1/admin/numbers${query({ limit: 100, cursor: pageParam })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.numbers() });
  const assign = useMutation({
    mutationFn: (body: { number: string; accountId: string }) =>
      api<VirtualNumber>('POST', '/v1/admin/numbers', body, true),
    onSuccess: refresh,
  });
  const release = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/admin/numbers/${id}`),
    onSuccess: refresh,
  });
  // The server names the number `to` in its messaging codes; on this form it is the `number` field.
  const { fields, general } = problemFields(assign.error, {
    invalid_phone_number: 'number',
    conflict: 'number',
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    assign.mutate(
      { number: String(data.get('number') ?? '').trim(), accountId: String(data.get('accountId') ?? '') },
      { onSuccess: () => form.reset() },
    );
  };
  const rows = numbers.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <PageLayout title="Inbound numbers">
      <p>Replies and messages sent to these numbers go to the inbox of the account that holds them.</p>
      <section className="card" aria-labelledby="assign-h">
        <h2 id="assign-h">Assign a number</h2>
        <form onSubmit={onSubmit} noValidate>
          <TextField label="Number" name="number" type="tel" required error={fields.number} />
          <div className="field">
            <label htmlFor="number-account">Account</label>
            <select
              id="number-account"
              name="accountId"
              required
              defaultValue=""
              aria-invalid={fields.accountId ? true : undefined}
            >
              <option value="" disabled>
                Choose an account…
              </option>
              {accountList.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            {fields.accountId ? (
              <p className="field-error" role="alert">
                {fields.accountId}
              </p>
            ) : null}
          </div>
          <FormError message={general} />
          <button type="submit" className="primary" disabled={assign.isPending}>
            Assign number
          </button>
        </form>
      </section>
      <FormError message={problemFields(release.error).general} />
      {numbers.data && rows.length === 0 ? <p className="muted">No numbers assigned yet.</p> : null}
      <ul className="list" data-testid="numbers">
        {rows.map((n) => (
          <li key={n.id} className="row">
            <span>
              <strong className="nowrap">{n.number}</strong> → {accountName(n.accountId)}
              <br />
              <span className="muted">since {formatTime(n.createdAt)}</span>
            </span>
            <button type="button" className="danger" onClick={() => release.mutate(n.id)}>
              Release<span className="sr-only"> {n.number}</span>
            </button>
          </li>
        ))}
      </ul>
      <LoadMore pages={numbers} />
      <UnassignedInbound accounts={accountList} />
    </PageLayout>
  );
}
