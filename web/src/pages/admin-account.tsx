import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  api,
  type Balance,
  formatCredits,
  formatTime,
  ledgerKind,
  type Page,
  problemFields,
  query,
} from '../api';
import { type AdminAccount, adminKeys } from '../api/admin';
import { complianceKeys } from '../api/compliance';
import type { RefundPolicy } from '../api/generated';
import { LoadMore } from '../components/load-more';
import { useConfirm } from '../confirm';
import { FormError } from '../forms';
import { Link, usePageTitle } from '../router';
import { Credits } from './admin-accounts';
import { AuditTable } from './audit';

interface AccountDetail {
  account: AdminAccount & { closedAt?: string | null };
  balance: Balance;
  users: Array<{
    id: string;
    name: string;
    email: string;
    role: string;
    twoFactorEnabled: boolean;
    emailVerified: boolean;
  }>;
  volume: { since: string; total: number; byStatus: Record<string, number> };
  settings: { refundPolicy: string; maxSegments: number; trackedLinks?: boolean };
  prices: { default: number; countries: Record<string, number> } | null;
}

interface LedgerEntry {
  id: string;
  kind: string;
  amount: number;
  reserved: number;
  note: string | null;
  createdAt: string;
}

/** Every refund policy the server knows (see generated.ts), with its wording. */
const REFUND_LABELS: Record<RefundPolicy, string> = {
  none: 'No refunds: every sent message is charged',
  undelivered: 'Refund undelivered messages',
  undelivered_and_expired: 'Refund undelivered and expired messages',
};
const REFUND_POLICIES = Object.entries(REFUND_LABELS).map(([value, label]) => ({ value, label }));

function Ledger({ accountId }: { accountId: string }) {
  const ledger = useInfiniteQuery({
    queryKey: adminKeys.ledger(accountId),
    queryFn: ({ pageParam }) =>
      api<Page<LedgerEntry>>(
        'GET',
        `/v1/admin/accounts/${encodeURIComponent(accountId)}/ledger${query({ limit: 10, cursor: pageParam })}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = ledger.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <>
      <div className="table-wrap">
        <table className="data stack">
          <caption>Ledger (newest first)</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Kind</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id}>
                <td data-label="When">{formatTime(e.createdAt)}</td>
                <td data-label="Kind">{ledgerKind(e.kind)}</td>
                <td data-label="Amount" className="num">
                  {formatCredits(e.amount)}
                </td>
                <td data-label="Note">{e.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore pages={ledger} label="More ledger entries" />
    </>
  );
}

/** Everything the operator needs about one client account, with its status and money actions. */
export function AdminAccountPage({ id }: { id: string }) {
  usePageTitle('Account');
  const client = useQueryClient();
  const [confirm, confirmDialog] = useConfirm();
  const [crediting, setCrediting] = useState(false);
  const key = adminKeys.account(id);
  const detail = useQuery({
    queryKey: key,
    queryFn: () => api<AccountDetail>('GET', `/v1/admin/accounts/${encodeURIComponent(id)}`),
  });
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: key });
    await client.invalidateQueries({ queryKey: adminKeys.ledger(id) });
    await client.invalidateQueries({ queryKey: complianceKeys.audit() });
    await client.invalidateQueries({ queryKey: adminKeys.accounts() });
  };
  const action = useMutation({
    mutationFn: (what: 'suspend' | 'reactivate' | 'close' | 'restore') =>
      api(
        'POST',
        `/v1/admin/accounts/${encodeURIComponent(id)}/${what}`,
        what === 'close' ? { confirmDeletion: true } : undefined,
      ),
    onSuccess: refresh,
  });
  const refund = useMutation({
    mutationFn: (refundPolicy: string) =>
      api('PATCH', `/v1/admin/accounts/${encodeURIComponent(id)}/settings`, { refundPolicy }),
    onSuccess: refresh,
  });
  const d = detail.data;
  if (detail.error)
    return (
      <div>
        <h1 tabIndex={-1}>Account</h1>
        <p role="alert">{(detail.error as Error).message}</p>
      </div>
    );
  if (!d)
    return (
      <div>
        <h1 tabIndex={-1}>Account</h1>
        <p>Loading…</p>
      </div>
    );
  const a = d.account;
  const ask = async (what: 'suspend' | 'close' | 'restore' | 'reactivate') => {
    const texts = {
      suspend: {
        title: `Suspend ${a.name}?`,
        body: 'The account can no longer send (its API calls and campaigns are refused) until reactivated.',
        confirmLabel: 'Suspend account',
      },
      reactivate: {
        title: `Reactivate ${a.name}?`,
        body: 'The account can send again.',
        confirmLabel: 'Reactivate',
      },
      close: {
        title: `Close ${a.name}?`,
        body: 'Sending stops at once; its contacts are purged after 60 days and its messages after 120 days. It can be restored, without what was purged by then.',
        confirmLabel: 'Close account',
      },
      restore: {
        title: `Restore ${a.name}?`,
        body: 'The account is re-opened, without the contacts and messages already purged.',
        confirmLabel: 'Restore account',
      },
    }[what];
    if (
      await confirm({ ...texts, body: <p>{texts.body}</p>, danger: what === 'suspend' || what === 'close' })
    )
      action.mutate(what);
  };
  const volume = Object.entries(d.volume.byStatus).sort((x, y) => y[1] - x[1]);
  return (
    <div>
      <p>
        <Link to="/admin/accounts">← Accounts</Link>
      </p>
      <h1 tabIndex={-1}>{a.name}</h1>
      <section className="card" aria-labelledby="acct-status-h">
        <div className="row">
          <h2 id="acct-status-h">Status</h2>
          <span
            className={`badge badge-${a.status === 'active' ? 'delivered' : 'failed'}`}
            data-testid="account-status"
          >
            {a.status}
          </span>
        </div>
        <p className="muted">
          <code>{a.id}</code> · created {formatTime(a.createdAt)}
        </p>
        <div className="toolbar">
          {a.status === 'active' ? (
            <button
              type="button"
              className="danger"
              onClick={() => ask('suspend')}
              disabled={action.isPending}
            >
              Suspend
            </button>
          ) : null}
          {a.status === 'suspended' ? (
            <button type="button" onClick={() => ask('reactivate')} disabled={action.isPending}>
              Reactivate
            </button>
          ) : null}
          {a.status === 'closed' ? (
            <button type="button" onClick={() => ask('restore')} disabled={action.isPending}>
              Restore account
            </button>
          ) : (
            <button type="button" className="danger" onClick={() => ask('close')} disabled={action.isPending}>
              Close account
            </button>
          )}
        </div>
        <FormError message={problemFields(action.error).general} />
      </section>

      <section className="card" aria-labelledby="acct-users-h">
        <h2 id="acct-users-h">Users</h2>
        <div className="table-wrap">
          <table className="data stack" data-testid="account-users">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">2FA</th>
              </tr>
            </thead>
            <tbody>
              {d.users.map((u) => (
                <tr key={u.id}>
                  <td data-label="Name">{u.name}</td>
                  <td data-label="E-mail">{u.email}</td>
                  <td data-label="Role">{u.role}</td>
                  <td data-label="2FA">{u.twoFactorEnabled ? 'on' : 'off'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="acct-volume-h">
        <h2 id="acct-volume-h">Messages, last 30 days</h2>
        <p data-testid="account-volume">
          <strong>{d.volume.total}</strong> {d.volume.total === 1 ? 'message' : 'messages'}
        </p>
        {volume.length > 0 ? (
          <dl className="health">
            {volume.map(([status, n]) => (
              <div key={status}>
                <dt>{status}</dt>
                <dd>{n}</dd>
              </div>
            ))}
          </dl>
        ) : null}
      </section>

      <section className="card" aria-labelledby="acct-balance-h">
        <h2 id="acct-balance-h">Balance</h2>
        <p data-testid="account-balance">
          <strong>{formatCredits(d.balance.credits)}</strong> credits ({formatCredits(d.balance.reserved)}{' '}
          reserved, {formatCredits(d.balance.available)} available)
        </p>
        <button type="button" aria-expanded={crediting} onClick={() => setCrediting(!crediting)}>
          Adjust credits
        </button>
        {crediting ? (
          <Credits
            account={{ ...a, balance: d.balance.credits }}
            onDone={() => {
              setCrediting(false);
              void refresh();
            }}
          />
        ) : null}
        <Ledger accountId={id} />
      </section>

      <section className="card" aria-labelledby="acct-prices-h">
        <h2 id="acct-prices-h">Prices and refunds</h2>
        {d.prices ? (
          <p>
            Own price list: {formatCredits(d.prices.default)} credits per part by default
            {Object.keys(d.prices.countries).length > 0
              ? `; ${Object.entries(d.prices.countries)
                  .slice(0, 20)
                  .map(([c, p]) => `${c} ${formatCredits(p)}`)
                  .join(', ')}`
              : ''}
            . <Link to="/admin/prices">Change</Link>
          </p>
        ) : (
          <p>
            The default price list. <Link to="/admin/prices">Prices</Link>
          </p>
        )}
        <div className="field">
          <label htmlFor="refund-policy">Refund policy</label>
          <select
            id="refund-policy"
            value={d.settings.refundPolicy}
            disabled={refund.isPending}
            onChange={(e) => refund.mutate(e.target.value)}
          >
            {REFUND_POLICIES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        {refund.isSuccess ? <p role="status">Refund policy saved.</p> : null}
        <FormError message={problemFields(refund.error).general} />
      </section>

      <section className="card" aria-labelledby="acct-audit-h">
        <h2 id="acct-audit-h">Audit log</h2>
        <AuditTable path="/v1/admin/audit-log" params={{ accountId: id }} label={`Audit log of ${a.name}`} />
      </section>
      {confirmDialog}
    </div>
  );
}
