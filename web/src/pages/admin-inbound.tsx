import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type InboundSms, type Page, problemFields } from '../api';
import { type AdminAccount, adminKeys } from '../api/admin';
import { FormError } from '../forms';

/** One unassigned number's latest message, with the form that gives the number to an account. */
function UnassignedItem({ sms, accounts }: { sms: InboundSms; accounts: AdminAccount[] }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const assign = useMutation({
    mutationFn: (accountId: string) => api('POST', '/v1/admin/numbers', { number: sms.to, accountId }, true),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: adminKeys.numbers() });
      await client.invalidateQueries({ queryKey: adminKeys.unassignedInbound() });
      setOpen(false);
    },
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const accountId = String(new FormData(e.currentTarget).get('accountId') ?? '');
    if (accountId) assign.mutate(accountId);
  };
  const selectId = `assign-${sms.id}`;
  return (
    <li>
      <div className="row">
        <span>
          To <strong className="nowrap">{sms.to}</strong> from <span className="nowrap">{sms.from}</span>
          <br />
          <span className="muted">
            {formatTime(sms.receivedAt)} · {sms.route}
          </span>
        </span>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          Assign this number<span className="sr-only"> {sms.to}</span>
        </button>
      </div>
      <p className="text-preview">{sms.text}</p>
      {open ? (
        <form onSubmit={onSubmit} noValidate className="inline-form">
          <div className="field">
            <label htmlFor={selectId}>Account for {sms.to}</label>
            <select id={selectId} name="accountId" required defaultValue="">
              <option value="" disabled>
                Choose an account…
              </option>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="primary" disabled={assign.isPending}>
            Assign
          </button>
          <FormError message={problemFields(assign.error).general} />
        </form>
      ) : null}
    </li>
  );
}

/**
 * Messages that came to numbers no account holds (kept for the operator). Assigning the number sends its
 * later messages to that account's inbox.
 */
export function UnassignedInbound({ accounts }: { accounts: AdminAccount[] }) {
  const inbound = useQuery({
    queryKey: adminKeys.unassignedInbound(),
    queryFn: () => api<Page<InboundSms>>('GET', '/v1/admin/inbound?unassigned=true&limit=100'),
  });
  const numbers = useQuery({
    queryKey: adminKeys.allNumbers(),
    queryFn: () => api<Page<{ number: string }>>('GET', '/v1/admin/numbers?limit=500'),
  });
  const assigned = new Set((numbers.data?.data ?? []).map((n) => n.number));
  // The latest message per number that is still unassigned.
  const seen = new Set<string>();
  const rows = (inbound.data?.data ?? []).filter((m) => {
    if (assigned.has(m.to) || seen.has(m.to)) return false;
    seen.add(m.to);
    return true;
  });
  return (
    <section className="card" aria-labelledby="unassigned-h">
      <h2 id="unassigned-h">Inbound to unassigned numbers</h2>
      {inbound.error ? <p role="alert">{(inbound.error as Error).message}</p> : null}
      {inbound.data && rows.length === 0 ? (
        <p className="muted">None: every message found its account.</p>
      ) : null}
      <ul className="list" data-testid="unassigned-inbound">
        {rows.map((m) => (
          <UnassignedItem key={m.id} sms={m} accounts={accounts} />
        ))}
      </ul>
    </section>
  );
}
