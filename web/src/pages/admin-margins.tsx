import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, apiText, formatNumber, query, saveText } from '../api';
import { type Category, type Series, StackedBars } from '../charts';
import { PageLayout } from '../components/page';
import { DateRangeField, localDay } from '../date-range';
import { FormError } from '../forms';
import { navigate, useLocation, usePageTitle } from '../router';

interface Figures {
  messages: number;
  segments: number;
  revenue: number;
  cost: number;
  margin: number;
  marginPct: number | null;
  withoutCost: number;
}

interface MarginReport {
  from: string;
  until: string;
  timezone: string;
  groupBy: Group;
  totals: Figures;
  rows: Array<{ key: string | null; name?: string } & Figures>;
  truncated: number;
}

const GROUPS = { day: 'Day', route: 'Route', country: 'Country', account: 'Account' } as const;
type Group = keyof typeof GROUPS;

// Cost and margin stack up to the revenue; a loss shows as cost alone (the table says how much).
const SERIES: Series[] = [
  { key: 'cost', label: 'Carrier cost', color: '#dc2626' },
  { key: 'margin', label: 'Margin', color: '#16a34a' },
];

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10} %`);
const credits = (n: number) => formatNumber(n, 4);

function categoryOf(groupBy: Group, r: MarginReport['rows'][number]): Category {
  if (groupBy === 'day' && r.key) {
    const label = new Date(`${r.key}T12:00:00Z`).toLocaleDateString(undefined, {
      day: 'numeric',
      month: 'short',
      timeZone: 'UTC',
    });
    return { label, title: r.key };
  }
  const name = r.name ?? r.key ?? 'Unknown';
  return { label: name, title: name };
}

/** The operator's margin report: revenue, carrier cost and margin per day, route, country or account. */
export function AdminMarginsPage() {
  usePageTitle('Margins');
  const { search } = useLocation();
  const from = search.get('from') ?? localDay(29);
  const until = search.get('until') ?? localDay(0);
  const groupBy = (Object.keys(GROUPS) as string[]).includes(search.get('groupBy') ?? '')
    ? (search.get('groupBy') as Group)
    : 'day';
  const set = (changes: Record<string, string>) =>
    navigate(`/admin/margins${query({ from, until, groupBy, ...changes })}`, true);
  const path = `/v1/admin/reports/margins${query({ from, to: until, groupBy, timezone: zone() })}`;
  const report = useQuery({
    queryKey: ['admin-margins', from, until, groupBy],
    queryFn: () => api<MarginReport>('GET', path),
    placeholderData: keepPreviousData,
  });
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const downloadCsv = async () => {
    setDownloadError(null);
    try {
      saveText(await apiText('GET', path), `margins-${groupBy}-${from}-${until}.csv`);
    } catch (error) {
      setDownloadError((error as Error).message);
    }
  };
  const data = report.data;
  const rows = data?.rows ?? [];
  const per = GROUPS[groupBy].toLowerCase();
  return (
    <PageLayout title="Margins">
      <p>
        What clients paid for the messages sent, what the carriers of their routes cost, and the difference.
        Costs come from each route's cost table at the time of sending.
      </p>
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
          {(Object.keys(GROUPS) as Group[]).map((g) => (
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
      <div className="toolbar">
        <button type="button" onClick={downloadCsv}>
          Download CSV
        </button>
      </div>
      <FormError message={downloadError} />
      {report.error ? <p role="alert">{(report.error as Error).message}</p> : null}
      {report.isPending ? <p>Loading…</p> : null}
      {data ? (
        <>
          <dl className="stats" aria-label="Totals">
            <div>
              <dt>Messages</dt>
              <dd data-testid="margin-messages">{data.totals.messages}</dd>
            </div>
            <div>
              <dt>Revenue</dt>
              <dd data-testid="margin-revenue">{credits(data.totals.revenue)}</dd>
            </div>
            <div>
              <dt>Carrier cost</dt>
              <dd data-testid="margin-cost">{credits(data.totals.cost)}</dd>
            </div>
            <div>
              <dt>Margin</dt>
              <dd data-testid="margin-margin">
                {credits(data.totals.margin)} ({pct(data.totals.marginPct)})
              </dd>
            </div>
          </dl>
          {data.totals.withoutCost > 0 ? (
            <p className="muted" data-testid="margin-without-cost">
              {data.totals.withoutCost} message(s) went through routes with no cost for them: their cost
              counts as 0.
            </p>
          ) : null}
          {data.totals.messages === 0 ? (
            <p className="muted">No messages sent in this range.</p>
          ) : (
            <div className="charts">
              <StackedBars
                title={`Revenue per ${per}: carrier cost and margin (credits)`}
                categories={rows.map((r) => categoryOf(groupBy, r))}
                series={SERIES}
                values={rows.map((r) => ({
                  cost: Math.min(r.cost, r.revenue),
                  margin: Math.max(0, r.margin),
                }))}
                format={(v) => formatNumber(v, 2)}
                fractional
                testId="margin-chart"
              />
            </div>
          )}
          {rows.length > 0 ? (
            <div className="table-wrap">
              <table className="data" aria-label={`Margins per ${per}`}>
                <thead>
                  <tr>
                    <th scope="col">{GROUPS[groupBy]}</th>
                    <th scope="col" className="num">
                      Messages
                    </th>
                    <th scope="col" className="num">
                      Segments
                    </th>
                    <th scope="col" className="num">
                      Revenue
                    </th>
                    <th scope="col" className="num">
                      Cost
                    </th>
                    <th scope="col" className="num">
                      Margin
                    </th>
                    <th scope="col" className="num">
                      Margin %
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows
                    .filter((r) => groupBy !== 'day' || r.messages > 0)
                    .map((r) => (
                      <tr key={r.key ?? 'none'}>
                        <th scope="row">{categoryOf(groupBy, r).title}</th>
                        <td className="num">{r.messages}</td>
                        <td className="num">{r.segments}</td>
                        <td className="num">{credits(r.revenue)}</td>
                        <td className="num">{credits(r.cost)}</td>
                        <td className="num">{credits(r.margin)}</td>
                        <td className="num">{pct(r.marginPct)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {data.truncated > 0 ? (
            <p className="muted">{data.truncated} more groups are left out: narrow the range.</p>
          ) : null}
        </>
      ) : null}
    </PageLayout>
  );
}
