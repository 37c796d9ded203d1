import { useInfiniteQuery } from '@tanstack/react-query';
import { api, formatCredits, formatTime, ledgerKind, query } from '../api';
import { accountKeys } from '../api/account';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { Link, usePageTitle } from '../router';

interface LedgerEntry {
  id: string;
  kind: string;
  amount: number;
  reserved: number;
  reference: string | null;
  note: string | null;
  createdAt: string;
}

interface BalancePage {
  credits: number;
  reserved: number;
  available: number;
  currency: string;
  ledger: LedgerEntry[];
  nextCursor: string | null;
}

export function BillingPage() {
  usePageTitle('Billing');
  const pages = useInfiniteQuery({
    queryKey: accountKeys.ledger(),
    queryFn: ({ pageParam }) =>
      api<BalancePage>('GET', `/v1/balance${query({ limit: 50, cursor: pageParam })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const first = pages.data?.pages[0];
  const ledger = pages.data?.pages.flatMap((p) => p.ledger) ?? [];
  return (
    <PageLayout title="Billing">
      {pages.error ? <p role="alert">{(pages.error as Error).message}</p> : null}
      {first ? (
        <section className="card" aria-labelledby="balance-h">
          <h2 id="balance-h">Balance</h2>
          <dl className="stats" data-testid="balance">
            <div>
              <dt>Available</dt>
              <dd>{formatCredits(first.available)}</dd>
            </div>
            <div>
              <dt>Reserved for sending</dt>
              <dd>{formatCredits(first.reserved)}</dd>
            </div>
            <div>
              <dt>Total {first.currency}</dt>
              <dd>{formatCredits(first.credits)}</dd>
            </div>
          </dl>
        </section>
      ) : null}
      <section className="card" aria-labelledby="prices-h">
        <h2 id="prices-h">Prices</h2>
        <p>
          What one SMS part costs in each country, and what a credit is:{' '}
          <Link to="/billing/prices">Prices</Link>
        </p>
      </section>
      <section className="card" aria-labelledby="ledger-h">
        <h2 id="ledger-h">Ledger</h2>
        {pages.isPending ? <p>Loading…</p> : null}
        {first && ledger.length === 0 ? <p className="muted">No entries yet.</p> : null}
        {ledger.length > 0 ? (
          <div className="table-wrap">
            <table className="data stack" aria-label="Ledger">
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
                {ledger.map((e) => (
                  <tr key={e.id}>
                    <td data-label="When">{formatTime(e.createdAt)}</td>
                    <td data-label="Kind">{ledgerKind(e.kind)}</td>
                    <td data-label="Amount" className="num">
                      {formatCredits(e.amount)}
                      {e.reserved ? (
                        <span className="muted"> ({formatCredits(e.reserved)} reserved)</span>
                      ) : null}
                    </td>
                    <td data-label="Note">{e.note ?? e.reference ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <LoadMore pages={pages} busyLabel="Loading…" />
      </section>
    </PageLayout>
  );
}
