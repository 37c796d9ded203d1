import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatCredits, formatTime, problemFields, query } from '../api';
import { type AdminAccount, adminKeys, useAdminAccounts } from '../api/admin';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { useConfirm } from '../confirm';
import { FormError, TextField } from '../forms';
import { useDebounced } from '../hooks/use-debounced';
import { Link, usePageTitle } from '../router';
import { AuditTable } from './audit';

export function Credits({ account, onDone }: { account: AdminAccount; onDone: () => void }) {
  const client = useQueryClient();
  const adjust = useMutation({
    mutationFn: (body: { amount: number; reason: string }) =>
      api<{ available: number; balanceAfter: number }>(
        'POST',
        `/v1/admin/accounts/${account.id}/credits`,
        body,
        true,
      ),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: adminKeys.accounts() });
      onDone();
    },
  });
  const { fields, general } = problemFields(adjust.error);
  const [amountError, setAmountError] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const typedAmount = Number(typed);
  // What the balance becomes: the operator may take it below zero, but sees that before confirming.
  const after =
    typed.trim() !== '' && Number.isFinite(typedAmount) && account.balance !== undefined
      ? account.balance + typedAmount
      : null;
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const raw = String(data.get('amount') ?? '').trim();
    const amount = Number(raw);
    if (raw === '' || !Number.isFinite(amount) || amount === 0) {
      setAmountError('Enter a number of credits: positive to add, negative to take away.');
      return;
    }
    setAmountError(null);
    adjust.mutate({ amount, reason: String(data.get('reason') ?? '').trim() });
  };
  return (
    <form onSubmit={onSubmit} noValidate className="inline-form">
      <TextField
        label={`Credits for ${account.name}`}
        name="amount"
        type="number"
        step="any"
        required
        error={amountError ?? fields.amount}
        hint="Negative to take credits away."
        onChange={(e) => setTyped(e.currentTarget.value)}
      />
      {after !== null ? (
        <p className={after < 0 ? 'notice' : 'hint'} role={after < 0 ? 'alert' : 'status'}>
          Balance after: <strong>{formatCredits(after)}</strong> credits
          {after < 0
            ? '. This takes the balance below zero: the account cannot send until it is topped up.'
            : null}
        </p>
      ) : null}
      <TextField label="Reason" name="reason" required error={fields.reason} />
      <button type="submit" className="primary" disabled={adjust.isPending}>
        Adjust balance
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      <FormError message={general} />
    </form>
  );
}

interface LinkDomain {
  domain: string;
  accountId: string;
  links: number;
  lastSeen: string;
}

/** Where the account's short links lead, and the switch that turns its tracked links off or on. */
function TrackedLinks({ account }: { account: AdminAccount }) {
  const domains = useQuery({
    queryKey: adminKeys.linkDomains(account.id),
    queryFn: () =>
      api<{ data: LinkDomain[] }>('GET', `/v1/admin/link-domains${query({ accountId: account.id })}`),
  });
  const toggle = useMutation({
    mutationFn: (trackedLinks: boolean) =>
      api<{ trackedLinks: boolean }>('PATCH', `/v1/admin/accounts/${account.id}/settings`, { trackedLinks }),
  });
  const rows = domains.data?.data ?? [];
  return (
    <section aria-label={`Tracked links of ${account.name}`}>
      {domains.error ? <p role="alert">{(domains.error as Error).message}</p> : null}
      {domains.data && rows.length === 0 ? <p className="muted">No short links yet.</p> : null}
      {rows.length > 0 ? (
        <table>
          <caption>Target domains of its short links</caption>
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Links</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.domain}>
                <td>{d.domain}</td>
                <td>{d.links}</td>
                <td>{formatTime(d.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="toolbar">
        <button
          type="button"
          className="danger"
          disabled={toggle.isPending}
          onClick={() => toggle.mutate(false)}
        >
          Turn tracked links off
        </button>
        <button type="button" disabled={toggle.isPending} onClick={() => toggle.mutate(true)}>
          Turn tracked links on
        </button>
      </div>
      {toggle.data ? (
        <p role="status">
          Tracked links are now {toggle.data.trackedLinks ? 'on' : 'off (its /l/ links answer 410)'}.
        </p>
      ) : null}
      <FormError message={problemFields(toggle.error).general} />
    </section>
  );
}

function AccountCard({ account }: { account: AdminAccount }) {
  const client = useQueryClient();
  const [panel, setPanel] = useState<'credits' | 'audit' | 'links' | null>(null);
  const status = useMutation({
    mutationFn: (action: 'suspend' | 'reactivate') =>
      api<AdminAccount>('POST', `/v1/admin/accounts/${account.id}/${action}`),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.accounts() }),
  });
  const active = account.status === 'active';
  const [confirm, confirmDialog] = useConfirm();
  const onStatus = async () => {
    if (!active) return status.mutate('reactivate');
    if (
      await confirm({
        title: `Suspend ${account.name}?`,
        body: (
          <p>The account can no longer send (its API calls and campaigns are refused) until reactivated.</p>
        ),
        confirmLabel: 'Suspend account',
        danger: true,
      })
    )
      status.mutate('suspend');
  };
  return (
    <li className="card">
      <div className="row">
        <strong>
          <Link to={`/admin/accounts/${encodeURIComponent(account.id)}`}>{account.name}</Link>
        </strong>
        <span className={`badge badge-${active ? 'delivered' : 'failed'}`}>{account.status}</span>
      </div>
      <p className="muted">
        <code>{account.id}</code> · created {formatTime(account.createdAt)}
      </p>
      {account.balance !== undefined ? (
        <p data-testid="account-balance">
          Balance: <strong>{formatCredits(account.balance)}</strong> credits
        </p>
      ) : null}
      <div className="toolbar">
        {account.status === 'closed' ? null : (
          <button
            type="button"
            className={active ? 'danger' : undefined}
            disabled={status.isPending}
            onClick={onStatus}
          >
            {active ? 'Suspend' : 'Reactivate'}
            <span className="sr-only"> {account.name}</span>
          </button>
        )}
        <button
          type="button"
          aria-expanded={panel === 'credits'}
          onClick={() => setPanel(panel === 'credits' ? null : 'credits')}
        >
          Adjust credits<span className="sr-only"> of {account.name}</span>
        </button>
        <button
          type="button"
          aria-expanded={panel === 'audit'}
          onClick={() => setPanel(panel === 'audit' ? null : 'audit')}
        >
          Audit log<span className="sr-only"> of {account.name}</span>
        </button>
        <button
          type="button"
          aria-expanded={panel === 'links'}
          onClick={() => setPanel(panel === 'links' ? null : 'links')}
        >
          Tracked links<span className="sr-only"> of {account.name}</span>
        </button>
      </div>
      <FormError message={problemFields(status.error).general} />
      {confirmDialog}
      {panel === 'credits' ? <Credits account={account} onDone={() => setPanel(null)} /> : null}
      {panel === 'links' ? <TrackedLinks account={account} /> : null}
      {panel === 'audit' ? (
        <AuditTable
          path="/v1/admin/audit-log"
          params={{ accountId: account.id }}
          label={`Audit log of ${account.name}`}
        />
      ) : null}
    </li>
  );
}

export function AdminAccountsPage() {
  usePageTitle('Accounts');
  const [q, setQ] = useState('');
  const debounced = useDebounced(q.trim(), 300);
  const accounts = useAdminAccounts(debounced);
  const rows = accounts.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <PageLayout title="Accounts">
      <search className="field">
        <label htmlFor="account-search">Search accounts</label>
        <input
          id="account-search"
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="Name or id"
        />
      </search>
      {accounts.error ? <p role="alert">{(accounts.error as Error).message}</p> : null}
      {accounts.isPending ? <p>Loading…</p> : null}
      {accounts.data && rows.length === 0 ? <p className="muted">No accounts found.</p> : null}
      <ul className="cards" data-testid="accounts">
        {rows.map((a) => (
          <AccountCard key={a.id} account={a} />
        ))}
      </ul>
      <LoadMore pages={accounts} />
    </PageLayout>
  );
}
