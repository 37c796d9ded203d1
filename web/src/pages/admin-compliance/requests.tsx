// Compliance: privacy requests made to the operator, recorded and forwarded to the account concerned.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Page, problemFields, query } from '../../api';
import { adminKeys } from '../../api/admin';
import type { PrivacyRequest } from '../../api/compliance';
import {
  PRIVACY_REQUEST_KINDS,
  PRIVACY_REQUEST_STATUSES,
  type PrivacyRequestStatus,
} from '../../api/generated';
import { leafFields } from '../../api/leaf-fields';
import { LoadMore } from '../../components/load-more';
import { PrivacyRequestSummary } from '../../components/privacy-request-summary';
import { SelectField } from '../../components/select-field';
import { FormError, TextArea, TextField } from '../../forms';
import { formValues } from './shared';

const STATUS_LABELS: Record<PrivacyRequestStatus, string> = {
  received: 'Received',
  forwarded: 'Forwarded',
  completed: 'Completed',
  rejected: 'Rejected',
};

function RecordRequestForm({ onDone }: { onDone: () => void }) {
  const client = useQueryClient();
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<PrivacyRequest>('POST', '/v1/admin/privacy-requests', body, true),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: adminKeys.privacyRequests() });
      onDone();
    },
  });
  const { fields, general } = leafFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    const subject = Object.fromEntries(
      (['phone', 'email', 'name'] as const).map((k) => [k, v(k)]).filter(([, x]) => x),
    );
    const received = v('receivedAt');
    create.mutate({
      kind: v('kind'),
      subject,
      ...(v('message') ? { message: v('message') } : {}),
      ...(received ? { receivedAt: new Date(received).toISOString() } : {}),
      ...(v('accountId') ? { accountId: v('accountId') } : {}),
    });
  };
  return (
    <form noValidate onSubmit={onSubmit} className="card" aria-label="Record a request">
      <h3>Record a request</h3>
      <SelectField
        label="Kind"
        id="request-kind"
        name="kind"
        defaultValue="access"
        options={PRIVACY_REQUEST_KINDS}
      />
      <div className="filters">
        <TextField label="Their phone" name="phone" type="tel" error={fields.phone} />
        <TextField label="Their e-mail" name="email" type="email" error={fields.email} />
        <TextField label="Their name" name="name" error={fields.name} />
      </div>
      <TextArea label="What they asked" name="message" rows={3} error={fields.message} />
      <TextField
        label="Received at"
        name="receivedAt"
        type="datetime-local"
        error={fields.receivedAt}
        hint="Empty means now. The answer is due one month later."
      />
      <TextField
        label="Forward to account"
        name="accountId"
        error={fields.accountId}
        hint="Optional: the id of the client account holding the data (acc_…)."
      />
      <FormError message={fields.subject ?? general} />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Saving…' : 'Record request'}
      </button>
    </form>
  );
}

function ForwardForm({ request }: { request: PrivacyRequest }) {
  const client = useQueryClient();
  const forward = useMutation({
    mutationFn: (accountId: string) =>
      api<PrivacyRequest>('POST', `/v1/admin/privacy-requests/${request.id}/forward`, { accountId }),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.privacyRequests() }),
  });
  const { fields, general } = problemFields(forward.error, { not_found: 'accountId' });
  return (
    <form noValidate className="inline-form" onSubmit={(e) => forward.mutate(formValues(e)('accountId'))}>
      <TextField
        label={`Forward request ${request.id} to account`}
        name="accountId"
        error={fields.accountId}
      />
      <button type="submit" disabled={forward.isPending}>
        Forward
      </button>
      <FormError message={general} />
    </form>
  );
}

export function RequestsSection() {
  const [adding, setAdding] = useState(false);
  const [status, setStatus] = useState('');
  const [overdue, setOverdue] = useState(false);
  const requests = useInfiniteQuery({
    queryKey: adminKeys.privacyRequestList(status, overdue),
    queryFn: ({ pageParam }) =>
      api<Page<PrivacyRequest>>(
        'GET',
        `/v1/admin/privacy-requests${query({ status, overdue: overdue ? 'true' : undefined, limit: 50, cursor: pageParam })}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const counts = useQuery({
    queryKey: adminKeys.privacyRequestCounts(),
    queryFn: () =>
      api<{ data: Array<{ source: string; total: number; open: number; overdue: number }> }>(
        'GET',
        '/v1/admin/privacy-requests/counts',
      ),
  });
  const rows = requests.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section aria-labelledby="requests-title">
      <div className="row">
        <h2 id="requests-title">Privacy requests</h2>
        <button type="button" className="primary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          Record a request
        </button>
      </div>
      <p>
        Requests data subjects sent to the operator, or texted to a client's number (DATA, DELETE: those go
        straight to the client). Each is due one month after receipt.
      </p>
      {counts.data && counts.data.data.length > 0 ? (
        <p data-testid="privacy-request-counts">
          {counts.data.data
            .map(
              (c) =>
                `${c.source === 'sms' ? 'By SMS' : 'Recorded by staff'}: ${c.total} (${c.open} open, ${c.overdue} overdue)`,
            )
            .join(' · ')}
        </p>
      ) : null}
      {adding ? <RecordRequestForm onDone={() => setAdding(false)} /> : null}
      <div className="toolbar">
        <label htmlFor="admin-request-status">Status</label>
        <select id="admin-request-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All</option>
          {PRIVACY_REQUEST_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} /> Overdue
          only
        </label>
      </div>
      {requests.isPending ? <p>Loading…</p> : null}
      {requests.error ? <p role="alert">{(requests.error as Error).message}</p> : null}
      {requests.data && rows.length === 0 ? <p className="muted">No requests.</p> : null}
      <ul className="cards" data-testid="admin-privacy-requests">
        {rows.map((r) => (
          <li key={r.id} className="card">
            <PrivacyRequestSummary request={r} />
            {r.accountId ? (
              <p className="muted">
                Account <code className="id">{r.accountId}</code>
              </p>
            ) : null}
            {r.status === 'received' ? <ForwardForm request={r} /> : null}
          </li>
        ))}
      </ul>
      <LoadMore pages={requests} />
    </section>
  );
}
