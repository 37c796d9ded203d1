import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { messageKeys } from '../api/messages';

const FAILED = new Set(['undelivered', 'expired', 'failed', 'rejected']);
const DAYS = 7;

interface DailyStats {
  days: Array<{ day: string; total: number; byStatus: Record<string, number> }>;
}

/** `YYYY-MM-DD` of a local date, as the server labels days for our UTC offset. */
function label(d: Date): string {
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

/** Messages of the last days and of this month, counted by the server per local day and status. */
export function MessageStats() {
  const now = new Date();
  // Enough days for both the week chart and the month's totals.
  const span = Math.max(DAYS, now.getDate());
  const offset = -now.getTimezoneOffset();
  const stats = useQuery({
    queryKey: messageKeys.stats(span, offset),
    queryFn: () => api<DailyStats>('GET', `/v1/messages/stats?days=${span}&utcOffsetMinutes=${offset}`),
    refetchInterval: 10_000,
  });
  if (!stats.data || stats.data.days.length === 0) return null;
  const byDay = new Map(stats.data.days.map((d) => [d.day, d]));
  const count = (days: string[]) => {
    const c = { total: 0, delivered: 0, failed: 0 };
    for (const day of days) {
      const d = byDay.get(day);
      if (!d) continue;
      c.total += d.total;
      for (const [status, n] of Object.entries(d.byStatus)) {
        if (status === 'delivered') c.delivered += n;
        else if (FAILED.has(status)) c.failed += n;
      }
    }
    return c;
  };
  const dayLabels = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      label(new Date(now.getFullYear(), now.getMonth(), now.getDate() - (n - 1 - i))),
    );
  const todayC = count([label(now)]);
  const monthC = count(dayLabels(now.getDate()));
  const finished = monthC.delivered + monthC.failed;
  const rate = finished ? Math.round((monthC.delivered / finished) * 100) : null;
  const days = dayLabels(DAYS).map((day) => {
    const c = count([day]);
    return {
      label: new Date(`${day}T12:00:00`).toLocaleDateString(undefined, { weekday: 'short' }),
      sent: c.total,
      delivered: c.delivered,
      failed: c.failed,
    };
  });
  const max = Math.max(1, ...days.map((d) => d.sent));
  return (
    <section className="card" aria-labelledby="stats-h">
      <h2 id="stats-h">Messages</h2>
      <dl className="stats">
        <div>
          <dt>Today</dt>
          <dd>{todayC.total}</dd>
        </div>
        <div>
          <dt>This month</dt>
          <dd>{monthC.total}</dd>
        </div>
        <div>
          <dt>Delivered</dt>
          <dd>{monthC.delivered}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{monthC.failed}</dd>
        </div>
        <div>
          <dt>Delivery rate</dt>
          <dd>{rate === null ? '—' : `${rate} %`}</dd>
        </div>
      </dl>
      <table className="chart">
        <caption>Last {DAYS} days: sent, delivered and failed</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Sent</th>
            <th scope="col">Delivered</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.label}>
              <th scope="row">{d.label}</th>
              {(['sent', 'delivered', 'failed'] as const).map((k) => (
                <td key={k}>
                  <span className={`bar bar-${k}`} style={{ width: `${(d[k] / max) * 100}%` }} />
                  <span className="bar-value">{d[k]}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
