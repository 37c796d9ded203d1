import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from '../api';
import { messageKeys } from '../api/messages';
import { type Category, RateChart, type Series, StackedBars } from '../charts';
import { PageLayout } from '../components/page';
import { DateRangeField } from '../date-range';
import { navigate, useLocation, usePageTitle } from '../router';

interface Figures {
  total: number;
  byStatus: Record<string, number>;
  delivered: number;
  failed: number;
  pending: number;
  deliveryRate: number | null;
}

interface Report {
  from: string;
  until: string;
  timezone: string;
  groupBy: 'day' | 'country' | 'route';
  totals: Figures;
  days?: Array<{ day: string } & Figures>;
  countries?: Array<{ country: string | null } & Figures>;
  routes?: Array<{ route: string | null; routeName?: string } & Figures>;
}

const OUTCOMES: Series[] = [
  { key: 'delivered', label: 'Delivered', color: '#16a34a' },
  { key: 'failed', label: 'Failed', color: '#dc2626' },
  { key: 'pending', label: 'Pending', color: '#9ca3af' },
];

const GROUPS = { day: 'Day', country: 'Country', route: 'Route' } as const;
type Group = keyof typeof GROUPS;

/** `YYYY-MM-DD` of a local date `daysAgo` days before today. */
function localDate(daysAgo = 0): string {
  const d = new Date();
  d.setDate(d.getDate() - daysAgo);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
const percent = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10} %`);

function rowsOf(report: Report): Array<{ category: Category } & Figures> {
  if (report.days) {
    return report.days.map((d) => {
      const date = new Date(`${d.day}T12:00:00Z`);
      const label = date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
      return { ...d, category: { label, title: d.day } };
    });
  }
  if (report.countries) {
    return report.countries.map((c) => ({
      ...c,
      category: { label: c.country ?? '?', title: c.country ?? 'Unknown country' },
    }));
  }
  return (report.routes ?? []).map((r) => {
    const name = r.routeName ?? r.route ?? 'Not routed yet';
    return { ...r, category: { label: name, title: name } };
  });
}

/**
 * Volumes and delivery rates over a chosen range, per day, country or (for the operator) route, as charts
 * and as a table. `path` is the client's report or the operator's.
 */
export function Reports({ path, groups, page }: { path: string; groups: Group[]; page: string }) {
  const { search } = useLocation();
  const from = search.get('from') ?? localDate(29);
  const until = search.get('until') ?? localDate(0);
  const groupBy = (groups as string[]).includes(search.get('groupBy') ?? '')
    ? (search.get('groupBy') as Group)
    : 'day';
  const set = (changes: Record<string, string>) =>
    navigate(`${page}${query({ from, until, groupBy, ...changes })}`, true);
  const report = useQuery({
    queryKey: messageKeys.report(path, from, until, groupBy),
    queryFn: () => api<Report>('GET', `${path}${query({ from, until, groupBy, timezone: zone() })}`),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const rows = data ? rowsOf(data) : [];
  const per = GROUPS[groupBy].toLowerCase();
  return (
    <>
      <form className="filters" aria-label="Report range" onSubmit={(e) => e.preventDefault()}>
        <div className="field date-range">
          <DateRangeField
            label="Dates"
            from={from}
            until={until}
            onChange={(f, u) => set({ from: f, until: u })}
          />
        </div>
        <fieldset className="segmented">
          <legend>Per</legend>
          {groups.map((g) => (
            <label key={g} className="check">
              <input
                type="radio"
                name="groupBy"
                value={g}
                checked={groupBy === g}
                onChange={() => set({ groupBy: g })}
              />{' '}
              {GROUPS[g]}
            </label>
          ))}
        </fieldset>
      </form>
      {report.error ? <p role="alert">{(report.error as Error).message}</p> : null}
      {report.isPending ? <p>Loading…</p> : null}
      {data ? (
        <>
          <dl className="stats" aria-label="Totals">
            <div>
              <dt>Messages</dt>
              <dd data-testid="report-total">{data.totals.total}</dd>
            </div>
            <div>
              <dt>Delivered</dt>
              <dd>{data.totals.delivered}</dd>
            </div>
            <div>
              <dt>Failed</dt>
              <dd>{data.totals.failed}</dd>
            </div>
            <div>
              <dt>Pending</dt>
              <dd>{data.totals.pending}</dd>
            </div>
            <div>
              <dt>Delivery rate</dt>
              <dd>{percent(data.totals.deliveryRate)}</dd>
            </div>
          </dl>
          {rows.length === 0 ? (
            <p className="muted">No messages in this range.</p>
          ) : (
            <div className="charts">
              <StackedBars
                title={`Messages per ${per}`}
                categories={rows.map((r) => r.category)}
                series={OUTCOMES}
                values={rows.map((r) => ({ delivered: r.delivered, failed: r.failed, pending: r.pending }))}
                testId="volume-chart"
              />
              <RateChart
                title={`Delivery rate per ${per}`}
                categories={rows.map((r) => r.category)}
                rates={rows.map((r) => r.deliveryRate)}
                kind={groupBy === 'day' ? 'line' : 'bars'}
                testId="rate-chart"
              />
            </div>
          )}
          {rows.length > 0 ? (
            <details>
              <summary>Figures as a table</summary>
              <div className="table-wrap">
                <table className="data" aria-label={`Messages per ${per}`}>
                  <thead>
                    <tr>
                      <th scope="col">{GROUPS[groupBy]}</th>
                      <th scope="col" className="num">
                        Messages
                      </th>
                      <th scope="col" className="num">
                        Delivered
                      </th>
                      <th scope="col" className="num">
                        Failed
                      </th>
                      <th scope="col" className="num">
                        Pending
                      </th>
                      <th scope="col" className="num">
                        Delivery rate
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.category.title}>
                        <th scope="row">{r.category.title}</th>
                        <td className="num">{r.total}</td>
                        <td className="num">{r.delivered}</td>
                        <td className="num">{r.failed}</td>
                        <td className="num">{r.pending}</td>
                        <td className="num">{percent(r.deliveryRate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          ) : null}
          <p className="muted">
            Days in {data.timezone}. Delivery rate: delivered ÷ (delivered + failed); failed counts
            undelivered, expired, failed and rejected messages.
          </p>
        </>
      ) : null}
    </>
  );
}

export function ReportsPage() {
  usePageTitle('Reports');
  return (
    <PageLayout title="Reports">
      <Reports path="/v1/messages/report" groups={['day', 'country']} page="/reports" />
    </PageLayout>
  );
}

export function AdminReportsPage() {
  usePageTitle('Reports');
  return (
    <PageLayout title="Reports">
      <p className="muted">Every account's messages.</p>
      <Reports path="/v1/admin/reports/messages" groups={['day', 'country', 'route']} page="/admin/reports" />
    </PageLayout>
  );
}
